import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { loadProfiles } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { displayable } from '../display.js';
import { SessionCache } from '../session/cache.js';
import { obtainSession } from '../session/sessions.js';
import { dialectFor } from '../shell/index.js';
import { ShellCodeCommand } from './base.js';
import { sessionProfileName, writeSession } from './env-session.js';
import { durationOption, forceMfaOption, forceOption, shellOption, tokenCodeOption } from './options.js';

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
  forceMfa = forceMfaOption();

  async run(): Promise<void> {
    const env = this.context.env;
    if ((this.context.out as NodeJS.WriteStream).isTTY === true) throw this.notOnTerminal();
    const profiles = await loadProfiles(env);
    const name = sessionProfileName(this.profileName, env, profiles, `awsmfa ${this.path.join(' ') || 'env'}`);
    const dialect = dialectFor(this.shell);
    const obtained = await obtainSession(
      { profile: name, tokenCode: this.tokenCode, durationSeconds: this.duration, force: this.force, forceMfa: this.forceMfa },
      { profiles, cache: SessionCache.forEnvironment(env), env, stderr: this.context.stderr },
    );
    writeSession(this.context, dialect, obtained);
  }

  /**
   * stdout is the terminal: `awsmfa env doug` typed without eval would print the keys into the
   * scrollback and apply nothing. Nothing is asked or fetched; the error says how to apply it instead.
   */
  private notOnTerminal(): AwsmfaError {
    const dialect = dialectFor(this.shell);
    const word = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : dialect.quote(value));
    const command = [
      'awsmfa env',
      ...(this.profileName === undefined ? [] : [word(this.profileName)]),
      ...(this.shellOption === undefined ? [] : [`--shell ${word(this.shellOption)}`]),
      ...(this.duration === undefined ? [] : [`--duration ${this.duration}`]),
    ].join(' ');
    // The failure statement would only be printed on the terminal too.
    this.context.state.failureWritten = true;
    return new AwsmfaError('`awsmfa env` prints the session\'s keys as shell code, and its output is this terminal: they would stay in its scrollback and apply nothing', {
      hint: `Apply them to this shell: ${displayable(dialect.applyLine(command))}  (or \`awsmfa use\` with the shell integration)`,
    });
  }
}
