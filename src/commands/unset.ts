import { Command } from 'clipanion';
import { say } from '../output.js';
import { displayable } from '../display.js';
import { hasActiveSession, PROFILE_VARIABLE, restoreCode } from '../session/environment.js';
import { dialectFor } from '../shell/index.js';
import { ShellCodeCommand } from './base.js';
import { shellOption } from './options.js';

export class UnsetCommand extends ShellCodeCommand {
  static override paths = [['unset']];

  static override usage = Command.Usage({
    description: 'print shell code that removes the session and restores what `env` replaced',
    details: `
      Everything \`awsmfa env\` set is removed, and every variable it overwrote or removed (\`AWS_PROFILE\`, \`AWS_REGION\`, keys that were there before) is put back exactly as it was before the first \`env\` in this shell.
    `,
    examples: [
      ['bash or zsh', 'eval "$(awsmfa unset)"'],
      ['fish', 'awsmfa unset | source'],
      ['PowerShell', 'awsmfa unset --shell pwsh | Out-String | Invoke-Expression'],
    ],
  });

  shellOption = shellOption();

  async run(): Promise<void> {
    const env = this.context.env;
    this.context.out.write(restoreCode(dialectFor(this.shell), env));
    // What comes back is recorded in the shell, which awsmfa cannot see: the code puts it back if it is there.
    const profile = env[PROFILE_VARIABLE];
    if (!hasActiveSession(env)) say('no awsmfa session in this shell; nothing to undo', this.context.stderr);
    else say(`${displayable(profile ?? 'session')}: removed; the earlier AWS_* variables are back`, this.context.stderr);
  }
}
