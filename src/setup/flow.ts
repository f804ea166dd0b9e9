/**
 * `awsmfa setup`: from an access key and an authenticator app to a profile that works. Every answer is
 * checked before the next question (the key with GetCallerIdentity, the device with a real
 * GetSessionToken, whose session is cached so that the first `awsmfa use` needs no second code), and
 * nothing is written until all of them are good.
 */
import { KEYRING_SETTING, keyringName, probeKeyring } from '../aws/keyring.js';
import { ProfileSet } from '../aws/profiles.js';
import { explainStsError, stsClient, stsTarget, type StsCredentials, type StsTarget } from '../aws/sts.js';
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
import type { Terminal } from './terminal.js';
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

/** The answers, asked for where no flag gave them, each checked; then the device proved. */
export async function gatherProfile(answers: SetupAnswers, current: CurrentProfile, services: SetupServices): Promise<{ record: ProfileRecord; expiration: string }> {
  const { terminal, stderr, env, profiles } = services;
  const name = answers.name;
  const store = answers.store ?? current.store ?? 'file';
  if (store === 'keyring') probeKeyring(name);

  let accessKeyId: string;
  if (answers.accessKeyId !== undefined) accessKeyId = parseAccessKeyId(answers.accessKeyId);
  else if (terminal !== undefined) accessKeyId = await terminal.ask('Access key ID', parseAccessKeyId, current.accessKeyId, current.accessKeyId === undefined ? undefined : masked(current.accessKeyId));
  else if (current.accessKeyId !== undefined) accessKeyId = current.accessKeyId;
  else throw missing('access key ID', '--access-key-id AKIA…', name);

  // The current secret is offered only for the same key: a new key always comes with its own secret.
  let kept: string | undefined;
  if (answers.secret === undefined && accessKeyId === current.accessKeyId && current.store !== undefined) {
    try {
      kept = current.secret();
    } catch (error) {
      if (!(error instanceof AwsmfaError)) throw error;
      warn(`${error.message}; the secret has to be given again`, stderr);
    }
  }
  let secret: string;
  if (answers.secret !== undefined) secret = parseSecretAccessKey(answers.secret);
  else if (terminal !== undefined) secret = await terminal.askSecret('Secret access key', parseSecretAccessKey, kept === undefined ? undefined : () => kept);
  else if (kept !== undefined) secret = kept;
  else throw missing('secret access key', '--secret-stdin (the secret on standard input, never on the command line)', name);

  const regionProposal = current.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const region =
    answers.region !== undefined
      ? parseRegion(answers.region)
      : terminal !== undefined
        ? await terminal.ask('Region', parseRegion, regionProposal)
        : current.region;

  const endpointUrl = current.configSection.endpoint_url;
  const target = stsTarget({ region, endpointUrl }, env, (offset) =>
    warn(`this computer's clock is ${Math.abs(Math.round(offset))} s ${offset > 0 ? 'behind' : 'ahead of'} AWS's; set it right (e.g. sudo timedatectl set-ntp true)`, stderr),
  );
  say(`checking the key ${masked(accessKeyId)} with AWS (GetCallerIdentity)`, stderr);
  const caller = await identify({ accessKeyId, secretAccessKey: secret }, target, name);
  say(`the key belongs to ${caller.arn}`, stderr);
  if (caller.root) warn("that is the account's root user: its sessions last at most 1 hour and it cannot assume roles; an IAM user of your own is better", stderr);

  const serialProposal = (() => {
    if (current.mfaSerial === undefined) return proposedSerial(caller);
    try {
      return parseSerial(current.mfaSerial, caller);
    } catch {
      return proposedSerial(caller);
    }
  })();
  const mfaSerial =
    answers.mfaSerial !== undefined
      ? parseSerial(answers.mfaSerial, caller)
      : terminal !== undefined
        ? await terminal.ask('MFA device ARN', (answer) => parseSerial(answer, caller), serialProposal)
        : serialProposal;

  const currentDuration = current.durationSeconds !== undefined && /^\d+$/.test(current.durationSeconds) ? Number(current.durationSeconds) : undefined;
  const durationProposal = Math.min(currentDuration ?? DEFAULT_SESSION_SECONDS, caller.root ? 3600 : Number.MAX_SAFE_INTEGER);
  const durationSeconds =
    answers.duration !== undefined
      ? parseDuration(answers.duration, '--duration', caller.root)
      : terminal !== undefined
        ? await terminal.ask('Session duration (seconds, or e.g. 12h)', (answer) => parseDuration(answer, 'the answer', caller.root), describeDuration(durationProposal))
        : currentDuration;

  const record: ProfileRecord = { name, accessKeyId, secret, mfaSerial, region, durationSeconds, store };
  const expiration = await proveDevice(record, current, answers.tokenCode, services);
  return { record, expiration };
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
      throw new AwsmfaError(`AWS does not know the access key ${keys.accessKeyId} (InvalidClientTokenId); nothing was written`, {
        hint: 'Check that it was copied whole. A key that was deleted or deactivated no longer works: create a new one (IAM console → Users → you → Security credentials).',
      });
    }
    if (code === 'SignatureDoesNotMatch' && !/expired|earlier|later|skew/i.test(message)) {
      throw new AwsmfaError(`AWS refused the secret: it does not belong to the access key ${keys.accessKeyId} (SignatureDoesNotMatch); nothing was written`, {
        hint: 'Paste the secret again exactly as IAM showed it when the key was created; if it is lost, create a new key.',
      });
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
  try {
    const { session } = await obtainSession(
      { profile: record.name, tokenCode, durationSeconds: record.durationSeconds, force: true },
      { profiles: planned, cache: services.cache, env: services.env, stderr: services.stderr },
    );
    say(`the MFA device ${record.mfaSerial} works: session ${describeExpiry(session.expiration)}`, services.stderr);
    return session.expiration;
  } catch (error) {
    if (!(error instanceof AwsmfaError) || error.exitCode === 130) throw error;
    throw new AwsmfaError(`${error.message}; nothing was written`, { hint: error.hint, cause: error });
  }
}

export function storeName(store: SecretStore): string {
  return store === 'keyring' ? keyringName() : 'the credentials file';
}
