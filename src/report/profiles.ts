/**
 * What `list` says about each profile: does awsmfa need a code for it, is it a role and through which
 * source, does it have a live cached session. Read from the same ProfileSet `env` uses, so the answer
 * cannot disagree with what `env` would do.
 */
import { loginSessionOf, renewCommand, type LoginSession } from '../aws/login-session.js';
import { Refusal, type ProfileSet } from '../aws/profiles.js';
import type { SessionView } from './sessions.js';

/** Sections the SDK's loader keeps beside profiles (`[sso-session x]`, `[services x]`); they are not profiles. */
const NOT_PROFILES = /^(sso-session|services)\./;

const KNOWN_KEYS = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'mfa_serial',
  'role_arn',
  'source_profile',
  'region',
  'duration_seconds',
  'mfa_process',
  'credential_source',
  'credential_process',
  'sso_start_url',
  'sso_session',
  'endpoint_url',
] as const;

export interface ProfileView {
  readonly name: string;
  /** `user`: long-term keys (its own or a source's); `role`: role_arn; `other`: neither (SSO, region only, …). */
  readonly kind: 'user' | 'role' | 'other';
  readonly needsMfa: boolean;
  readonly mfaSerial: string | null;
  readonly roleArn: string | null;
  readonly sourceProfile: string | null;
  /** From this profile down to the one with the keys; empty when that chain is broken. */
  readonly chain: readonly string[];
  readonly region: string | null;
  /** The files its settings come from. */
  readonly files: readonly string[];
  /** `awsmfa env <name>` can work with it as configured. */
  readonly usable: boolean;
  /** Why not, for profiles that look meant for awsmfa. */
  readonly problem: string | null;
  readonly session: Pick<SessionView, 'kind' | 'expiration' | 'secondsLeft' | 'reusable' | 'inThisShell'> | null;
  /** The profile holds a session written by `awsmfa login`: made from which profile, until when. */
  readonly loginSession: { readonly source: string | null; readonly expiration: string | null; readonly expired: boolean; readonly renew: string } | null;
}

export function profileNames(profiles: ProfileSet): string[] {
  return profiles.names().filter((name) => !NOT_PROFILES.test(name));
}

/**
 * What list says of a profile that depends on the AWS files alone (their text and their paths): the
 * same at every run until a file changes, which is what lets a listing be kept (listing-cache.ts).
 */
export interface ProfileFacts extends Omit<ProfileView, 'session' | 'loginSession'> {
  /** The session written by `awsmfa login` that the profile holds, as written. */
  readonly login: LoginSession | null;
}

export function describeProfile(profiles: ProfileSet, name: string, sessions: readonly SessionView[], nowMs: number = Date.now()): ProfileView {
  return viewOfFacts(profileFacts(profiles, name), sessions, nowMs);
}

export function profileFacts(profiles: ProfileSet, name: string): ProfileFacts {
  const own = (key: string) => profiles.value(name, key);
  const login = loginSessionOf(profiles, name);
  if (login !== undefined) {
    // A session to use as it is: not a user's keys with a problem, not a profile awsmfa itself uses.
    return {
      name,
      kind: 'other',
      needsMfa: false,
      mfaSerial: null,
      roleArn: null,
      sourceProfile: login.source ?? null,
      chain: [],
      region: own('region') ?? null,
      files: [login.file],
      usable: false,
      problem: null,
      login,
    };
  }
  const roleArn = own('role_arn') ?? null;
  const sourceProfile = own('source_profile') ?? null;
  const hasKeys = own('aws_access_key_id') !== undefined;
  const kind: ProfileView['kind'] = roleArn !== null ? 'role' : hasKeys || sourceProfile !== null ? 'user' : 'other';

  let chain: readonly string[] = [];
  let problem: string | null = null;
  let mfaSerial: string | null = own('mfa_serial') ?? null;
  let region: string | null = own('region') ?? null;
  const resolved = profiles.resolution(name);
  if (resolved instanceof Refusal) {
    problem = resolved.message;
  } else {
    chain = resolved.chain;
    mfaSerial = resolved.mfaSerial ?? null;
    region = resolved.region ?? null;
  }
  if (problem === null && kind === 'user' && mfaSerial === null) problem = `profile [${name}] has no mfa_serial`;
  const files: string[] = [];
  for (const key of KNOWN_KEYS) {
    const file = profiles.setting(name, key)?.file;
    if (file !== undefined && !files.includes(file)) files.push(file);
  }
  return {
    name,
    kind,
    needsMfa: mfaSerial !== null,
    mfaSerial,
    roleArn,
    sourceProfile,
    chain,
    region,
    files,
    usable: problem === null,
    problem: kind === 'other' ? null : problem,
    login: null,
  };
}

/** A profile's facts with what this run adds: its live cached session, how long a written session has left. */
export function viewOfFacts(facts: ProfileFacts, sessions: readonly SessionView[], nowMs: number): ProfileView {
  const login = facts.login;
  let live: SessionView | undefined;
  for (const session of sessions) {
    if (session.profile !== facts.name || session.expired) continue;
    // The one exported in this shell first, then the one that lasts longest.
    if (live === undefined || Number(session.inThisShell) - Number(live.inThisShell) > 0 || (session.inThisShell === live.inThisShell && session.secondsLeft > live.secondsLeft)) live = session;
  }
  // Built key by key, in the order `list --json` prints them (a spread costs more with thousands of profiles).
  return {
    name: facts.name,
    kind: facts.kind,
    needsMfa: facts.needsMfa,
    mfaSerial: facts.mfaSerial,
    roleArn: facts.roleArn,
    sourceProfile: facts.sourceProfile,
    chain: facts.chain,
    region: facts.region,
    files: facts.files,
    usable: facts.usable,
    problem: facts.problem,
    session:
      login !== null || live === undefined
        ? null
        : { kind: live.kind, expiration: live.expiration, secondsLeft: live.secondsLeft, reusable: live.reusable, inThisShell: live.inThisShell },
    loginSession:
      login === null
        ? null
        : {
            source: login.source ?? null,
            expiration: login.expiration ?? null,
            expired: login.expiration === undefined || Date.parse(login.expiration) <= nowMs,
            renew: renewCommand(login, nowMs),
          },
  };
}
