/**
 * Getting a session for a profile: from the cache while it has time left, else from STS with one MFA
 * code. For a role profile, the MFA session of the user's keys is cached on its own, so that one code
 * serves every role until it expires.
 */
import type { ProfileSet, ResolvedProfile, RoleHop } from '../aws/profiles.js';
import {
  ROLE_DURATION,
  SESSION_DURATION,
  checkRoleDuration,
  checkSessionDuration,
  explainStsError,
  stsClient,
  stsTarget,
  type CallContext,
  type StsCredentials,
  type StsTarget,
  type TemporaryCredentials,
} from '../aws/sts.js';
import { AwsmfaError } from '../errors.js';
import { obtainCode, type CodeRequest } from '../mfa/code.js';
import { refuseReusedCode, rememberUsedCode } from '../mfa/reuse.js';
import { displayable } from '../display.js';
import { formatRemaining, say, warn } from '../output.js';
import { secondsLeft, type CachedSession, type SessionCache } from './cache.js';
import { lockDevice } from './lock.js';

export const DEFAULT_SESSION_SECONDS = 43_200;
export const DEFAULT_ROLE_SECONDS = 3600;
/** A cached session is reused while more than this is left (AWSMFA_MIN_REMAINING overrides). */
export const DEFAULT_MIN_REMAINING_SECONDS = 300;

export interface SessionRequest {
  readonly profile: string;
  readonly tokenCode: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly force: boolean;
  /**
   * For a role, also renew the MFA session it is assumed with (which costs a code). `force` alone
   * renews the role's session and keeps a live MFA session: a role is cheap, a code is not.
   */
  readonly forceMfa?: boolean;
}

export interface ObtainedSession {
  readonly profile: ResolvedProfile;
  readonly session: CachedSession;
  readonly fromCache: boolean;
}

export interface SessionServices {
  readonly profiles: ProfileSet;
  readonly cache: SessionCache;
  readonly env: NodeJS.ProcessEnv;
  readonly stderr?: NodeJS.WritableStream;
  readonly now?: () => number;
  /** Where a code comes from when one is needed (default: --token-code, mfa_process, the terminal). */
  readonly codeSource?: (request: CodeRequest) => Promise<string>;
}

export function minRemainingSeconds(env: NodeJS.ProcessEnv): number {
  const configured = Number(env.AWSMFA_MIN_REMAINING);
  return env.AWSMFA_MIN_REMAINING !== undefined && Number.isFinite(configured) && configured >= 0 ? configured : DEFAULT_MIN_REMAINING_SECONDS;
}

function mfaCacheKey(profile: ResolvedProfile, serial: string | undefined): string {
  return JSON.stringify(['mfa', profile.keys.profile, profile.keys.accessKeyId, serial ?? null]);
}

function roleCacheKey(profile: ResolvedProfile): string {
  return JSON.stringify(['role', profile.name, profile.keys.accessKeyId, profile.roles.map((hop) => [hop.roleArn, hop.externalId ?? null])]);
}

const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** A valid RoleSessionName (2–64 of [\w+=,.@-]) derived from the user's profile name. */
export function roleSessionName(hop: RoleHop, userProfile: string): string {
  if (hop.roleSessionName !== undefined) return hop.roleSessionName;
  const base = `awsmfa-${userProfile}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return base.length >= 2 ? base : 'awsmfa';
}

/** What AWS would refuse in a role profile, refused here before any code is spent on it. */
function checkRoleHop(hop: RoleHop, profiles: ProfileSet): void {
  const where = (key: string) => `${key} of [${hop.profile}] in ${profiles.setting(hop.profile, key)?.file ?? profiles.files.configPath}`;
  if (!ROLE_ARN.test(hop.roleArn)) {
    throw new AwsmfaError(`${where('role_arn')} is not a role ARN: ${JSON.stringify(hop.roleArn)}`, {
      hint: 'It looks like arn:aws:iam::123456789012:role/admin (IAM console → Roles → the role → ARN).',
    });
  }
  if (hop.roleSessionName !== undefined && !ROLE_SESSION_NAME.test(hop.roleSessionName)) {
    throw new AwsmfaError(`${where('role_session_name')} is not a valid session name: ${JSON.stringify(hop.roleSessionName)}`, {
      hint: 'Use 2 to 64 letters, digits and + = , . @ _ - (no spaces), or leave it out for awsmfa-<user profile>.',
    });
  }
  if (hop.externalId !== undefined && !EXTERNAL_ID.test(hop.externalId)) {
    throw new AwsmfaError(`${where('external_id')} is not a valid external ID`, {
      hint: 'AWS accepts 2 to 1224 letters, digits and + = , . @ : / _ - (no spaces); copy it from the role\'s trust policy.',
    });
  }
}

/** MFA device ARNs (virtual or FIDO) and hardware token serials, as IAM writes them. */
const MFA_SERIAL = /^(?=.{9,256}$)(arn:aws[\w-]*:iam::\d{12}:(mfa|u2f)\/[\w+=,.@/-]+|[\w+=/:,.@-]+)$/;
/** IAM access key ids are word characters; secret keys are printable ASCII without spaces. */
const ACCESS_KEY_ID = /^\w{1,128}$/;
const SECRET_ACCESS_KEY = /^[\x21-\x7e]{1,256}$/;
const REGION = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Above this, TOTP codes start to fail at the edges of their window: worth a warning. */
export const CLOCK_WARN_SECONDS = 30;

function checkSerial(profile: ResolvedProfile, profiles: ProfileSet): void {
  const serial = profile.mfaSerial;
  if (serial !== undefined && !MFA_SERIAL.test(serial)) {
    throw new AwsmfaError(`mfa_serial ${JSON.stringify(serial)} of [${profile.name}] in ${profiles.chainSetting(profile.chain, 'mfa_serial')?.file ?? profiles.files.configPath} is not an MFA device ARN`, {
      hint: 'It looks like arn:aws:iam::123456789012:mfa/doug (IAM console → Security credentials → MFA).',
    });
  }
}

/**
 * What AWS (or the SDK, or Node's HTTP client) would refuse with a confusing message, refused here,
 * before a code is asked for, with a message that names the setting and its file. A secret's value is
 * never quoted.
 */
function checkKeys(profile: ResolvedProfile, profiles: ProfileSet): void {
  const keys = profile.keys;
  if (!ACCESS_KEY_ID.test(keys.accessKeyId)) {
    throw new AwsmfaError(`aws_access_key_id of [${keys.profile}] in ${keys.file} is not an access key id (it has characters no key id has)`, {
      hint: `Paste the IAM user's access key id (AKIA… and letters and digits only) into [${keys.profile}] of ${keys.file}.`,
    });
  }
  if (!SECRET_ACCESS_KEY.test(keys.secretAccessKey)) {
    const where = keys.inKeyring === true ? keys.file : (profiles.setting(keys.profile, 'aws_secret_access_key')?.file ?? keys.file);
    throw new AwsmfaError(`the secret access key of [${keys.profile}] in ${where} has characters no secret key has (spaces, control characters or non-ASCII)`, {
      hint: `Paste the secret key again into [${keys.profile}], exactly as IAM gave it (40 characters, no quotes).`,
    });
  }
}

/** The settings a session is made and exported with: the same for a cached session as for a new one. */
function checkCallSettings(profile: ResolvedProfile, profiles: ProfileSet, env: NodeJS.ProcessEnv): void {
  const configured = profiles.chainSetting(profile.chain, 'region');
  const region = configured !== undefined
    ? { value: configured.value, from: `[${configured.profile}] in ${configured.file}` }
    : env.AWS_REGION
      ? { value: env.AWS_REGION, from: 'AWS_REGION' }
      : env.AWS_DEFAULT_REGION
        ? { value: env.AWS_DEFAULT_REGION, from: 'AWS_DEFAULT_REGION' }
        : undefined;
  if (region !== undefined && !REGION.test(region.value)) {
    throw new AwsmfaError(`the region ${JSON.stringify(region.value)} of ${region.from} is not an AWS region`, {
      hint: 'It looks like us-east-1 or eu-west-1.',
    });
  }
  const ignoreConfigured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  const endpoint = ignoreConfigured
    ? undefined
    : env.AWS_ENDPOINT_URL_STS
      ? { value: env.AWS_ENDPOINT_URL_STS, from: 'AWS_ENDPOINT_URL_STS' }
      : profile.stsEndpointUrl !== undefined
        ? { value: profile.stsEndpointUrl, from: `the sts endpoint_url of the [services …] section [${profile.name}] names` }
      : env.AWS_ENDPOINT_URL
        ? { value: env.AWS_ENDPOINT_URL, from: 'AWS_ENDPOINT_URL' }
        : profile.endpointUrl !== undefined
          ? { value: profile.endpointUrl, from: `endpoint_url of [${profile.name}]` }
          : undefined;
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint.value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
      throw new AwsmfaError(`the STS endpoint ${JSON.stringify(endpoint.value)} from ${endpoint.from} is not an http(s) URL`, {
        hint: `It looks like https://sts.eu-west-1.amazonaws.com; or remove ${endpoint.from} to use AWS's own.`,
      });
    }
  }
}

/**
 * Everything decided and checked before the cache is read: the profile and its chain, the device, the
 * durations, the call's settings. A cached session and a new one pass the same checks.
 */
export interface SessionPlan {
  readonly request: SessionRequest;
  readonly services: SessionServices;
  readonly profile: ResolvedProfile;
  readonly isRole: boolean;
  readonly serial: string | undefined;
  /** The cache key of the session asked for (a role's, or the MFA session itself). */
  readonly key: string;
  /** --force or --force-mfa: what was cached before this run is not used. */
  readonly forced: boolean;
  readonly forceMfa: boolean;
  /** GetSessionToken's duration, for a plain MFA profile. */
  readonly sessionDuration: number | undefined;
  readonly roleDurations: readonly number[];
  readonly startedAt: number;
  readonly now: () => number;
  readonly stderr: NodeJS.WritableStream;
}

export function planSession(request: SessionRequest, services: SessionServices): SessionPlan {
  const { profiles, env } = services;
  const now = services.now ?? Date.now;
  const stderr = services.stderr ?? process.stderr;
  const profile = profiles.resolve(request.profile);
  const startedAt = now();
  const isRole = profile.roles.length > 0;
  const forceMfa = request.forceMfa === true || (!isRole && request.force);
  const forced = request.force || forceMfa;

  const serial = profile.mfaSerial;
  if (!isRole && serial === undefined) {
    throw new AwsmfaError(`profile [${profile.name}] has no mfa_serial`, {
      hint: `Add mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE to [profile ${profile.name}] in ${profiles.files.configPath} (the ARN is in the IAM console under Security credentials).`,
    });
  }
  checkSerial(profile, profiles);

  // Everything a call needs is checked before the cache, a lock or a code: a cached session is exported
  // with the same region and settings a new one would be, so what refuses a new one refuses it too;
  // and `--duration 60` is wrong whether or not a cached session will do.
  const sessionDuration = isRole ? undefined : (request.durationSeconds ?? profile.durationSeconds ?? DEFAULT_SESSION_SECONDS);
  if (sessionDuration !== undefined) {
    checkSessionDuration(sessionDuration, request.durationSeconds !== undefined ? '--duration' : `duration_seconds of [${profile.name}]`);
  }
  const roleDurations = isRole ? checkRoles(profile, request, profiles) : [];
  checkCallSettings(profile, profiles, env);
  const key = isRole ? roleCacheKey(profile) : mfaCacheKey(profile, serial);
  return { request, services, profile, isRole, serial, key, forced, forceMfa, sessionDuration, roleDurations, startedAt, now, stderr };
}

/** A cached session is held to what STS is held to: one whose keys could not go into an environment is a miss. */
function usableNow(plan: SessionPlan, session: CachedSession | undefined): session is CachedSession {
  return session !== undefined && soundCredentials(session) && secondsLeft(session, plan.now()) > minRemainingSeconds(plan.services.env);
}

function fromCache(plan: SessionPlan, session: CachedSession): ObtainedSession {
  noteDurationMismatch(plan.profile.name, session, plan.request.durationSeconds, plan.now(), plan.stderr);
  return { profile: plan.profile, session, fromCache: true };
}

/** The session the plan asks for from the cache, while it has time left; undefined when STS is needed. */
export async function cachedSession(plan: SessionPlan): Promise<ObtainedSession | undefined> {
  if (plan.forced) return undefined;
  const cached = await plan.services.cache.read(plan.key);
  return usableNow(plan, cached) ? fromCache(plan, cached) : undefined;
}

export async function obtainSession(request: SessionRequest, services: SessionServices): Promise<ObtainedSession> {
  const plan = planSession(request, services);
  return (await cachedSession(plan)) ?? (await newSession(plan));
}

/** The session from STS (or from a run that got one while this one waited for the device's lock). */
async function newSession(plan: SessionPlan): Promise<ObtainedSession> {
  const { request, services, profile, isRole, serial, key, forced, forceMfa, sessionDuration, roleDurations, startedAt, now, stderr } = plan;
  const { profiles, cache, env } = services;
  // --force ignores what was cached before this run; a session another run cached while this one waited
  // for the lock is new, and using it is what keeps two codes from being asked for the same device.
  const renewedOrUsable = (session: CachedSession | undefined, forcedHere: boolean): session is CachedSession =>
    usableNow(plan, session) && (!forcedHere || Date.parse(session.createdAt) >= startedAt);
  /** The session of the profile asked for (a role's, or the MFA session itself). */
  const reusable = (session: CachedSession | undefined): session is CachedSession => renewedOrUsable(session, forced);
  /** The MFA session a role is assumed with. */
  const mfaReusable = (session: CachedSession | undefined): session is CachedSession => renewedOrUsable(session, forceMfa);

  // The long-term keys are only needed (and, kept in a keyring, only read) for a call to STS.
  checkKeys(profile, profiles);
  // From here on this run may ask for a code: one run per device at a time (see lock.ts).
  const lock = await lockDevice(cache, serial ?? key, { env, stderr, what: serial ?? `[${profile.name}]` });
  try {
    const cached = await cache.read(key);
    if (reusable(cached)) return fromCache(plan, cached);

    let warned = false;
    const warnClock = (offset: number) => {
      if (warned || Math.abs(offset) <= CLOCK_WARN_SECONDS) return;
      warned = true;
      warn(
        `this computer's clock is ${Math.abs(Math.round(offset))} s ${offset > 0 ? 'behind' : 'ahead of'} AWS's (from STS's Date header); MFA codes fail when clocks differ: set it right (e.g. sudo timedatectl set-ntp true)`,
        stderr,
      );
    };
    const target = stsTarget(profile, env, warnClock);
    const context = (action: CallContext['action'], extra: Partial<CallContext> = {}): CallContext => ({
      action,
      profile: profile.name,
      keysProfile: profile.keys.profile,
      keysFile: profile.keys.file,
      serial,
      endpoint: target.endpoint ?? `https://sts.${target.region}.amazonaws.com`,
      ...extra,
    });

    let code: string | undefined;
    const takeCode = async (): Promise<string> => {
      if (serial === undefined) throw new Error('an MFA code was asked for without a device');
      code = await (services.codeSource ?? obtainCode)({
        serial,
        profile: profile.name,
        flag: request.tokenCode,
        mfaProcess: profile.mfaProcess === undefined ? undefined : { command: profile.mfaProcess, file: profiles.chainSetting(profile.chain, 'mfa_process')?.file ?? profiles.files.configPath },
      });
      await refuseReusedCode(cache, serial, code, now() / 1000);
      return code;
    };
    // Remembered once AWS has accepted it: a code that never reached AWS (no network) may be used again.
    const codeSpent = async (): Promise<void> => {
      if (serial !== undefined && code !== undefined) await rememberUsedCode(cache, serial, code, now() / 1000);
    };

    const longTerm: StsCredentials = { accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey };
    let session: CachedSession;
    if (sessionDuration !== undefined) {
      const tokenCode = await takeCode();
      const credentials = await callSts(target, longTerm, context('GetSessionToken'), warnClock, (client) =>
        client.getSessionToken({ DurationSeconds: sessionDuration, SerialNumber: serial, TokenCode: tokenCode }),
      );
      await codeSpent();
      session = record(profile, 'mfa', credentials, now(), { mfaSerial: serial });
    } else {
      session = await assumeRoles(profile, roleDurations, services, {
        target,
        longTerm,
        serial,
        takeCode,
        codeSpent,
        context,
        reusable: mfaReusable,
        roleForced: request.force && !forceMfa,
        warnClock,
        key: mfaCacheKey(profile, serial),
      });
    }
    await cache.write(key, session);
    return { profile, session, fromCache: false };
  } finally {
    lock.release();
  }
}

/** Role settings and durations, checked before any code is asked for. */
function checkRoles(profile: ResolvedProfile, request: SessionRequest, profiles: ProfileSet): number[] {
  const last = profile.roles.length - 1;
  for (const hop of profile.roles) checkRoleHop(hop, profiles);
  return profile.roles.map((hop, index) => {
    const fromFlag = index === last ? request.durationSeconds : undefined;
    const duration = fromFlag ?? hop.durationSeconds ?? DEFAULT_ROLE_SECONDS;
    checkRoleDuration(duration, fromFlag !== undefined ? '--duration' : `duration_seconds of [${hop.profile}]`, index > 0);
    return duration;
  });
}

function record(
  profile: ResolvedProfile,
  kind: CachedSession['kind'],
  credentials: TemporaryCredentials,
  nowMs: number,
  extra: Partial<CachedSession> = {},
): CachedSession {
  return {
    version: 1,
    kind,
    profile: profile.name,
    sourceKeyId: profile.keys.accessKeyId,
    ...extra,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration,
    createdAt: new Date(nowMs).toISOString(),
  };
}

/**
 * Credentials as AWS issues them. What an endpoint answers goes into the user's shell and the cache, so
 * anything else (a line break, a NUL, a megabyte) is refused here, whatever the endpoint.
 */
function soundCredentials(credentials: TemporaryCredentials): boolean {
  return (
    ACCESS_KEY_ID.test(credentials.accessKeyId) &&
    /^[\x21-\x7e]{1,1024}$/.test(credentials.secretAccessKey) &&
    /^[\x21-\x7e]{1,65536}$/.test(credentials.sessionToken) &&
    !Number.isNaN(Date.parse(credentials.expiration))
  );
}

function checkIssued<T extends TemporaryCredentials>(credentials: T, context: CallContext): T {
  if (soundCredentials(credentials)) return credentials;
  throw new AwsmfaError(`STS at ${context.endpoint} answered ${context.action} for [${context.profile}] with credentials that are not credentials AWS issues`, {
    hint: `Nothing was exported or cached. If the endpoint comes from AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url in [${context.profile}], check that it is STS.`,
  });
}

/** The longest session AWS issues (GetSessionToken's 36 hours), with an hour to spare for clock differences. */
const LONGEST_LIFETIME_MS = (SESSION_DURATION.max + 3600) * 1000;

/**
 * Credentials that have already expired, or that claim a lifetime AWS never gives (an Expiration of
 * year 0000 or 9999), would be exported, cached and handed to `exec` only to fail later, far from the
 * cause. Measured against AWS's clock (learnt from the answer's Date header), then against ours: when
 * only ours says they expired, the clock is what to fix.
 */
function checkLifetime(credentials: TemporaryCredentials, context: CallContext, clockOffsetSeconds: number): void {
  const expires = Date.parse(credentials.expiration);
  const localNow = Date.now();
  const awsNow = localNow + clockOffsetSeconds * 1000;
  const at = new Date(expires).toISOString();
  if (expires <= awsNow || expires - awsNow > LONGEST_LIFETIME_MS) {
    throw new AwsmfaError(`STS at ${context.endpoint} answered ${context.action} for [${context.profile}] with credentials that ${expires <= awsNow ? 'expired' : 'expire'} at ${at}, a lifetime AWS does not give`, {
      hint: `Nothing was exported or cached. If the endpoint comes from AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url in [${context.profile}], check that it is STS.`,
    });
  }
  if (expires <= localNow) {
    throw new AwsmfaError(`the credentials STS issued for [${context.profile}] expire at ${at}, which this computer's clock says has passed`, {
      hint: `Nothing was exported or cached. This computer's clock is ${Math.round(Math.abs(clockOffsetSeconds))} s ahead of AWS's: set it right (e.g. sudo timedatectl set-ntp true).`,
    });
  }
}

/**
 * Two answers that reach us as errors the STS explanations do not know: a well-formed answer without
 * credentials (sts-client.ts refuses it), and an error page without an AWS error code in it (the SDK
 * calls that "Unknown"). AWS sends neither, so both mean the endpoint is not STS or is having trouble.
 */
function unrecognisedAnswer(error: unknown, context: CallContext): AwsmfaError | undefined {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const incomplete = e?.message === 'STS answered without complete credentials';
  if (!incomplete && e?.name !== 'Unknown' && e?.name !== 'UnknownError') return undefined;
  const status = e?.$metadata?.httpStatusCode;
  const custom = !/\.amazonaws\.com(\.cn)?(:\d+)?(\/|$)/.test(context.endpoint.replace(/^https?:\/\//, ''));
  return new AwsmfaError(
    incomplete
      ? `STS at ${context.endpoint} answered ${context.action} for [${context.profile}] without the credentials`
      : `STS at ${context.endpoint} gave an answer that is not an STS answer${status === undefined ? '' : ` (HTTP ${status})`}, for ${context.action} for [${context.profile}]`,
    {
      hint: custom
        ? `Nothing was exported or cached. That endpoint comes from AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url in [${context.profile}]: check that it is STS.`
        : 'Nothing was exported or cached. AWS may be having trouble; try again in a minute.',
      cause: error,
    },
  );
}

async function callSts<T extends TemporaryCredentials>(
  target: StsTarget,
  credentials: StsCredentials,
  context: CallContext,
  warnClock: (offsetSeconds: number) => void,
  call: (client: Awaited<ReturnType<typeof stsClient>>) => Promise<T>,
): Promise<T> {
  const client = await stsClient(target, credentials);
  // The SDK's timeouts cover connecting and waiting for the headers, not an answer that stops halfway:
  // one deadline for the whole call (twice the timeout, for the one retry after a clock-skew correction).
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' })), 2 * target.timeoutMs);
  });
  const pending = call(client);
  // Destroying the client below makes an abandoned call fail; that failure has no one left to tell.
  pending.catch(() => undefined);
  try {
    const issued = checkIssued(await Promise.race([pending, deadline]), context);
    checkLifetime(issued, context, client.clockOffsetSeconds());
    return issued;
  } catch (error) {
    throw explainStsError(unrecognisedAnswer(error, context) ?? error, context);
  } finally {
    clearTimeout(timer);
    // The SDK sets its clock offset from the Date header of every answer, an error's included: a
    // refused code is then explained by the clock as well.
    warnClock(client.clockOffsetSeconds());
    client.destroy();
  }
}

interface RoleFlow {
  readonly target: StsTarget;
  readonly longTerm: StsCredentials;
  readonly serial: string | undefined;
  readonly takeCode: () => Promise<string>;
  readonly codeSpent: () => Promise<void>;
  readonly context: (action: CallContext['action'], extra?: Partial<CallContext>) => CallContext;
  /** Whether the MFA session may be reused. */
  readonly reusable: (session: CachedSession | undefined) => session is CachedSession;
  /** --force without --force-mfa: a kept MFA session is worth a word. */
  readonly roleForced: boolean;
  readonly warnClock: (offsetSeconds: number) => void;
  /** Where the user's MFA session is cached. */
  readonly key: string;
}

/**
 * Roles, from the user's keys upwards. With an MFA device, the first role is normally assumed with the
 * user's MFA session (GetSessionToken, cached on its own), which carries aws:MultiFactorAuthPresent into
 * the role session, so one code serves every role until that session expires.
 *
 * AWS counts AssumeRole called with any temporary credentials, GetSessionToken's included, as role
 * chaining, and role chaining limits the role session to one hour ("Users that use MFA with the AWS CLI
 * use temporary credentials to assume another role. The temporary credentials use the AWS STS
 * GetSessionToken API and are limited to 1 hour": AWS knowledge center, iam-role-chaining-limit; and the
 * AssumeRole API reference on DurationSeconds). So a first role asked for longer than an hour is assumed
 * with the long-term keys and the code passed to AssumeRole itself, which costs a code of its own.
 * Every further hop is role chaining whatever we do, and limited to an hour.
 */
async function assumeRoles(profile: ResolvedProfile, durations: readonly number[], services: SessionServices, flow: RoleFlow): Promise<CachedSession> {
  const now = services.now ?? Date.now;
  const last = profile.roles.length - 1;
  let credentials: StsCredentials = flow.longTerm;
  let mfaInCall: { SerialNumber: string; TokenCode: string } | undefined;
  if (flow.serial !== undefined && (durations[0] ?? 0) > ROLE_DURATION.chainedMax) {
    mfaInCall = { SerialNumber: flow.serial, TokenCode: await flow.takeCode() };
  } else if (flow.serial !== undefined) {
    let mfaSession = await services.cache.read(flow.key);
    if (!flow.reusable(mfaSession)) {
      const tokenCode = await flow.takeCode();
      const serial = flow.serial;
      const fresh = await callSts(flow.target, flow.longTerm, flow.context('GetSessionToken'), flow.warnClock, (client) =>
        client.getSessionToken({ DurationSeconds: DEFAULT_SESSION_SECONDS, SerialNumber: serial, TokenCode: tokenCode }),
      );
      await flow.codeSpent();
      mfaSession = record({ ...profile, name: profile.keys.profile }, 'mfa', fresh, now(), { mfaSerial: flow.serial });
      await services.cache.write(flow.key, mfaSession);
    } else if (flow.roleForced) {
      say(
        `${displayable(profile.name)}: a new role session from the MFA session of [${displayable(profile.keys.profile)}], which has ${formatRemaining(secondsLeft(mfaSession, now()))} left (no code needed); --force-mfa renews that too`,
        services.stderr ?? process.stderr,
      );
    }
    credentials = mfaSession;
  }
  let assumed: (TemporaryCredentials & { assumedRoleArn?: string | undefined }) | undefined;
  for (const [index, hop] of profile.roles.entries()) {
    const input = {
      RoleArn: hop.roleArn,
      RoleSessionName: roleSessionName(hop, profile.keys.profile),
      DurationSeconds: durations[index],
      ...(hop.externalId === undefined ? {} : { ExternalId: hop.externalId }),
      ...(index === 0 && mfaInCall !== undefined ? mfaInCall : {}),
    };
    assumed = await callSts(flow.target, credentials, flow.context('AssumeRole', { roleArn: hop.roleArn, profile: hop.profile }), flow.warnClock, (client) =>
      client.assumeRole(input),
    );
    if (index === 0 && mfaInCall !== undefined) await flow.codeSpent();
    credentials = assumed;
  }
  if (assumed === undefined) throw new Error('a role profile without roles');
  return record(profile, 'role', assumed, now(), {
    ...(flow.serial === undefined ? {} : { mfaSerial: flow.serial }),
    roleArn: profile.roles[last]?.roleArn,
    ...(assumed.assumedRoleArn === undefined ? {} : { assumedRoleArn: assumed.assumedRoleArn }),
  });
}

/**
 * A cached session answers a request for another length (`--duration 3600` while a 12-hour session is
 * cached): it is used, and the user is told, with the way to get what was asked for.
 */
function noteDurationMismatch(profile: string, session: CachedSession, asked: number | undefined, nowMs: number, stderr: NodeJS.WritableStream): void {
  if (asked === undefined) return;
  // createdAt is taken when the answer arrives, a moment (seconds, on a slow link) after STS set the
  // expiry, which STS gives in whole seconds: the length asked for is that, up to the next minute.
  const issued = Math.ceil((Date.parse(session.expiration) - Date.parse(session.createdAt)) / 60_000) * 60;
  if (!Number.isFinite(issued) || Math.abs(issued - asked) <= 120) return;
  say(
    `${displayable(profile)}: using the cached session of ${formatRemaining(issued)} (${formatRemaining(secondsLeft(session, nowMs))} left), not a new one of ${formatRemaining(asked)} as --duration asked; add --force for that`,
    stderr,
  );
}
