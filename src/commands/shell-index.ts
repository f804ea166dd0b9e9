import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { dialectFor, parseShellName } from '../shell/index.js';
import { refreshIndex } from '../shell/profile-index.js';
import { AwsmfaCommand } from './base.js';
import { SHELL_CHOICES } from './options.js';

/**
 * Run by the shell integration when a config or credentials file changed since its profile index was
 * made: writes the index (src/shell/profile-index.ts) and prints nothing. It has no usage on purpose,
 * so that help and completions leave it out: people never need to type it.
 */
export class ShellIndexCommand extends AwsmfaCommand {
  static override paths = [['shell-index']];

  shell = Option.String('--shell', { required: true, validator: t.isEnum(SHELL_CHOICES) });
  aliasPrefix = Option.String('--alias-prefix', 'aws-');

  async run(): Promise<number> {
    const dialect = dialectFor(parseShellName(this.shell) ?? 'bash');
    await refreshIndex(dialect, this.context.env, this.aliasPrefix);
    return 0;
  }
}
