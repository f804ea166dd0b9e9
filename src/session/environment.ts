/**
 * The environment contract: which variables a session sets, which it removes, and how `unset`
 * puts back exactly what was there before the first `env` (however many profiles came between).
 */
import type { EnvChange } from '../shell/dialect.js';

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
/** JSON object of MANAGED_VARIABLES as they were before the first `env` (null: not set). */
export const SAVED_VARIABLE = 'AWSMFA_SAVED_ENV';

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
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function snapshot(env: NodeJS.ProcessEnv): Snapshot {
  return Object.fromEntries(MANAGED_VARIABLES.map((name) => [name, env[name] ?? null]));
}

/** What was there before this shell's first session, if a session is active and its record is intact. */
function savedOriginal(env: NodeJS.ProcessEnv): Snapshot | undefined {
  const text = env[SAVED_VARIABLE];
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
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
    return undefined;
  }
}

export function hasActiveSession(env: NodeJS.ProcessEnv): boolean {
  return env[PROFILE_VARIABLE] !== undefined || env[SAVED_VARIABLE] !== undefined;
}

/** The changes that make a shell whose environment is `env` use `session`. */
export function sessionChanges(session: SessionForShell, env: NodeJS.ProcessEnv): EnvChange[] {
  const original = savedOriginal(env) ?? snapshot(env);
  const expiration = rfc3339(session.expiration);
  const values: Record<string, string | null> = {
    ...original,
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    AWS_SESSION_TOKEN: session.sessionToken,
    AWS_CREDENTIAL_EXPIRATION: expiration,
    AWS_SESSION_EXPIRATION: expiration,
  };
  if (session.region !== undefined) {
    values.AWS_REGION = session.region;
    values.AWS_DEFAULT_REGION = session.region;
  }
  for (const name of REMOVED_VARIABLES) values[name] = null;
  return [
    ...MANAGED_VARIABLES.map((name) => ({ name, value: values[name] ?? null })),
    { name: PROFILE_VARIABLE, value: session.profile },
    { name: EXPIRES_VARIABLE, value: String(Math.floor(Date.parse(session.expiration) / 1000)) },
    { name: SAVED_VARIABLE, value: JSON.stringify(original) },
  ];
}

/**
 * The changes that take the session out again. Without an intact record of the original values,
 * the session's own variables are removed and nothing else is touched.
 */
export function restoreChanges(env: NodeJS.ProcessEnv): { changes: EnvChange[]; restored: boolean } {
  const ours: EnvChange[] = [PROFILE_VARIABLE, EXPIRES_VARIABLE, SAVED_VARIABLE].map((name) => ({ name, value: null }));
  const original = savedOriginal(env);
  if (original !== undefined) {
    return { changes: [...MANAGED_VARIABLES.map((name) => ({ name, value: original[name] ?? null })), ...ours], restored: true };
  }
  if (env[PROFILE_VARIABLE] === undefined) return { changes: [], restored: false };
  const sessionOnly = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_SESSION_EXPIRATION'];
  return { changes: [...sessionOnly.map((name) => ({ name, value: null })), ...ours], restored: false };
}
