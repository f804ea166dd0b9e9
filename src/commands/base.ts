/**
 * What every command shares: where its output goes, and how a failure is reported. Human-readable text
 * goes to stderr; `out` (stdout) carries only shell code or data a program reads.
 */
import { Command, type Cli } from 'clipanion';
import { displayable } from '../display.js';
import { AwsmfaError } from '../errors.js';
import { reportError } from '../output.js';
import { colorLevel } from '../report/style.js';
import { dialectFor } from '../shell/index.js';
import { chosenShell, runHeld, type AwsmfaContext } from './held-output.js';
import { explainUsageError, nameValues } from './command-line.js';
import type { ShellName } from '../shell/dialect.js';

export { shellFromArguments, type AwsmfaContext } from './held-output.js';

export abstract class AwsmfaCommand extends Command<AwsmfaContext> {
  abstract run(): Promise<number | void>;

  get debug(): boolean {
    return this.context.env.AWSMFA_DEBUG === '1';
  }

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      return this.fail(error);
    }
  }

  protected fail(error: unknown): number {
    return reportError(forTerminal(error), this.context.stderr, this.debug);
  }
}

/**
 * The error with its text made safe for a terminal: messages quote profile names and values from the
 * command line and the config files, which may hold control characters or be megabytes long.
 */
export function forTerminal(error: unknown): unknown {
  if (error instanceof AwsmfaError) {
    const safe = new AwsmfaError(displayable(error.message), {
      ...(error.hint === undefined ? {} : { hint: displayable(error.hint) }),
      exitCode: error.exitCode,
      cause: error.cause,
    });
    safe.name = error.name;
    return safe;
  }
  if (error instanceof Error) {
    const safe = new Error(displayable(error.message));
    // The stack (shown with --debug only) keeps its lines.
    safe.stack = error.stack;
    return safe;
  }
  return displayable(String(error));
}

/** Writes the statement that makes the caller's eval / source / Invoke-Expression fail. */
export function writeFailure(context: AwsmfaContext, shell: ShellName): void {
  if (context.state.failureWritten) return;
  context.state.failureWritten = true;
  context.out.write(dialectFor(shell).failure());
}

/**
 * A command whose stdout is code for the shell. When it fails, stdout carries only a statement that makes
 * the caller's eval fail, so that `eval "$(awsmfa env doug)" && aws s3 ls` stops.
 */
export abstract class ShellCodeCommand extends AwsmfaCommand {
  abstract readonly shellOption: string | undefined;

  get shell(): ShellName {
    return chosenShell(this.shellOption, this.context.env);
  }

  protected override fail(error: unknown): number {
    writeFailure(this.context, this.shell);
    return super.fail(error);
  }
}

/**
 * Runs the command line. Usage errors (an unknown flag, a value a validator refused) happen before a
 * command runs; for the commands whose output is shell code, stdout still gets the failure statement
 * (see held-output.ts).
 */
export async function runCli(
  cli: Cli<AwsmfaContext>,
  shellCodePaths: ReadonlySet<string>,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  const shellCode = argv[0] !== undefined && shellCodePaths.has(argv[0]);
  await runHeld(argv, shellCode, (words, context) => runCommandLine(cli, words, context, shellCode || words[0] === 'use'));
}

/**
 * Parses the command line, then runs the command or shows the help asked for. Help goes to stdout, as
 * in git, so that `awsmfa --help | less` works; but for a command whose stdout is shell code, stdout
 * that is not a terminal is about to be applied by an eval, so there help goes to stderr and stdout
 * gets nothing at all: `eval "$(awsmfa env --help)"` shows the help and runs none of it.
 */
async function runCommandLine(cli: Cli<AwsmfaContext>, argv: string[], context: AwsmfaContext, stdoutIsCode: boolean): Promise<number> {
  let command: Command<AwsmfaContext>;
  try {
    if (argv.length === 0) {
      context.stderr.write(nameValues(cli.usage(null)));
      return 1;
    }
    command = cli.process(argv, context);
  } catch (error) {
    const explained = explainUsageError(error, argv, cli.definitions());
    return reportError(explained ?? forTerminal(error), context.stderr, context.env.AWSMFA_DEBUG === '1');
  }
  // clipanion's own help commands (`awsmfa --help`) are not ours; ours show help when `help` is set.
  const helpWanted = !(command instanceof AwsmfaCommand) || command.help;
  if (!helpWanted) return cli.run(command, context);
  const toStdout = !stdoutIsCode || (context.out as NodeJS.WriteStream).isTTY === true;
  const target = toStdout ? context.out : context.stderr;
  (cli as { enableColors?: boolean }).enableColors = colorLevel(target as NodeJS.WriteStream, context.env) > 0;
  const rewriting = { write: (text: string | Uint8Array) => target.write(nameValues(String(text))) } as unknown as AwsmfaContext["stderr"];
  return cli.run(command, { ...context, stdout: rewriting });
}
