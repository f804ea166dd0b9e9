import { supportsColorStderr } from 'chalk';
import { Builtins, Cli } from 'clipanion';
import { EnvCommand } from './commands/env.js';
import { UnsetCommand } from './commands/unset.js';
import { VERSION, VersionCommand } from './commands/version.js';
import { CompletionsCommand } from './commands/completions.js';
import { InitCommand } from './commands/init.js';
import { UseCommand } from './commands/use.js';

// Help and usage errors go to stderr, so colour follows stderr (and NO_COLOR / FORCE_COLOR, through chalk).
export const cli = new Cli({ binaryLabel: 'awsmfa', binaryName: 'awsmfa', binaryVersion: VERSION, enableColors: Boolean(supportsColorStderr) });
cli.register(Builtins.HelpCommand);
cli.register(VersionCommand);
cli.register(EnvCommand);
cli.register(UnsetCommand);
cli.register(UseCommand);
cli.register(InitCommand);
cli.register(CompletionsCommand);

/** First words of the commands whose stdout is code for the shell. */
export const SHELL_CODE_COMMANDS: ReadonlySet<string> = new Set(
  [EnvCommand, UnsetCommand, InitCommand, CompletionsCommand].flatMap((command) => command.paths.map((path) => path[0] ?? '')),
);
