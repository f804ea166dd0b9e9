import { Command, Option } from 'clipanion';
import { loadProfiles } from '../aws/profiles.js';
import { explainStsError, stsClient, stsTarget } from '../aws/sts.js';
import { displayable } from '../display.js';
import { AwsmfaError } from '../errors.js';
import { formatRemaining, formatUntil } from '../output.js';
import { debugOption, enableDebug, jsonOption } from '../report/options.js';
import { cachedSessions, accountOf, shellSession, type SessionView, type ShellSessionView } from '../report/sessions.js';
import { styleFor } from '../report/style.js';
import { renderTable } from '../report/table.js';
import { SessionCache } from '../session/cache.js';
import { AwsmfaCommand } from './base.js';

/** Under this much time left, the time is shown in yellow, as the prompt does. */
const SOON_SECONDS = 15 * 60;

export class StatusCommand extends AwsmfaCommand {
  static override paths = [['status']];

  static override usage = Command.Usage({
    description: "show this shell's session and the cached ones, with the time left",
    details: `
      First the session exported in this shell (\`AWSMFA_PROFILE\`, \`AWSMFA_EXPIRES_AT\`): its profile, account and role when known, and when it ends. Then every session in the cache (\`$XDG_CACHE_HOME/awsmfa\`), expired ones marked.

      Nothing is sent to AWS unless \`--verify\` is given; it asks STS (GetCallerIdentity) who the keys in this shell belong to. The report goes to stdout; \`--json\` prints the same as JSON (schemas/status.schema.json) and never includes a secret.
    `,
    examples: [
      ['How long is left?', 'awsmfa status'],
      ['Ask AWS who the keys in this shell belong to', 'awsmfa status --verify'],
      ['The same as JSON, e.g. for a script', 'awsmfa status --json | jq .shell.secondsLeft'],
    ],
  });

  json = jsonOption();
  verify = Option.Boolean('--verify', false, { description: "Ask STS (GetCallerIdentity) whose keys this shell's are" });
  debugOption = debugOption();

  async run(): Promise<number> {
    enableDebug(this.context.env, this.debugOption);
    const env = this.context.env;
    const now = Date.now();
    const cache = SessionCache.forEnvironment(env);
    const sessions = (await cachedSessions(cache, env, now)).map((entry) => entry.view);
    let shell = shellSession(env, sessions, now);
    if (shell?.profile && shell.account === null) shell = { ...shell, account: await this.accountFromConfig(shell.profile) };
    if (this.verify) shell = await this.verified(shell);

    if (this.json) {
      const report = { version: 1, now: new Date(now).toISOString(), cacheDir: cache.dir, shell: shell ?? null, sessions };
      this.context.out.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    this.context.out.write(this.render(shell, sessions, cache.dir, now));
    return 0;
  }

  /** For a session that is not in this cache: the account its profile names (the role's, else the MFA device's). */
  private async accountFromConfig(name: string): Promise<string | null> {
    try {
      const profile = (await loadProfiles(this.context.env)).resolve(name);
      return accountOf(profile.roles.at(-1)?.roleArn) ?? accountOf(profile.mfaSerial) ?? null;
    } catch {
      return null;
    }
  }

  private async verified(shell: ShellSessionView | undefined): Promise<ShellSessionView> {
    const env = this.context.env;
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
    if (shell === undefined || !accessKeyId || !secretAccessKey) {
      throw new AwsmfaError('there are no AWS keys in this shell to verify', {
        hint: 'Start a session first: awsmfa use <profile> (or eval "$(awsmfa env <profile>)").',
      });
    }
    const name = shell.profile ?? undefined;
    let profile = { region: undefined as string | undefined, endpointUrl: undefined as string | undefined };
    if (name !== undefined) {
      try {
        const resolved = (await loadProfiles(env)).resolve(name);
        profile = { region: resolved.region, endpointUrl: resolved.endpointUrl };
      } catch {
        // The profile may have changed since the session began; the endpoint variables still apply.
      }
    }
    const target = stsTarget(profile, env);
    const endpoint = target.endpoint ?? `https://sts.${target.region}.amazonaws.com`;
    const who = name === undefined ? 'the keys in this shell' : `the session of [${name}] in this shell`;
    const client = await stsClient(target, { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
    try {
      const identity = await client.getCallerIdentity();
      return { ...shell, account: identity.account ?? accountOf(identity.arn) ?? null, arn: identity.arn ?? null, verified: true };
    } catch (error) {
      const explained = explainStsError(error, {
        action: 'GetCallerIdentity',
        profile: name ?? 'this shell',
        keysProfile: name ?? 'this shell',
        keysFile: 'the environment',
        serial: undefined,
        endpoint,
      });
      if (/^cannot reach STS|not an STS answer/.test(explained.message)) throw explained;
      const answer = (error as { name?: string; message?: string }) ?? {};
      const expired = answer.name === 'ExpiredToken' || shell.expired === true;
      throw new AwsmfaError(`AWS did not accept ${who}: ${answer.name ?? 'error'}: ${(answer.message ?? '').trim()}`, {
        hint: expired || name !== undefined
          ? `Get a new session with \`awsmfa use ${name ?? '<profile>'}\`, or drop it with \`awsmfa unset\`.`
          : 'These keys were not set by awsmfa; unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, then start a session with awsmfa use <profile>.',
        cause: error,
      });
    } finally {
      client.destroy();
    }
  }

  private render(shell: ShellSessionView | undefined, sessions: readonly SessionView[], cacheDir: string, now: number): string {
    const style = styleFor(this.context.out, this.context.env);
    const left = (seconds: number | null, expired: boolean | null) =>
      expired === true ? style.red('expired') : seconds === null ? '?' : seconds <= SOON_SECONDS ? style.yellow(formatRemaining(seconds)) : formatRemaining(seconds);
    const lines: string[] = [];

    if (shell === undefined) {
      lines.push(`This shell: no session ${style.dim('(start one with `awsmfa use <profile>`)')}`);
    } else {
      // Profile names come from the config, ARNs from STS: made safe for a terminal here (the JSON
      // output keeps them exact, and JSON escapes control characters itself).
      const name = shell.profile === null ? 'AWS keys not set by awsmfa' : style.bold(displayable(shell.profile));
      let when = '';
      if (shell.expiration !== null) {
        const until = formatUntil(new Date(shell.expiration), new Date(now));
        when = shell.expired ? `, ${style.red(`expired at ${until}`)}` : `, ${left(shell.secondsLeft, false)} left, until ${until}`;
      }
      lines.push(`This shell: ${name}${when}`);
      const details = [
        shell.account === null ? undefined : `account ${shell.account}`,
        shell.arn === null ? (shell.kind === 'mfa' ? 'MFA session of an IAM user' : undefined) : displayable(shell.arn),
        shell.verified ? style.green('confirmed by AWS') : undefined,
      ].filter((part): part is string => part !== undefined);
      if (details.length > 0) lines.push(`  ${details.join(', ')}`);
      if (shell.expired && shell.profile !== null) {
        lines.push(`  ${style.dim(`renew with \`awsmfa use ${displayable(shell.profile)}\`, or drop it with \`awsmfa unset\``)}`);
      }
      if (shell.profile === null) {
        lines.push(`  ${style.dim('they shadow every profile; `awsmfa doctor` explains what to do')}`);
      }
    }
    lines.push('');

    if (sessions.length === 0) {
      lines.push(`No cached sessions ${style.dim(`(in ${cacheDir})`)}`);
      return `${lines.join('\n')}\n`;
    }
    lines.push(`Cached sessions ${style.dim(`(in ${cacheDir})`)}:`);
    const header = ['PROFILE', 'KIND', 'ACCOUNT', 'LEFT', 'UNTIL', ''].map((title) => style.dim(title));
    const rows = sessions.map((session) => [
      session.inThisShell ? style.bold(displayable(session.profile)) : displayable(session.profile),
      session.kind,
      displayable(session.account ?? '-'),
      left(session.secondsLeft, session.expired),
      formatUntil(new Date(session.expiration), new Date(now)),
      session.inThisShell ? '(this shell)' : '',
    ]);
    return `${lines.join('\n')}\n${renderTable([header, ...rows])}`;
  }
}
