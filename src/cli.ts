import { Builtins, Cli } from 'clipanion';
import { EnvCommand } from './commands/env.js';
import { UnsetCommand } from './commands/unset.js';
import { VERSION, VersionCommand } from './commands/version.js';
import { colorLevel } from './report/style.js';
import { ExecCommand } from './commands/exec.js';
import { CredentialProcessCommand } from './commands/credential-process.js';
import { LoginCommand } from './commands/login.js';
import { ClearCommand } from './commands/clear.js';
import { DemoCodeCommand, DemoCommand } from './commands/demo.js';
import { DoctorCommand } from './commands/doctor.js';
import { ListCommand } from './commands/list.js';
import { StatusCommand } from './commands/status.js';
import { CompletionsCommand } from './commands/completions.js';
import { InitCommand } from './commands/init.js';
import { UseCommand } from './commands/use.js';

// Help and usage errors go to stderr, so colour follows stderr, NO_COLOR and FORCE_COLOR.
export const cli = new Cli({ binaryLabel: 'awsmfa', binaryName: 'awsmfa', binaryVersion: VERSION, enableColors: colorLevel(process.stderr, process.env) > 0 });
cli.register(Builtins.HelpCommand);
cli.register(VersionCommand);
cli.register(EnvCommand);
cli.register(UnsetCommand);
cli.register(ExecCommand);
cli.register(CredentialProcessCommand);
cli.register(LoginCommand);
cli.register(StatusCommand);
cli.register(ListCommand);
cli.register(ClearCommand);
cli.register(DoctorCommand);
cli.register(DemoCommand);
cli.register(DemoCodeCommand);
cli.register(UseCommand);
cli.register(InitCommand);
cli.register(CompletionsCommand);

/** First words of the commands whose stdout is code for the shell. */
export const SHELL_CODE_COMMANDS: ReadonlySet<string> = new Set(
  [EnvCommand, UnsetCommand, InitCommand, CompletionsCommand].flatMap((command) => command.paths.map((path) => path[0] ?? '')),
);
