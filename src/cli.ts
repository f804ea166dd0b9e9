import { Builtins, Cli, type CommandClass } from 'clipanion';
import type { AwsmfaContext } from './commands/base.js';
import { ClearCommand } from './commands/clear.js';
import { CompletionsCommand } from './commands/completions.js';
import { CredentialProcessCommand } from './commands/credential-process.js';
import { DemoCodeCommand, DemoCommand } from './commands/demo.js';
import { DoctorCommand } from './commands/doctor.js';
import { EnvCommand } from './commands/env.js';
import { ExecCommand } from './commands/exec.js';
import { InitCommand } from './commands/init.js';
import { ListCommand } from './commands/list.js';
import { LoginCommand } from './commands/login.js';
import { StatusCommand } from './commands/status.js';
import { UnsetCommand } from './commands/unset.js';
import { UseCommand } from './commands/use.js';
import { PolicyCommand } from './commands/policy.js';
import { SetupCommand } from './commands/setup.js';
import { ShellIndexCommand } from './commands/shell-index.js';
import { VERSION, VersionCommand } from './commands/version.js';
import { colorLevel } from './report/style.js';

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly CommandClass<AwsmfaContext>[] = [
  VersionCommand,
  EnvCommand,
  UnsetCommand,
  ExecCommand,
  CredentialProcessCommand,
  LoginCommand,
  StatusCommand,
  ListCommand,
  ClearCommand,
  SetupCommand,
  PolicyCommand,
  DoctorCommand,
  DemoCommand,
  DemoCodeCommand,
  UseCommand,
  InitCommand,
  CompletionsCommand,
  ShellIndexCommand,
];

/** First words of the commands whose stdout is code for the shell. */
export const SHELL_CODE_COMMANDS: ReadonlySet<string> = new Set(
  [EnvCommand, UnsetCommand, InitCommand, CompletionsCommand].flatMap((command) => command.paths.map((path) => path[0] ?? '')),
);

/**
 * The commands a command line can reach. clipanion compiles a parser from every registered command at
 * each run, so a line that names its command gets a parser of that command alone; anything else
 * (--help, a typo that deserves a suggestion) gets them all.
 */
export function commandsFor(argv: readonly string[]): readonly CommandClass<AwsmfaContext>[] {
  const first = argv[0];
  const named = COMMANDS.filter((command) => (command.paths ?? []).some((path) => path.length > 0 && path[0] === first));
  return named.length > 0 && !first?.startsWith('-') ? named : COMMANDS;
}

/** clipanion's --help, with where a new user starts between the title and the list of commands. */
class HelpCommand extends Builtins.HelpCommand {
  override async execute(): Promise<void> {
    const usage = this.cli.usage();
    const start = '  Start here: awsmfa setup NAME (asks for the access key and the MFA device, checks them with AWS), then awsmfa use NAME.\n\n';
    const split = usage.indexOf('\n\n', usage.indexOf('$ awsmfa'));
    this.context.stdout.write(split < 0 ? start + usage : usage.slice(0, split + 2) + start + usage.slice(split + 2));
  }
}

export function createCli(commands: readonly CommandClass<AwsmfaContext>[] = COMMANDS): Cli<AwsmfaContext> {
  // Help and usage errors go to stderr, so colour follows stderr, NO_COLOR and FORCE_COLOR.
  const cli = new Cli<AwsmfaContext>({ binaryLabel: 'awsmfa', binaryName: 'awsmfa', binaryVersion: VERSION, enableColors: colorLevel(process.stderr, process.env) > 0 });
  cli.register(HelpCommand);
  for (const command of commands) cli.register(command);
  return cli;
}
