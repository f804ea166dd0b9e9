/**
 * What status, list and clear say about sessions: the one in this shell (read from the variables
 * `env` exported) and the cached ones, described without ever touching their secrets.
 */
import { EXPIRES_VARIABLE, PROFILE_VARIABLE } from '../session/environment.js';
import { secondsLeft, wholeSecondsLeft, type CachedSession, type SessionCache } from '../session/cache.js';
import { minRemainingSeconds } from '../session/sessions.js';

/** The account in an ARN (`arn:aws:iam::123456789012:mfa/doug` → `123456789012`). */
export function accountOf(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

export interface SessionView {
  readonly profile: string;
  readonly kind: CachedSession['kind'];
  readonly account: string | null;
  /** Only known for a role session: AWS names the assumed-role user in its answer. */
  readonly arn: string | null;
  readonly roleArn: string | null;
  readonly mfaSerial: string | null;
  readonly expiration: string;
  readonly createdAt: string;
  readonly secondsLeft: number;
  readonly expired: boolean;
  /** `env` would hand this one out again without asking for a code. */
  readonly reusable: boolean;
  /** The session exported in the shell that ran the command. */
  readonly inThisShell: boolean;
}

export function viewOf(session: CachedSession, env: NodeJS.ProcessEnv, nowMs: number): SessionView {
  const left = secondsLeft(session, nowMs);
  return {
    profile: session.profile,
    kind: session.kind,
    account: accountOf(session.assumedRoleArn) ?? accountOf(session.roleArn) ?? accountOf(session.mfaSerial) ?? null,
    arn: session.assumedRoleArn ?? null,
    roleArn: session.roleArn ?? null,
    mfaSerial: session.mfaSerial ?? null,
    expiration: new Date(session.expiration).toISOString(),
    createdAt: session.createdAt,
    secondsLeft: Math.max(0, left),
    expired: left <= 0,
    reusable: left > minRemainingSeconds(env),
    inThisShell: env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_ACCESS_KEY_ID === session.accessKeyId,
  };
}

/** Cached sessions, by profile, then the one that lasts longest first. */
export async function cachedSessions(cache: SessionCache, env: NodeJS.ProcessEnv, nowMs: number): Promise<{ path: string; session: CachedSession; view: SessionView }[]> {
  const entries = await cache.entries();
  return entries
    .map((entry) => ({ ...entry, view: viewOf(entry.session, env, nowMs) }))
    .sort((a, b) => a.view.profile.localeCompare(b.view.profile) || b.view.expiration.localeCompare(a.view.expiration));
}

export interface ShellSessionView {
  /** AWSMFA_PROFILE; null when the keys in this shell were not put there by awsmfa. */
  readonly profile: string | null;
  readonly managedByAwsmfa: boolean;
  readonly expiration: string | null;
  readonly secondsLeft: number | null;
  readonly expired: boolean | null;
  readonly kind: CachedSession['kind'] | null;
  readonly account: string | null;
  readonly arn: string | null;
  /** The shell's keys are those of a session in the cache. */
  readonly cached: boolean;
  /** Account and ARN come from GetCallerIdentity made with the shell's keys (--verify). */
  readonly verified: boolean;
}

/** When this shell's session ends: AWSMFA_EXPIRES_AT, else the SDKs' AWS_CREDENTIAL_EXPIRATION. */
function shellExpiration(env: NodeJS.ProcessEnv): Date | undefined {
  const epoch = env[EXPIRES_VARIABLE];
  if (epoch !== undefined && /^\d{1,12}$/.test(epoch)) return new Date(Number(epoch) * 1000);
  const stamp = env.AWS_CREDENTIAL_EXPIRATION ?? env.AWS_SESSION_EXPIRATION;
  const parsed = stamp === undefined ? Number.NaN : Date.parse(stamp);
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

/** This shell's session, or undefined when it has neither an awsmfa session nor AWS keys. */
export function shellSession(env: NodeJS.ProcessEnv, sessions: readonly SessionView[], nowMs: number): ShellSessionView | undefined {
  const profile = env[PROFILE_VARIABLE] || undefined;
  if (profile === undefined && !env.AWS_ACCESS_KEY_ID) return undefined;
  const expiration = shellExpiration(env);
  const left = expiration === undefined ? undefined : wholeSecondsLeft(expiration.getTime(), nowMs);
  const cached = sessions.find((session) => session.inThisShell);
  return {
    profile: profile ?? null,
    managedByAwsmfa: profile !== undefined,
    expiration: expiration?.toISOString() ?? null,
    secondsLeft: left === undefined ? null : Math.max(0, left),
    expired: left === undefined ? null : left <= 0,
    kind: cached?.kind ?? null,
    account: cached?.account ?? null,
    arn: cached?.arn ?? null,
    cached: cached !== undefined,
    verified: false,
  };
}
