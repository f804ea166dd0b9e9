/**
 * The environment contract: which variables a session sets, which it removes, and how `unset`
 * puts back exactly what was there before the first `env` (however many profiles came between).
 */
import type { Dialect, EnvChange } from '../shell/dialect.js';

/** Variables whose values before the first `env` are remembered and restored by `unset`. */
export const MANAGED_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_SESSION_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SECURITY_TOKEN',
] as const;

/**
 * Removed while a session is active: the JS SDK v3 ignores environment keys when AWS_PROFILE is set and
 * botocore does the opposite, so leaving it set would make tools disagree.
 */
const REMOVED_VARIABLES = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SECURITY_TOKEN'] as const;

export const PROFILE_VARIABLE = 'AWSMFA_PROFILE';
export const EXPIRES_VARIABLE = 'AWSMFA_EXPIRES_AT';
/**
 * Where earlier versions kept the values to restore, as JSON in an exported variable: every program
 * started during the session got the long-term keys it replaced. Now the shell keeps them in variables
 * of its own (see Dialect.enter); this one is only read to restore a session started by an earlier
 * version, and removed.
 */
export const LEGACY_SAVED_VARIABLE = 'AWSMFA_SAVED_ENV';

export interface SessionForShell {
  readonly profile: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO 8601 instant. */
  readonly expiration: string;
  readonly region: string | undefined;
}

type Snapshot = Record<string, string | null>;

/** RFC 3339 in UTC with a Z suffix and whole seconds, the form the SDKs, botocore and starship read. */
export function rfc3339(instant: string | Date): string {
  // Stryker disable next-line Regex: without the $ the same text is replaced, toISOString() having one Z, at its end.
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What an earlier version recorded in AWSMFA_SAVED_ENV, if it is there and intact. */
function legacyRecord(env: NodeJS.ProcessEnv): Snapshot | undefined {
  const text = env[LEGACY_SAVED_VARIABLE];
  // Stryker disable next-line ConditionalExpression: made false, JSON.parse(undefined) throws and the catch returns undefined alike.
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    // States what a record is. Equivalent when mutated: null throws at the first name (caught below), and a
    // string, number or array has none of the names, which the per-name check refuses.
    // Stryker disable next-line all
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const record = parsed as Record<string, unknown>;
    const result: Snapshot = {};
    for (const name of MANAGED_VARIABLES) {
      const value = record[name];
      if (value !== null && typeof value !== 'string') return undefined;
      result[name] = value ?? null;
    }
    return result;
  } catch {
    // Not JSON: no record.
  }
  return undefined;
}

export function hasActiveSession(env: NodeJS.ProcessEnv): boolean {
  return env[PROFILE_VARIABLE] !== undefined || env[LEGACY_SAVED_VARIABLE] !== undefined;
}

/**
 * The changes a session makes on top of what was there before it: its keys, expiration and region,
 * the removed variables, and awsmfa's own two. (The values before it are the shell's business.)
 */
export function sessionChanges(session: SessionForShell): EnvChange[] {
  const expiration = rfc3339(session.expiration);
  const changes: EnvChange[] = [
    { name: 'AWS_ACCESS_KEY_ID', value: session.accessKeyId },
    { name: 'AWS_SECRET_ACCESS_KEY', value: session.secretAccessKey },
    { name: 'AWS_SESSION_TOKEN', value: session.sessionToken },
    { name: 'AWS_CREDENTIAL_EXPIRATION', value: expiration },
    { name: 'AWS_SESSION_EXPIRATION', value: expiration },
  ];
  if (session.region !== undefined) {
    changes.push({ name: 'AWS_REGION', value: session.region }, { name: 'AWS_DEFAULT_REGION', value: session.region });
  }
  for (const name of REMOVED_VARIABLES) changes.push({ name, value: null });
  changes.push(
    { name: PROFILE_VARIABLE, value: session.profile },
    { name: EXPIRES_VARIABLE, value: String(Math.floor(Date.parse(session.expiration) / 1000)) },
    { name: LEGACY_SAVED_VARIABLE, value: null },
  );
  return changes;
}

/**
 * Shell code that makes the shell use `session`. The values before the first session are recorded by
 * the shell, unexported, and put back before each later one is applied: switching from one profile to
 * another keeps the original values, not the first profile's.
 */
export function sessionCode(dialect: Dialect, session: SessionForShell): string {
  return dialect.enter(MANAGED_VARIABLES, sessionChanges(session));
}

/**
 * Shell code that takes the session out again: what the shell recorded comes back. A shell without a
 * record (one started from the shell that has it, or a session of an earlier version) gets the record
 * of the earlier version if intact, else loses the session's own variables and nothing else.
 */
export function restoreCode(dialect: Dialect, env: NodeJS.ProcessEnv): string {
  const ours: EnvChange[] = [PROFILE_VARIABLE, EXPIRES_VARIABLE, LEGACY_SAVED_VARIABLE].map((name) => ({ name, value: null }));
  const legacy = legacyRecord(env);
  const otherwise: EnvChange[] =
    legacy !== undefined
      ? MANAGED_VARIABLES.map((name) => ({ name, value: legacy[name] ?? null }))
      : env[PROFILE_VARIABLE] === undefined
        ? []
        : SESSION_ONLY.map((name) => ({ name, value: null }));
  return dialect.leave(MANAGED_VARIABLES, otherwise, ours);
}

const SESSION_ONLY = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_SESSION_EXPIRATION'] as const;

/**
 * The environment of a program run with the session (`exec`): the parent's, with the session's changes
 * applied and nothing recorded, so the child sees nothing of the credentials the session replaced.
 */
export function withSession(session: SessionForShell, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const child: NodeJS.ProcessEnv = { ...env };
  for (const { name, value } of sessionChanges(session)) {
    if (value === null) delete child[name];
    else child[name] = value;
  }
  return child;
}
