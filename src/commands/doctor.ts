import { stat } from 'node:fs/promises';
import { Command, Option } from 'clipanion';
import { loadProfiles, profileFiles, type ProfileSet, type ResolvedProfile } from '../aws/profiles.js';
import { stsTarget } from '../aws/sts.js';
import { displayable } from '../display.js';
import { AwsmfaError } from '../errors.js';
import { checkFileContents, checkFiles } from '../doctor/files.js';
import { checkEnvironment } from '../doctor/environment.js';
import { checkAliases, checkCompletion, checkIntegration } from '../doctor/integration.js';
import { checkProfile } from '../doctor/profiles.js';
import { isProblem, result, type CheckResult, type CheckStatus } from '../doctor/report.js';
import { debugOption, enableDebug, jsonOption } from '../report/options.js';
import { profileNames } from '../report/profiles.js';
import { styleFor } from '../report/style.js';
import { platform } from '../platform/index.js';
import { SessionCache } from '../session/cache.js';
import { detectShell } from '../shell/index.js';
import { AwsmfaCommand } from './base.js';

export class DoctorCommand extends AwsmfaCommand {
  static override paths = [['doctor']];

  static override usage = Command.Usage({
    description: 'check config, keys, MFA device, clock, environment and shell integration, and say how to fix each problem',
    details: `
      One line per check, each problem with its fix: the config and credentials files (found, readable, not open to others); the profile (exists, long-term keys rather than session keys, an \`mfa_serial\` shaped like an MFA device, durations within AWS's limits); whether AWS accepts the keys (GetCallerIdentity, which needs no permission) and how far this computer's clock is from STS's (read from the Date of STS's answer; TOTP codes and signatures both fail when clocks differ) — both skipped with \`--offline\`; \`AWS_*\` variables in this shell that would override the profiles; the cache; and the shell integration for this shell.

      Without a profile, every profile with \`mfa_serial\` or \`role_arn\` is checked. The exit status is 1 when anything needs fixing, 0 otherwise.
    `,
    examples: [
      ['Check everything', 'awsmfa doctor'],
      ['Check one profile', 'awsmfa doctor doug'],
      ['Without talking to AWS', 'awsmfa doctor doug --offline'],
    ],
  });

  profileName = Option.String({ required: false, name: 'profile' });
  offline = Option.Boolean('--offline', false, { description: 'Skip the checks that ask STS (keys accepted, clock offset)' });
  json = jsonOption();
  debugOption = debugOption();

  async run(): Promise<number> {
    enableDebug(this.context.env, this.debugOption);
    const checks = await this.checks();
    const problems = checks.filter(isProblem);
    if (this.json) {
      this.context.out.write(`${JSON.stringify({ version: 1, ok: problems.length === 0, checks }, null, 2)}\n`);
    } else {
      this.context.out.write(this.render(checks));
    }
    return problems.length === 0 ? 0 : 1;
  }

  private async checks(): Promise<CheckResult[]> {
    const env = this.context.env;
    const now = Date.now();
    const checks: CheckResult[] = [];
    checks.push(...(await checkFiles(profileFiles(env))));

    let profiles: ProfileSet | undefined;
    try {
      profiles = await loadProfiles(env);
    } catch (error) {
      if (!(error instanceof AwsmfaError)) throw error;
      checks.push(result('aws-files', 'fail', error.message, error.hint));
    }
    if (profiles !== undefined) checks.push(...checkFileContents(profiles));

    const resolved: ResolvedProfile[] = [];
    if (profiles !== undefined) {
      const names = this.profileName !== undefined ? [this.profileName] : this.mfaProfiles(profiles);
      if (names.length === 0) {
        checks.push(
          result('profile', 'fail', `no profile in ${profiles.files.configPath} or ${profiles.files.credentialsPath} has mfa_serial or role_arn`, `Add mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE to the profile with your IAM user's keys in ${profiles.files.configPath}.`),
        );
      }
      for (const name of names) {
        const checked = checkProfile(profiles, name);
        checks.push(...checked.results);
        if (checked.resolved !== undefined) resolved.push(checked.resolved);
      }
    }

    if (this.offline) {
      checks.push(result('network', 'skip', 'did not ask STS about the keys and the clock (--offline)'));
    } else {
      checks.push(...(await this.networkChecks(resolved)));
    }

    const shell = detectShell(env);
    checks.push(...checkEnvironment(env, shell, profiles, now));
    checks.push(await this.cacheCheck(now));
    const integration = await checkIntegration(shell, env);
    checks.push(integration);
    if (integration.status === 'ok') {
      const completion = await checkCompletion(shell, env);
      if (completion !== undefined) checks.push(completion);
    }
    if (profiles !== undefined) checks.push(await checkAliases(shell, profiles, env));
    // Checks of one endpoint for different reasons (the clock, the keys) can fail for one cause: say it once.
    return checks.filter((check, index) => checks.findIndex((other) => other.status === check.status && other.message === check.message) === index);
  }

  /** Profiles awsmfa is for: those with mfa_serial somewhere in their chain, and roles. */
  private mfaProfiles(profiles: ProfileSet): string[] {
    return profileNames(profiles).filter((name) => {
      if (profiles.value(name, 'role_arn') !== undefined || profiles.value(name, 'mfa_serial') !== undefined) return true;
      try {
        return profiles.resolve(name).mfaSerial !== undefined;
      } catch {
        return false;
      }
    });
  }

  private async networkChecks(resolved: readonly ResolvedProfile[]): Promise<CheckResult[]> {
    // HTTP is loaded only by the checks that use it, not at every start of the CLI.
    const { checkClock, checkKeys, endpointOf } = await import('../doctor/network.js');
    const env = this.context.env;
    const targets = resolved.map((profile) => ({ profile, target: stsTarget(profile, env) }));
    if (targets.length === 0) {
      // No profile to take a region or endpoint from: the clock is still worth knowing.
      const fallback = stsTarget({ region: undefined, endpointUrl: undefined }, env);
      return [await checkClock(fallback, this.profileName ?? 'default')];
    }
    const byEndpoint = new Map(targets.map((entry) => [endpointOf(entry.target), entry]));
    const byKey = new Map(targets.map((entry) => [`${entry.profile.keys.profile}\n${entry.profile.keys.accessKeyId}`, entry]));
    const [clocks, keys] = await Promise.all([
      Promise.all([...byEndpoint.values()].map(({ profile, target }) => checkClock(target, profile.name))),
      Promise.all([...byKey.values()].map(({ profile, target }) => checkKeys(profile, target))),
    ]);
    return [...clocks, ...keys.flat()];
  }

  private async cacheCheck(now: number): Promise<CheckResult> {
    const cache = SessionCache.forEnvironment(this.context.env);
    try {
      const entries = await cache.entries();
      const expired = entries.filter((entry) => Date.parse(entry.session.expiration) <= now).length;
      if (entries.length === 0) return result('cache', 'ok', `the cache ${cache.dir} holds no sessions`);
      const holds = `the cache ${cache.dir} holds ${entries.length} session${entries.length === 1 ? '' : 's'}${expired > 0 ? ` (${expired} expired)` : ''}`;
      // Where a run cannot see who may read the cache (Windows' ACLs), doctor asks.
      const others = await platform.othersWithAccess(cache.dir, await stat(cache.dir));
      if (others === undefined) return result('cache', 'info', `${holds}; its ACL could not be listed, so who else may read it is unknown`, `To make it yours alone: ${platform.privateCommand(cache.dir, true)}`);
      if (others.length > 0) return result('cache', 'warn', `${holds}, and ${others.join(', ')} may read it`, `Its keys may have been read: run \`awsmfa clear\`, then ${platform.privateCommand(cache.dir, true)}`);
      return result('cache', 'ok', `${holds}, private to you`);
    } catch (error) {
      if (!(error instanceof AwsmfaError)) throw error;
      return result('cache', 'fail', error.message, error.hint);
    }
  }

  private render(checks: readonly CheckResult[]): string {
    const style = styleFor(this.context.out, this.context.env);
    const label: Record<CheckStatus, string> = {
      ok: style.green('ok  '),
      info: style.dim('info'),
      skip: style.dim('skip'),
      warn: style.yellow('WARN'),
      fail: style.red('FAIL'),
    };
    // Messages quote profile names, paths and values from the files: made safe for a terminal here.
    const lines = checks.map((check) => `${label[check.status]}  ${displayable(check.message)}${check.fix === null ? '' : style.dim(' — fix: ') + displayable(check.fix)}`);
    const failures = checks.filter((check) => check.status === 'fail').length;
    const warnings = checks.filter((check) => check.status === 'warn').length;
    const summary =
      failures + warnings === 0
        ? style.green('Everything awsmfa needs looks right.')
        : `${failures + warnings} problem${failures + warnings === 1 ? '' : 's'} to fix (${failures} failed, ${warnings} warning${warnings === 1 ? '' : 's'}).`;
    return `${lines.join('\n')}\n\n${summary}\n`;
  }
}
