/**
 * What `env` (and `use`) does around obtaining a session: which profile a command line without one
 * means, and what the session becomes on stdout and stderr. Shared by the command (env.ts) and the
 * cached path that runs without the command-line parser (src/fast-env.ts), so that the two cannot say
 * different things.
 */
import { selectedProfile, type ProfileSet } from '../aws/profiles.js';
import { displayable } from '../display.js';
import { AwsmfaError } from '../errors.js';
import { describeExpiry, say } from '../output.js';
import { sessionCode } from '../session/environment.js';
import type { ObtainedSession } from '../session/sessions.js';
import type { Dialect } from '../shell/dialect.js';
import type { AwsmfaContext } from './held-output.js';

/** Whether a profile can give a session at all: it has an MFA device or a role. */
function givesSession(profiles: ProfileSet, name: string): boolean {
  return profiles.value(name, 'mfa_serial') !== undefined || profiles.value(name, 'role_arn') !== undefined;
}

/**
 * The profile a command line means: the one named, else this shell's session's, else AWS_PROFILE's
 * (botocore's order), else [default] — but [default], the profile the AWS CLI takes when none is
 * named, only if it can give a session; otherwise the profile is what is missing.
 */
export function sessionProfileName(named: string | undefined, env: NodeJS.ProcessEnv, profiles: ProfileSet, command: string): string {
  const selected = selectedProfile(env);
  const name = named ?? env.AWSMFA_PROFILE ?? selected.name;
  if (named === undefined && !env.AWSMFA_PROFILE && selected.from === 'default' && !givesSession(profiles, name)) throw profileExpected(profiles, command);
  return name;
}

/** No profile named, none in the environment and no [default]: the profile was what was missing. */
function profileExpected(profiles: ProfileSet, command: string): AwsmfaError {
  const names = profiles.names().filter((candidate) => givesSession(profiles, candidate));
  const shown = names.slice(0, 8).map((candidate) => displayable(candidate)).join(', ');
  return new AwsmfaError(`\`${command}\` needs a profile: \`${command} PROFILE\``, {
    hint:
      names.length > 0
        ? `Profiles with MFA or a role in ${profiles.files.configPath}: ${shown}${names.length > 8 ? `, and ${names.length - 8} more (awsmfa list)` : ''}.`
        : `${profiles.files.configPath} has no profile with mfa_serial or role_arn yet; \`awsmfa setup NAME\` makes one.`,
  });
}

/** The session as shell code on stdout, and a line on stderr saying where it came from and how long it lasts. */
export function writeSession(context: AwsmfaContext, dialect: Dialect, { profile, session, fromCache }: ObtainedSession): void {
  context.out.write(sessionCode(dialect, { ...session, profile: profile.name, region: profile.region }));
  say(`${displayable(profile.name)}: ${fromCache ? 'cached session' : 'session'} ${describeExpiry(session.expiration)}`, context.stderr);
}
