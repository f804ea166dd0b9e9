import { Command } from 'clipanion';
import { displayable } from '../display.js';
import { formatRemaining } from '../output.js';
import { debugOption, enableDebug, jsonOption } from '../report/options.js';
import { listProfiles } from '../report/listing-cache.js';
import { viewOfFacts, type ProfileView } from '../report/profiles.js';
import { cachedSessions } from '../report/sessions.js';
import { styleFor } from '../report/style.js';
import { renderTable } from '../report/table.js';
import { SessionCache } from '../session/cache.js';
import { AwsmfaCommand } from './base.js';

export class ListCommand extends AwsmfaCommand {
  static override paths = [['list'], ['ls']];

  static override usage = Command.Usage({
    description: 'list the profiles: which need MFA, which are roles and through which source, which have a live session',
    details: `
      Reads ~/.aws/config and ~/.aws/credentials (or \`AWS_CONFIG_FILE\` / \`AWS_SHARED_CREDENTIALS_FILE\`) the way the AWS CLI does. A profile needs MFA when it or its \`source_profile\` chain has \`mfa_serial\`; a role profile shows the profile its keys come from. A profile that is meant for awsmfa but would not work as configured is listed with the reason underneath.

      Nothing is sent to AWS. \`--json\` prints the same as JSON (schemas/list.schema.json); no secret is ever included.
    `,
    examples: [
      ['Which profiles can I use?', 'awsmfa list'],
      ['Names of the profiles that need MFA', "awsmfa list --json | jq -r '.profiles[] | select(.needsMfa) | .name'"],
    ],
  });

  json = jsonOption();
  debugOption = debugOption();

  async run(): Promise<number> {
    enableDebug(this.context.env, this.debugOption);
    const env = this.context.env;
    const now = Date.now();
    const listing = await listProfiles(env);
    const sessions = (await cachedSessions(SessionCache.forEnvironment(env), env, now)).map((entry) => entry.view);
    const views = listing.facts.map((facts) => viewOfFacts(facts, sessions, now));

    if (this.json) {
      const report = { version: 1, configFile: listing.files.configPath, credentialsFile: listing.files.credentialsPath, profiles: views };
      this.context.out.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    this.context.out.write(this.render(views, listing.files));
    return 0;
  }

  private render(views: readonly ProfileView[], files: { configPath: string; credentialsPath: string }): string {
    const style = styleFor(this.context.out, this.context.env);
    if (views.length === 0) {
      return `No profiles in ${files.configPath} or ${files.credentialsPath}.\n${style.dim('Add one with mfa_serial, e.g. `aws configure --profile doug` then `aws configure set mfa_serial arn:aws:iam::ACCOUNT:mfa/DEVICE --profile doug`.')}\n`;
    }
    const header = ['PROFILE', 'MFA', 'KIND', 'SOURCE', 'REGION', 'SESSION', 'ROLE'].map((title) => style.dim(title));
    // Names, chains, regions and ARNs come from the config files: made safe for a terminal here (the
    // JSON output keeps them exact, and JSON escapes control characters itself).
    const safe = (text: string) => displayable(text);
    const rows = views.map((view) => {
      const login = view.loginSession;
      const session =
        login !== null
          ? login.expired || login.expiration === null
            ? 'expired (login)'
            : `${formatRemaining(Math.floor((Date.parse(login.expiration) - Date.now()) / 1000))} left (login)`
          : view.session === null
            ? '-'
            : `${formatRemaining(view.session.secondsLeft)} left${view.session.inThisShell ? ' (this shell)' : ''}`;
      return [
        view.usable ? style.bold(safe(view.name)) : safe(view.name),
        view.needsMfa ? 'yes' : 'no',
        login !== null ? 'login' : view.kind === 'other' ? '-' : view.kind,
        safe(view.chain.length > 1 ? view.chain.slice(1).join(' > ') : (view.sourceProfile ?? '-')),
        safe(view.region ?? '-'),
        view.session === null && (login === null || login.expired) ? session : style.green(session),
        safe(view.roleArn ?? ''),
      ];
    });
    const problems = views
      .map((view) =>
        view.problem !== null
          ? `  ${style.yellow('!')} ${safe(view.name)}: ${safe(view.problem)}\n`
          : view.loginSession?.expired === true
            ? `  ${style.yellow('!')} ${safe(view.name)}: the session written by awsmfa login has expired; renew it: ${safe(view.loginSession.renew)}\n`
            : '',
      )
      .join('');
    const legend = style.dim(`From ${safe(files.configPath)} and ${safe(files.credentialsPath)}. \`awsmfa doctor <profile>\` checks one in depth.\n`);
    return `${renderTable([header, ...rows])}${problems === '' ? '' : `\n${problems}`}\n${legend}`;
  }
}
