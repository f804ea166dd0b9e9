import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { completionSpec } from '../shell/completions.js';
import { SHELL_NAMES, dialectFor } from '../shell/index.js';
import { renderCompletions } from '../shell/integration.js';
import { ShellCodeCommand } from './base.js';
import { SHELL_CHOICES } from './options.js';
import { allDefinitions } from './definitions.js';

export class CompletionsCommand extends ShellCodeCommand {
  static override paths = [['completions']];

  static override usage = Command.Usage({
    description: 'print the completion script for a shell',
    details: `
      Completes commands, flags, shell names and the profile names of your AWS config, from the index awsmfa keeps of it (a Tab starts no program unless the config changed since; then it runs \`awsmfa\` from PATH once). \`awsmfa init\` already includes this; use it on its own when you want completions without the rest of the integration. The files in awsmfa's \`completions/\` directory are this output.
    `,
    examples: [
      ['bash, without the integration', 'source <(awsmfa completions bash)'],
      ['zsh: a file in a directory of $fpath', 'awsmfa completions zsh > ~/.zfunc/_awsmfa'],
      ['fish', 'awsmfa completions fish > ~/.config/fish/completions/awsmfa.fish'],
    ],
  });

  shellOption = Option.String({ name: 'shell', required: false, validator: t.isEnum(SHELL_CHOICES) });

  async run(): Promise<void> {
    const spec = completionSpec(await allDefinitions(), SHELL_NAMES);
    this.context.out.write(await renderCompletions(dialectFor(this.shell), spec));
  }
}
