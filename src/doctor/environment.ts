/**
 * AWS_* variables that would make tools use something other than what the user thinks: keys left from
 * an earlier session or an old `export`, AWS_PROFILE next to an awsmfa session (the JS SDK then ignores
 * the session's keys while botocore uses them), a session that has run out.
 */
import type { ProfileSet } from '../aws/profiles.js';
import { formatUntil } from '../output.js';
import { EXPIRES_VARIABLE, PROFILE_VARIABLE } from '../session/environment.js';
import type { ShellName } from '../shell/index.js';
import { result, type CheckResult } from './report.js';

/** How a person removes variables by hand in each shell, for the advice only. */
const UNSET_COMMAND: Record<ShellName, (names: readonly string[]) => string> = {
  bash: (names) => `unset ${names.join(' ')}`,
  zsh: (names) => `unset ${names.join(' ')}`,
  fish: (names) => `set -e ${names.join(' ')}`,
  pwsh: (names) => names.map((name) => `Remove-Item env:${name}`).join('; '),
};

const KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export function checkEnvironment(env: NodeJS.ProcessEnv, shell: ShellName, profiles: ProfileSet | undefined, nowMs: number): CheckResult[] {
  const results: CheckResult[] = [];
  const unset = (names: readonly string[]) => `${UNSET_COMMAND[shell](names)} (and remove the line that sets ${names.length === 1 ? 'it' : 'them'} from your shell's startup file, if one does)`;
  const session = env[PROFILE_VARIABLE];
  const present = (name: string) => env[name] !== undefined && env[name] !== '';

  if (session === undefined) {
    const stale = KEY_VARIABLES.filter(present);
    if (stale.length > 0) {
      results.push(
        result('environment', 'warn', `${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} set in this shell, but not by awsmfa: the AWS CLI and SDKs use ${stale.length === 1 ? 'it' : 'them'} before any profile`, unset(stale)),
      );
    }
    if (present('AWS_SECURITY_TOKEN')) {
      results.push(result('environment', 'warn', 'AWS_SECURITY_TOKEN (an old name of AWS_SESSION_TOKEN) is set in this shell; older tools still read it', unset(['AWS_SECURITY_TOKEN'])));
    }
    const named = env.AWS_PROFILE;
    if (named !== undefined && named !== '' && profiles !== undefined && !profiles.has(named)) {
      results.push(result('environment', 'warn', `AWS_PROFILE=${named} names a profile that is not in ${profiles.files.configPath} or ${profiles.files.credentialsPath}`, unset(['AWS_PROFILE'])));
    }
  } else {
    for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'].filter(present)) {
      results.push(
        result('environment', 'warn', `${name}=${env[name]} is set while the awsmfa session of [${session}] is active: the JS SDK then ignores the session's keys, while the AWS CLI uses them`, unset([name])),
      );
    }
    const missing = KEY_VARIABLES.filter((name) => !present(name));
    if (missing.length > 0) {
      results.push(result('environment', 'warn', `the awsmfa session of [${session}] in this shell is incomplete: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`, `Start it again: awsmfa use ${session}`));
    }
    const expires = Number(env[EXPIRES_VARIABLE]);
    if (Number.isFinite(expires) && expires > 0 && expires * 1000 <= nowMs) {
      results.push(
        result('environment', 'warn', `the awsmfa session of [${session}] in this shell expired at ${formatUntil(new Date(expires * 1000), new Date(nowMs))}`, `Get a new one with \`awsmfa use ${session}\`, or drop it with \`awsmfa unset\`.`),
      );
    }
  }
  const endpoint = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (endpoint) results.push(result('endpoint', 'info', `STS requests go to ${endpoint} (from ${env.AWS_ENDPOINT_URL_STS ? 'AWS_ENDPOINT_URL_STS' : 'AWS_ENDPOINT_URL'})`));
  if (results.every((check) => check.status !== 'warn')) {
    results.unshift(result('environment', 'ok', session === undefined ? 'no AWS_* variables in this shell override the profiles' : `the awsmfa session of [${session}] is the only AWS identity in this shell`));
  }
  return results;
}
