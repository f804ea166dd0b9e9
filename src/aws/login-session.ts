/**
 * Profiles written by `awsmfa login`: a session's keys in the credentials file, with the instant it ends
 * and the profile it was made from. They are not long-term keys to be fixed but a session to be used
 * until it expires and then renewed, which is how `env`, `doctor` and `list` describe them.
 */
import type { ProfileSet } from './profiles.js';

/**
 * The key that records when the written session ends. No AWS tool reads an expiration from the
 * credentials file; the `x_` prefix cannot clash with a key AWS adds later, and saml2aws writes the same
 * key, so tools that already look for it find it.
 */
export const EXPIRATION_KEY = 'x_security_token_expires';

/** The key that records which awsmfa profile the session was made from, so that renewing it can be named. */
export const SOURCE_KEY = 'x_awsmfa_profile';

export interface LoginSession {
  /** The profile the session is written to. */
  readonly profile: string;
  /** The profile it was made from; undefined when written before this was recorded. */
  readonly source: string | undefined;
  /** RFC 3339, as written; undefined when it cannot be read. */
  readonly expiration: string | undefined;
  readonly file: string;
}

/** The session `awsmfa login` wrote to `name`, or undefined when the profile is something else. */
export function loginSessionOf(profiles: ProfileSet, name: string): LoginSession | undefined {
  const token = profiles.setting(name, 'aws_session_token');
  const expires = profiles.value(name, EXPIRATION_KEY);
  if (token === undefined || expires === undefined) return undefined;
  const parsed = Date.parse(expires);
  return { profile: name, source: profiles.value(name, SOURCE_KEY), expiration: Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString(), file: token.file };
}

/**
 * The command that writes a new session to the profile. While the written session lasts, the cache
 * holds it too and login would write it again: only --force gets a new one then.
 */
export function renewCommand(session: LoginSession, nowMs: number = Date.now()): string {
  const live = session.expiration !== undefined && Date.parse(session.expiration) > nowMs;
  return `awsmfa login ${session.source ?? 'PROFILE'} --to-profile ${session.profile}${live ? ' --force' : ''}${session.source === undefined ? ' (PROFILE: the one it was made from)' : ''}`;
}

/** "a session of [doug] written by awsmfa login" */
export function describeLoginSession(session: LoginSession): string {
  return `a session${session.source === undefined ? '' : ` of [${session.source}]`} written by awsmfa login`;
}
