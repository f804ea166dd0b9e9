import { realpathSync } from 'node:fs';
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { completionSpec } from '../shell/completions.js';
import { SHELL_NAMES, dialectFor } from '../shell/index.js';
import { renderInit } from '../shell/integration.js';
import { indexIsFresh, refreshIndex } from '../shell/profile-index.js';
import { ShellCodeCommand } from './base.js';
import { SHELL_CHOICES } from './options.js';
import { allDefinitions } from './definitions.js';

/** The bundled CLI the wrapper runs: the real file, so a symlinked `bin` entry resolves to the package. */
function cliScript(): string {
  const main = process.argv[1] ?? '';
  try {
    return realpathSync(main);
  } catch {
    return main;
  }
}

export class InitCommand extends ShellCodeCommand {
  static override paths = [['init']];

  static override usage = Command.Usage({
    description: 'print the shell integration: `awsmfa use`, the prompt countdown, completions, aliases',
    details: `
      Prints code for the shell to load at start-up. It defines an \`awsmfa\` function, so that \`awsmfa use <profile>\` and \`awsmfa unset\` change the shell itself (anything else runs the program); puts \`[doug 41m]\` in front of the prompt while a session is active (yellow under 15 minutes, red once expired; set \`AWSMFA_PROMPT_WARN_SECONDS\` to change when it turns yellow); completes commands, flags and profile names; and defines \`aws-<profile>\` for every profile with \`mfa_serial\` or \`role_arn\`.

      The profile names and aliases come from an index awsmfa keeps in its cache directory and makes again only when a config or credentials file changed; loading the code starts no program when nothing changed, and neither does a prompt or a Tab. Load it after anything that sets your prompt. \`install.sh\` writes this output to a file and sources that from your shell's rc file.
    `,
    examples: [
      ['bash (~/.bashrc)', 'eval "$(awsmfa init bash)"'],
      ['zsh (~/.zshrc)', 'eval "$(awsmfa init zsh)"'],
      ['fish (~/.config/fish/config.fish)', 'awsmfa init fish | source'],
      ['PowerShell ($PROFILE)', 'awsmfa init pwsh | Out-String | Invoke-Expression'],
      ['Name the function `mfa`, keep your own prompt, no aliases', 'eval "$(awsmfa init zsh --cmd mfa --no-prompt --no-aliases)"'],
    ],
  });

  shellOption = Option.String({ name: 'shell', required: false, validator: t.isEnum(SHELL_CHOICES) });
  command = Option.String('--cmd', 'awsmfa', { description: 'Name of the wrapper function (default: awsmfa)' });
  noPrompt = Option.Boolean('--no-prompt', false, { description: 'Leave the prompt alone' });
  noAliases = Option.Boolean('--no-aliases', false, { description: 'Define no per-profile aliases' });
  aliasPrefix = Option.String('--alias-prefix', 'aws-', { description: 'What the per-profile aliases start with (default: aws-)' });

  async run(): Promise<void> {
    const dialect = dialectFor(this.shell);
    const code = await renderInit(dialect, completionSpec(await allDefinitions(), SHELL_NAMES), {
      node: process.execPath,
      script: cliScript(),
      command: this.command,
      prompt: !this.noPrompt,
      aliases: !this.noAliases,
      aliasPrefix: this.aliasPrefix,
    });
    // `eval "$(awsmfa init …)"` runs awsmfa anyway: the index is made here if the config changed, so
    // the shell loading this code finds it ready instead of running awsmfa a second time.
    try {
      if (!(await indexIsFresh(dialect, this.context.env, this.aliasPrefix))) await refreshIndex(dialect, this.context.env, this.aliasPrefix);
    } catch {
      // The shell will ask again when it loads; `init`'s own output does not depend on the index.
    }
    this.context.out.write(code);
  }
}
