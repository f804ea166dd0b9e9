import { Command } from 'clipanion';
import { say } from '../output.js';
import { PROFILE_VARIABLE, restoreChanges } from '../session/environment.js';
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
    const { changes, restored } = restoreChanges(env);
    this.context.out.write(dialectFor(this.shell).apply(changes));
    const profile = env[PROFILE_VARIABLE];
    if (changes.length === 0) say('no awsmfa session in this shell; nothing to undo', this.context.stderr);
    else if (restored) say(`${profile ?? 'session'}: removed; the earlier AWS_* variables are back`, this.context.stderr);
    else say(`${profile ?? 'session'}: removed (there was no intact record of the earlier values to restore)`, this.context.stderr);
  }
}
