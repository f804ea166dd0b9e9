/**
 * Getting a session for a profile: from the cache while it has time left, else from STS with one MFA
 * code. For a role profile, the MFA session of the user's keys is cached on its own, so that one code
 * serves every role until it expires.
 */
import type { ProfileSet, ResolvedProfile, RoleHop } from '../aws/profiles.js';
import {
  ROLE_DURATION,
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
import { warn } from '../output.js';
import { secondsLeft, type CachedSession, type SessionCache } from './cache.js';

export const DEFAULT_SESSION_SECONDS = 43_200;
export const DEFAULT_ROLE_SECONDS = 3600;
/** A cached session is reused while more than this is left (AWSMFA_MIN_REMAINING overrides). */
export const DEFAULT_MIN_REMAINING_SECONDS = 300;

export interface SessionRequest {
  readonly profile: string;
  readonly tokenCode: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly force: boolean;
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

export async function obtainSession(request: SessionRequest, services: SessionServices): Promise<ObtainedSession> {
  const { profiles, cache, env } = services;
  const now = services.now ?? Date.now;
  const stderr = services.stderr ?? process.stderr;
  const profile = profiles.resolve(request.profile);
  const minRemaining = minRemainingSeconds(env);
  const usable = (session: CachedSession | undefined): session is CachedSession =>
    session !== undefined && secondsLeft(session, now()) > minRemaining;

  const isRole = profile.roles.length > 0;
  const serial = profile.mfaSerial;
  if (!isRole && serial === undefined) {
    throw new AwsmfaError(`profile [${profile.name}] has no mfa_serial`, {
      hint: `Add mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE to [profile ${profile.name}] in ${profiles.files.configPath} (the ARN is in the IAM console under Security credentials).`,
    });
  }
  if (serial !== undefined && !/^(arn:aws[\w-]*:iam::\d{12}:(mfa|u2f)\/.+|[\w+=/:,.@-]{9,256})$/.test(serial)) {
    throw new AwsmfaError(`mfa_serial ${JSON.stringify(serial)} of [${profile.name}] in ${profiles.chainSetting(profile.chain, 'mfa_serial')?.file ?? profiles.files.configPath} is not an MFA device ARN`, {
      hint: 'It looks like arn:aws:iam::123456789012:mfa/doug (IAM console → Security credentials → MFA).',
    });
  }

  const key = isRole ? roleCacheKey(profile) : mfaCacheKey(profile, serial);
  if (!request.force) {
    const cached = await cache.read(key);
    if (usable(cached)) return { profile, session: cached, fromCache: true };
  }

  const target = stsTarget(profile, env, (offset) =>
    warn(`this computer's clock is ${Math.abs(Math.round(offset))} s ${offset > 0 ? 'behind' : 'ahead of'} AWS's; set it right (e.g. sudo timedatectl set-ntp true)`, stderr),
  );
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

  const longTerm: StsCredentials = { accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey };
  let session: CachedSession;
  if (!isRole) {
    const duration = request.durationSeconds ?? profile.durationSeconds ?? DEFAULT_SESSION_SECONDS;
    checkSessionDuration(duration, request.durationSeconds !== undefined ? '--duration' : `duration_seconds of [${profile.name}]`);
    const tokenCode = await takeCode();
    const credentials = await callSts(target, longTerm, context('GetSessionToken'), (client) =>
      client.getSessionToken({ DurationSeconds: duration, SerialNumber: serial, TokenCode: tokenCode }),
    );
    session = record(profile, 'mfa', credentials, now(), { mfaSerial: serial });
  } else {
    session = await assumeRoles(profile, request, services, { target, longTerm, serial, takeCode, context, usable, key: mfaCacheKey(profile, serial) });
  }
  if (serial !== undefined && code !== undefined) await rememberUsedCode(cache, serial, code, now() / 1000);
  await cache.write(key, session);
  return { profile, session, fromCache: false };
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

async function callSts<T>(target: StsTarget, credentials: StsCredentials, context: CallContext, call: (client: Awaited<ReturnType<typeof stsClient>>) => Promise<T>): Promise<T> {
  const client = await stsClient(target, credentials);
  try {
    return await call(client);
  } catch (error) {
    throw explainStsError(error, context);
  } finally {
    client.destroy();
  }
}

interface RoleFlow {
  readonly target: StsTarget;
  readonly longTerm: StsCredentials;
  readonly serial: string | undefined;
  readonly takeCode: () => Promise<string>;
  readonly context: (action: CallContext['action'], extra?: Partial<CallContext>) => CallContext;
  readonly usable: (session: CachedSession | undefined) => session is CachedSession;
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
async function assumeRoles(profile: ResolvedProfile, request: SessionRequest, services: SessionServices, flow: RoleFlow): Promise<CachedSession> {
  const now = services.now ?? Date.now;
  const last = profile.roles.length - 1;
  for (const hop of profile.roles) checkRoleHop(hop, services.profiles);
  const durations = profile.roles.map((hop, index) => {
    const fromFlag = index === last ? request.durationSeconds : undefined;
    const duration = fromFlag ?? hop.durationSeconds ?? DEFAULT_ROLE_SECONDS;
    checkRoleDuration(duration, fromFlag !== undefined ? '--duration' : `duration_seconds of [${hop.profile}]`, index > 0);
    return duration;
  });
  let credentials: StsCredentials = flow.longTerm;
  let mfaInCall: { SerialNumber: string; TokenCode: string } | undefined;
  if (flow.serial !== undefined && (durations[0] ?? 0) > ROLE_DURATION.chainedMax) {
    mfaInCall = { SerialNumber: flow.serial, TokenCode: await flow.takeCode() };
  } else if (flow.serial !== undefined) {
    let mfaSession = request.force ? undefined : await services.cache.read(flow.key);
    if (!flow.usable(mfaSession)) {
      const tokenCode = await flow.takeCode();
      const serial = flow.serial;
      const fresh = await callSts(flow.target, flow.longTerm, flow.context('GetSessionToken'), (client) =>
        client.getSessionToken({ DurationSeconds: DEFAULT_SESSION_SECONDS, SerialNumber: serial, TokenCode: tokenCode }),
      );
      mfaSession = record({ ...profile, name: profile.keys.profile }, 'mfa', fresh, now(), { mfaSerial: flow.serial });
      await services.cache.write(flow.key, mfaSession);
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
    assumed = await callSts(flow.target, credentials, flow.context('AssumeRole', { roleArn: hop.roleArn, profile: hop.profile }), (client) => client.assumeRole(input));
    credentials = assumed;
  }
  if (assumed === undefined) throw new Error('a role profile without roles');
  return record(profile, 'role', assumed, now(), {
    ...(flow.serial === undefined ? {} : { mfaSerial: flow.serial }),
    roleArn: profile.roles[last]?.roleArn,
    ...(assumed.assumedRoleArn === undefined ? {} : { assumedRoleArn: assumed.assumedRoleArn }),
  });
}
