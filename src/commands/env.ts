import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { loadProfiles, selectedProfile } from '../aws/profiles.js';
import { displayable } from '../display.js';
import { describeExpiry, say } from '../output.js';
import { SessionCache } from '../session/cache.js';
import { sessionCode } from '../session/environment.js';
import { obtainSession } from '../session/sessions.js';
import { dialectFor } from '../shell/index.js';
import { ShellCodeCommand } from './base.js';
import { durationOption, forceOption, shellOption, tokenCodeOption } from './options.js';

export class EnvCommand extends ShellCodeCommand {
  static override paths = [['env']];

  static override usage = Command.Usage({
    description: 'print shell code that exports an MFA session for a profile',
    details: `
      Asks for the MFA code on the terminal (or takes it from \`--token-code\` or the profile's \`mfa_process\`), gets a session from STS, and prints code that exports \`AWS_ACCESS_KEY_ID\`, \`AWS_SECRET_ACCESS_KEY\`, \`AWS_SESSION_TOKEN\`, their expiration and the profile's region, and removes \`AWS_PROFILE\`. A cached session is reused while more than 5 minutes are left.

      Apply the output in the current shell; \`awsmfa unset\` takes it out again and restores what was there before. Without a profile, the session of this shell (or \`AWS_PROFILE\`, or \`default\`) is used.
    `,
    examples: [
      ['Start a session in bash or zsh', 'eval "$(awsmfa env doug)"'],
      ['The same in fish', 'awsmfa env doug | source'],
      ['The same in PowerShell', 'awsmfa env doug --shell pwsh | Out-String | Invoke-Expression'],
      ['Pass the code and ask for one hour', 'eval "$(awsmfa env doug --token-code 123456 --duration 3600)"'],
    ],
  });

  profileName = Option.String({ required: false, name: 'profile' });
  shellOption = shellOption();
  tokenCode = tokenCodeOption();
  duration = durationOption();
  force = forceOption();

  async run(): Promise<void> {
    const env = this.context.env;
    const name = this.profileName ?? env.AWSMFA_PROFILE ?? selectedProfile(env).name;
    const dialect = dialectFor(this.shell);
    const { profile, session, fromCache } = await obtainSession(
      { profile: name, tokenCode: this.tokenCode, durationSeconds: this.duration, force: this.force },
      { profiles: await loadProfiles(env), cache: SessionCache.forEnvironment(env), env, stderr: this.context.stderr },
    );
    const code = sessionCode(dialect, { ...session, profile: profile.name, region: profile.region });
    this.context.out.write(code);
    say(`${displayable(profile.name)}: ${fromCache ? 'cached session' : 'session'} ${describeExpiry(session.expiration)}`, this.context.stderr);
  }
}
