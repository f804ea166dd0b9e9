/**
 * `awsmfa setup`: from an access key and an authenticator app to a profile that works. Every answer is
 * checked as soon as it can be (the key and secret with GetCallerIdentity before the region is asked,
 * the device and the code with a real GetSessionToken, whose session is cached so that the first
 * `awsmfa use` needs no second code), and nothing is written until all of them are good.
 */
import { KEYRING_SETTING, keyringName, probeKeyring } from '../aws/keyring.js';
import { ProfileSet } from '../aws/profiles.js';
import { explainStsError, RefusedCodeError, stsClient, stsTarget, UnknownDeviceError, type StsCredentials, type StsTarget } from '../aws/sts.js';
import { obtainCode } from '../mfa/code.js';
import { displayable } from '../display.js';
import { AwsmfaError } from '../errors.js';
import { describeExpiry, say, warn } from '../output.js';
import type { SessionCache } from '../session/cache.js';
import { DEFAULT_SESSION_SECONDS, obtainSession } from '../session/sessions.js';
import {
  callerFromArn,
  describeDuration,
  parseAccessKeyId,
  parseDuration,
  parseRegion,
  parseSecretAccessKey,
  parseSerial,
  proposedSerial,
  type Caller,
} from './answers.js';
import type { CurrentProfile, SecretStore } from './current.js';
import { refused, type Terminal } from './terminal.js';
import type { ProfileRecord } from './write.js';

export interface SetupAnswers {
  readonly name: string;
  readonly accessKeyId: string | undefined;
  /** The secret as read from stdin (--secret-stdin). */
  readonly secret: string | undefined;
  readonly mfaSerial: string | undefined;
  readonly tokenCode: string | undefined;
  readonly region: string | undefined;
  readonly duration: string | undefined;
  readonly store: SecretStore | undefined;
}

export interface SetupServices {
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: NodeJS.WritableStream;
  /** Undefined when nothing may be asked: no terminal, or --yes. */
  readonly terminal: Terminal | undefined;
  /** A terminal exists to ask the MFA code on (also with --yes). */
  readonly canPrompt: boolean;
  readonly cache: SessionCache;
  readonly profiles: ProfileSet;
}

/** `AKIA…MPLE`: recognisable in brackets without printing the whole id. */
function masked(keyId: string): string {
  return `${keyId.slice(0, 4)}…${keyId.slice(-4)}`;
}

function missing(what: string, flag: string, name: string): AwsmfaError {
  return new AwsmfaError(`no ${what} for [${name}], and there is no terminal to ask on`, {
    hint: `Pass it with ${flag} (see awsmfa setup --help), or run awsmfa setup ${name} in a terminal.`,
  });
}

/** How many times one answer refused by AWS is asked for again before setup gives up. */
const AWS_ATTEMPTS = 3;

/**
 * The answers, asked for where no flag gave them, each checked as soon as it can be: the key and its
 * secret with AWS before the next question, the device and the code with a real GetSessionToken. On a
 * terminal, an answer AWS refuses is asked for again, alone; everything answered before it stays.
 */
export async function gatherProfile(answers: SetupAnswers, current: CurrentProfile, services: SetupServices): Promise<{ record: ProfileRecord; expiration: string }> {
  const { terminal, stderr, env } = services;
  const name = answers.name;
  const store = answers.store ?? current.store ?? 'file';
  if (store === 'keyring') probeKeyring(name);

  const askKey = async (): Promise<string> => {
    if (answers.accessKeyId !== undefined) return parseAccessKeyId(answers.accessKeyId);
    if (terminal !== undefined) return terminal.ask('Access key ID', parseAccessKeyId, current.accessKeyId, current.accessKeyId === undefined ? undefined : masked(current.accessKeyId));
    if (current.accessKeyId !== undefined) return current.accessKeyId;
    throw missing('access key ID', '--access-key-id AKIA…', name);
  };

  // The current secret is offered only for the same key: a new key always comes with its own secret.
  let kept: string | undefined;
  let keptFor: string | undefined;
  const keptSecret = (accessKeyId: string): string | undefined => {
    if (answers.secret !== undefined || accessKeyId !== current.accessKeyId || current.store === undefined) return undefined;
    if (keptFor !== accessKeyId) {
      keptFor = accessKeyId;
      try {
        kept = current.secret();
      } catch (error) {
        if (!(error instanceof AwsmfaError)) throw error;
        kept = undefined;
        warn(`${error.message}; the secret has to be given again`, stderr);
      }
    }
    return kept;
  };
  const askSecret = async (accessKeyId: string, refusedKept: boolean): Promise<string> => {
    if (answers.secret !== undefined) return parseSecretAccessKey(answers.secret);
    const keep = refusedKept ? undefined : keptSecret(accessKeyId);
    if (terminal !== undefined) return terminal.askSecret('Secret access key', parseSecretAccessKey, keep === undefined ? undefined : () => keep);
    if (keep !== undefined) return keep;
    throw missing('secret access key', '--secret-stdin (the secret on standard input, never on the command line)', name);
  };

  const regionProposal = current.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // A region given as a flag is checked before anything is sent; an asked one comes after the key is proved.
  const flagRegion = answers.region === undefined ? undefined : parseRegion(answers.region);
  const endpointUrl = current.configSection.endpoint_url;
  const targetIn = (region: string | undefined) =>
    stsTarget({ region, endpointUrl }, env, (offset) =>
      warn(`this computer's clock is ${Math.abs(Math.round(offset))} s ${offset > 0 ? 'behind' : 'ahead of'} AWS's; set it right (e.g. sudo timedatectl set-ntp true)`, stderr),
    );

  let accessKeyId = await askKey();
  let secret = await askSecret(accessKeyId, false);
  const secretIsKept = () => kept !== undefined && secret === kept && keptFor === accessKeyId;
  let caller: Caller;
  for (let attempt = 1; ; attempt++) {
    say(`checking the key ${masked(accessKeyId)} with AWS (GetCallerIdentity)`, stderr);
    try {
      caller = await identify({ accessKeyId, secretAccessKey: secret }, targetIn(flagRegion ?? current.region ?? regionProposal), name);
      break;
    } catch (error) {
      if (!(error instanceof KeyRefused)) throw error;
      const final = new AwsmfaError(`${error.message}; nothing was written`, { hint: error.hint });
      if (terminal === undefined || attempt >= AWS_ATTEMPTS) throw final;
      if (error.answer === 'key' && answers.accessKeyId === undefined) {
        refused(error, stderr);
        const wasKept = secretIsKept();
        accessKeyId = await askKey();
        // A secret typed for the key stays; only the current profile's secret belongs to its own key.
        if (wasKept) secret = await askSecret(accessKeyId, false);
      } else if (error.answer === 'secret' && answers.secret === undefined) {
        refused(error, stderr);
        secret = await askSecret(accessKeyId, true);
      } else {
        throw final;
      }
    }
  }
  say(`the key belongs to ${displayable(caller.arn)}`, stderr);
  if (caller.root) warn("that is the account's root user: its sessions last at most 1 hour and it cannot assume roles; an IAM user of your own is better", stderr);

  const region = flagRegion ?? (terminal !== undefined ? await terminal.ask('Region', parseRegion, regionProposal) : current.region);

  const serialProposal = (() => {
    if (current.mfaSerial === undefined) return proposedSerial(caller);
    try {
      return parseSerial(current.mfaSerial, caller);
    } catch {
      return proposedSerial(caller);
    }
  })();
  const askSerial = async (proposal: string): Promise<string> =>
    answers.mfaSerial !== undefined
      ? parseSerial(answers.mfaSerial, caller)
      : terminal !== undefined
        ? terminal.ask('MFA device ARN', (answer) => parseSerial(answer, caller), proposal)
        : proposal;
  let mfaSerial = await askSerial(serialProposal);

  const currentDuration = current.durationSeconds !== undefined && /^\d+$/.test(current.durationSeconds) ? Number(current.durationSeconds) : undefined;
  const durationProposal = Math.min(currentDuration ?? DEFAULT_SESSION_SECONDS, caller.root ? 3600 : Number.MAX_SAFE_INTEGER);
  const durationSeconds =
    answers.duration !== undefined
      ? parseDuration(answers.duration, '--duration', caller.root)
      : terminal !== undefined
        ? await terminal.ask('Session duration (seconds, or e.g. 12h)', (answer) => parseDuration(answer, 'the answer', caller.root), describeDuration(durationProposal))
        : currentDuration;

  // A code can be asked for again only where it was asked for: on the terminal, not from a flag or mfa_process.
  const codeAsked = answers.tokenCode === undefined && current.configSection.mfa_process === undefined && terminal !== undefined;
  for (let attempt = 1; ; attempt++) {
    const record: ProfileRecord = { name, accessKeyId, secret, mfaSerial, region, durationSeconds, store };
    try {
      const expiration = await proveDevice(record, current, answers.tokenCode, services);
      return { record, expiration };
    } catch (error) {
      if (attempt >= AWS_ATTEMPTS || terminal === undefined) throw finalRefusal(error, name, mfaSerial);
      if (error instanceof UnknownDeviceError && answers.mfaSerial === undefined) {
        refused(deviceRefusal(name, mfaSerial), stderr);
        mfaSerial = await askSerial(mfaSerial);
      } else if (error instanceof RefusedCodeError && codeAsked) {
        refused(error, stderr);
      } else {
        throw finalRefusal(error, name, mfaSerial);
      }
    }
  }
}

/** Setup's words for a device AWS does not know: nothing has been written, so no file to edit. */
function deviceRefusal(name: string, serial: string): AwsmfaError {
  return new AwsmfaError(`AWS does not know the MFA device ${serial} as a device of the user whose key was given`, {
    hint: `In the IAM console: Users → the user → Security credentials → Multi-factor authentication (MFA); copy the device's Identifier (arn:…:mfa/NAME) and type it here (or pass it with --mfa-serial to awsmfa setup ${name}).`,
  });
}

function finalRefusal(error: unknown, name: string, serial: string): unknown {
  if (!(error instanceof AwsmfaError) || error.exitCode === 130) return error;
  const cause = error instanceof UnknownDeviceError ? deviceRefusal(name, serial) : error;
  return new AwsmfaError(`${cause.message}; nothing was written`, { hint: cause.hint, cause: error });
}

/** The key or the secret refused by GetCallerIdentity: which answer to ask for again. */
class KeyRefused extends AwsmfaError {
  constructor(
    readonly answer: 'key' | 'secret',
    message: string,
    hint: string,
  ) {
    super(message, { hint });
  }
}

/** GetCallerIdentity needs no permission and cannot be denied: it tests the key and nothing else. */
async function identify(keys: StsCredentials, target: StsTarget, name: string): Promise<Caller> {
  const endpoint = target.endpoint ?? `https://sts.${target.region}.amazonaws.com`;
  const client = await stsClient(target, keys);
  try {
    const identity = await client.getCallerIdentity();
    return callerFromArn(identity.arn ?? '', identity.account);
  } catch (error) {
    const code = (error as { name?: string }).name;
    const message = (error as { message?: string }).message ?? '';
    if (code === 'InvalidClientTokenId') {
      throw new KeyRefused('key', `AWS does not know the access key ${keys.accessKeyId} (InvalidClientTokenId)`,
        'Check that it was copied whole. A key that was deleted or deactivated no longer works: create a new one (IAM console → Users → you → Security credentials).',
      );
    }
    if (code === 'SignatureDoesNotMatch' && !/expired|earlier|later|skew/i.test(message)) {
      throw new KeyRefused('secret', `AWS refused the secret: it does not belong to the access key ${keys.accessKeyId} (SignatureDoesNotMatch)`,
        'Paste the secret again exactly as IAM showed it when the key was created; if it is lost, create a new key.',
      );
    }
    throw explainStsError(error, { action: 'GetCallerIdentity', profile: name, keysProfile: name, keysFile: 'the answers to setup', serial: undefined, endpoint });
  } finally {
    client.destroy();
  }
}

const PLANNED_AWAY = new Set([KEYRING_SETTING, 'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_security_token']);

/**
 * One real GetSessionToken with the new answers, through the same code (and the same cache) that `env`
 * uses, from the profile as it will be written, so the cached session is found by the next `awsmfa use`.
 */
async function proveDevice(record: ProfileRecord, current: CurrentProfile, tokenCode: string | undefined, services: SetupServices): Promise<string> {
  // The keys come from the answers, not from the config file; and no keyring is read for this session.
  const config = Object.fromEntries(Object.entries(current.configSection).filter(([key]) => !PLANNED_AWAY.has(key)));
  const planned = new ProfileSet(
    services.profiles.files,
    {
      [record.name]: {
        ...config,
        mfa_serial: record.mfaSerial,
        ...(record.region === undefined ? {} : { region: record.region }),
        ...(record.durationSeconds === undefined ? {} : { duration_seconds: String(record.durationSeconds) }),
      },
    },
    { [record.name]: { aws_access_key_id: record.accessKeyId, aws_secret_access_key: record.secret } },
  );
  const { session } = await obtainSession(
    { profile: record.name, tokenCode, durationSeconds: record.durationSeconds, force: true },
    {
      profiles: planned,
      cache: services.cache,
      env: services.env,
      stderr: services.stderr,
      codeSource: async (request) => {
        // The profile may not exist yet: there is no mfa_process to point at, only the flag.
        if (request.flag === undefined && request.mfaProcess === undefined && !services.canPrompt) {
          throw new AwsmfaError(`no MFA code to prove the device ${record.mfaSerial} with, and there is no terminal to ask on`, {
            hint: `Pass the six digits the authenticator shows now with --token-code (awsmfa setup ${record.name} --token-code 123456 …), or run awsmfa setup ${record.name} in a terminal.`,
          });
        }
        return obtainCode(request);
      },
    },
  );
  say(`the MFA device ${displayable(record.mfaSerial)} works: session ${describeExpiry(session.expiration)}`, services.stderr);
  return session.expiration;
}

export function storeName(store: SecretStore): string {
  return store === 'keyring' ? keyringName() : 'the credentials file';
}
