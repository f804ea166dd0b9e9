/**
 * What `awsmfa setup` accepts as an answer, checked before anything is sent or written: each parser
 * returns the value or throws an error that says what is wrong and what it should look like.
 */
import { sectionId } from '../aws/ini-file.js';
import { unsafeForJsSdk } from '../aws/sdk-names.js';
import { SESSION_DURATION, checkSessionDuration } from '../aws/sts.js';
import { AwsmfaError } from '../errors.js';

/** Names that are one section both in ~/.aws/config (`[profile NAME]`) and in ~/.aws/credentials (`[NAME]`). */
const PROFILE_NAME = /^[\w.@+:/-]{1,64}$/;

export function parseProfileName(name: string): string {
  if (!PROFILE_NAME.test(name) || sectionId(name) !== name || sectionId(`profile ${name}`) !== `profile.${name}` || unsafeForJsSdk(name)) {
    throw new AwsmfaError(`${JSON.stringify(name)} cannot be a profile name`, {
      hint: 'Use up to 64 letters, digits and - _ . @ + : / only, e.g. awsmfa setup work.',
    });
  }
  return name;
}

/** The section of ~/.aws/config that holds the profile: `[default]`, else `[profile NAME]`. */
export function configSectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

export function parseAccessKeyId(answer: string): string {
  const id = answer.trim();
  if (/^ASIA/.test(id)) {
    throw new AwsmfaError(`the access key ${id.slice(0, 4)}… is a temporary session key`, {
      hint: "awsmfa needs the IAM user's long-term access key (AKIA…): IAM console → Users → you → Security credentials → Create access key.",
    });
  }
  if (!/^AKIA[A-Z0-9]{12,124}$/.test(id)) {
    throw new AwsmfaError(id === '' ? 'no access key ID was given' : 'that is not an access key ID', {
      hint: 'It is 20 capital letters and digits starting with AKIA, e.g. AKIAIOSFODNN7EXAMPLE.',
    });
  }
  return id;
}

export function parseSecretAccessKey(answer: string): string {
  const secret = answer.trim();
  if (secret === '') throw new AwsmfaError('no secret access key was given', { hint: 'Paste the secret shown when the access key was created (40 characters).' });
  if (!/^[A-Za-z0-9/+=]{16,128}$/.test(secret)) {
    throw new AwsmfaError('that is not a secret access key: it has characters a secret key never has, or is too short', {
      hint: 'Paste the secret exactly as IAM showed it (40 letters, digits, / and +), with nothing around it.',
    });
  }
  return secret;
}

/** Region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-5, … */
export function parseRegion(answer: string): string {
  const region = answer.trim().toLowerCase();
  if (!/^[a-z]{2}(-[a-z]+){1,3}-\d{1,2}$/.test(region)) {
    throw new AwsmfaError(`${JSON.stringify(answer.trim())} is not an AWS region`, { hint: 'Use a region code such as us-east-1, eu-west-1 or ap-southeast-2.' });
  }
  return region;
}

/** Seconds, or hours and minutes as `12h`, `1h30m`, `90m`. */
export function parseDuration(answer: string, source = 'the answer', rootUser = false): number {
  const text = answer.trim().toLowerCase();
  let seconds: number;
  const parts = /^(?:(\d+)h)?\s*(?:(\d+)m)?$/.exec(text);
  if (/^\d+s?$/.test(text)) seconds = Number.parseInt(text, 10);
  else if (parts !== null && text !== '') seconds = Number(parts[1] ?? 0) * 3600 + Number(parts[2] ?? 0) * 60;
  else throw new AwsmfaError(`${JSON.stringify(answer.trim())} is not a duration`, { hint: 'Give seconds (43200) or hours and minutes (12h, 1h30m).' });
  checkSessionDuration(seconds, source);
  if (rootUser && seconds > SESSION_DURATION.rootMax) {
    throw new AwsmfaError(`the root user's sessions last at most ${SESSION_DURATION.rootMax} s`, { hint: 'Use 3600 or less (better: an IAM user of your own instead of the root user).' });
  }
  return seconds;
}

/** "12h", "1h 30m", "15m" for a proposal in brackets. */
export function describeDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (rest !== 0) return String(seconds);
  return [hours > 0 ? `${hours}h` : '', minutes > 0 ? `${minutes}m` : ''].filter(Boolean).join('') || String(seconds);
}

/** Who a key belongs to, from GetCallerIdentity's ARN. */
export interface Caller {
  readonly arn: string;
  readonly account: string;
  readonly partition: string;
  /** The IAM user's name (without its path), or undefined for the root user. */
  readonly userName: string | undefined;
  readonly userPath: string;
  readonly root: boolean;
}

export function callerFromArn(arn: string, account: string | undefined): Caller {
  const user = /^arn:(aws[\w-]*):iam::(\d{12}):user(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/.exec(arn);
  if (user !== null) return { arn, partition: user[1]!, account: user[2]!, userPath: user[3]!, userName: user[4]!, root: false };
  const root = /^arn:(aws[\w-]*):iam::(\d{12}):root$/.exec(arn);
  if (root !== null) return { arn, partition: root[1]!, account: root[2]!, userPath: '/', userName: undefined, root: true };
  throw new AwsmfaError(`the key belongs to ${arn}, which is not an IAM user${account === undefined ? '' : ` of account ${account}`}`, {
    hint: "awsmfa needs an IAM user's long-term access key (AKIA…); role and federated sessions cannot call GetSessionToken.",
  });
}

/** The ARN a virtual MFA device gets by default: named after its user (the root user's has a fixed name). */
export function proposedSerial(caller: Caller): string {
  const name = caller.root ? 'root-account-mfa-device' : caller.userName!;
  return `arn:${caller.partition}:iam::${caller.account}:mfa/${name}`;
}

const MFA_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):mfa\/[\w+=,.@/-]{1,512}$/;
const HARDWARE_SERIAL = /^[\w+=/:,.@-]{9,256}$/;

/** A virtual or hardware device's ARN of the caller's own account, or a hardware token's serial number. */
export function parseSerial(answer: string, caller: Caller): string {
  const serial = answer.trim();
  if (/^arn:[^:]*:iam::\d{12}:u2f\//.test(serial)) {
    throw new AwsmfaError(`${serial} is a FIDO security key, and STS takes codes only from authenticator apps and hardware TOTP tokens`, {
      hint: 'Register a virtual MFA device (an authenticator app) for the user and give its ARN.',
    });
  }
  const arn = MFA_ARN.exec(serial);
  if (arn !== null) {
    if (arn[2] !== caller.account) {
      throw new AwsmfaError(`the MFA device ${serial} is in account ${arn[2]}, but the key belongs to ${caller.arn} in account ${caller.account}`, {
        hint: `A user's MFA device is always in the user's own account: arn:${caller.partition}:iam::${caller.account}:mfa/NAME (IAM console → Security credentials → MFA).`,
      });
    }
    return serial;
  }
  if (!serial.startsWith('arn:') && HARDWARE_SERIAL.test(serial)) return serial;
  throw new AwsmfaError(`${JSON.stringify(serial)} is not an MFA device ARN`, {
    hint: `It looks like arn:${caller.partition}:iam::${caller.account}:mfa/NAME (IAM console → Security credentials → MFA).`,
  });
}
