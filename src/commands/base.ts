/**
 * What every command shares: where its output goes, and how a failure is reported. Human-readable text
 * goes to stderr; `out` (stdout) carries only shell code or data a program reads.
 */
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Command, type BaseContext, type Cli } from 'clipanion';
import { displayable } from '../display.js';
import { AwsmfaError } from '../errors.js';
import { onInterruptWrite } from '../interrupts.js';
import { reportError } from '../output.js';
import { colorLevel } from '../report/style.js';
import { detectShell, dialectFor, parseShellName } from '../shell/index.js';
import { explainUsageError, nameValues } from './command-line.js';
import type { ShellName } from '../shell/dialect.js';

export interface AwsmfaContext extends BaseContext {
  /** The real stdout. clipanion's own `stdout` is pointed at stderr, so its usage messages never reach an eval. */
  readonly out: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Shared by reference: clipanion hands each command a copy of the context. */
  readonly state: { failureWritten: boolean };
}

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

/** The shell named by a --shell flag in raw arguments, for failures that happen before options are parsed. */
export function shellFromArguments(argv: readonly string[], env: NodeJS.ProcessEnv): ShellName {
  for (const [index, argument] of argv.entries()) {
    const value = argument === '--shell' ? argv[index + 1] : argument.startsWith('--shell=') ? argument.slice(8) : undefined;
    const parsed = value === undefined ? undefined : parseShellName(value);
    if (parsed !== undefined) return parsed;
  }
  return detectShell(env);
}

/**
 * A command whose stdout is code for the shell. When it fails, stdout carries only a statement that makes
 * the caller's eval fail, so that `eval "$(awsmfa env doug)" && aws s3 ls` stops.
 */
export abstract class ShellCodeCommand extends AwsmfaCommand {
  abstract readonly shellOption: string | undefined;

  get shell(): ShellName {
    return (this.shellOption === undefined ? undefined : parseShellName(this.shellOption)) ?? detectShell(this.context.env);
  }

  protected override fail(error: unknown): number {
    writeFailure(this.context, this.shell);
    return super.fail(error);
  }
}

/**
 * Where a write to stdout or stderr failed (a full disk, /dev/full, a reader that went away): one line
 * on stderr if it can still take one, and the process ends with status 1 rather than a stack trace.
 */
function onWriteError(stream: 'stdout' | 'stderr', shellCode: boolean, failed: { stderr: boolean }) {
  return (error: NodeJS.ErrnoException): void => {
    if (stream === 'stderr') {
      // Nothing more can be said; the status says it, and shell code is replaced by the failure statement.
      failed.stderr = true;
      return;
    }
    // A reader that went away (`awsmfa env doug | head -c0`) is not worth a stack trace; but whoever
    // meant to apply the shell code should know that it did not all arrive.
    const note =
      error.code === 'EPIPE'
        ? 'stdout was closed before all the shell code was written; none of it should be applied'
        : `cannot write to stdout (${error.code ?? error.message})${shellCode ? '; none of the shell code should be applied' : ''}`;
    try {
      if (!failed.stderr && (shellCode || error.code !== 'EPIPE')) writeSync(2, `awsmfa: ${note}\n`);
    } catch {
      // stderr is gone as well.
    }
    process.exit(process.exitCode || 1);
  };
}

/**
 * Runs the command line. Usage errors (an unknown flag, a value a validator refused) happen before a
 * command runs; for the commands whose output is shell code, stdout still gets the failure statement.
 *
 * The shell code is held back until the command has finished and everything it had to say reached
 * stderr: if anything failed on the way, only the failure statement goes out, so a caller's eval never
 * applies a session whose messages were lost, nor half of one.
 */
export async function runCli(
  cli: Cli<AwsmfaContext>,
  shellCodePaths: ReadonlySet<string>,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  const shellCode = argv[0] !== undefined && shellCodePaths.has(argv[0]);
  const failed = { stderr: false };
  process.stdout.on('error', onWriteError('stdout', shellCode, failed));
  process.stderr.on('error', onWriteError('stderr', shellCode, failed));
  const held: string[] = [];
  // Held back, but still saying whether stdout is a terminal: commands decide what to print by that.
  const out = shellCode
    ? Object.assign(
        new Writable({
          write(chunk: Buffer | string, _encoding, callback) {
            held.push(chunk.toString());
            callback();
          },
        }),
        { isTTY: process.stdout.isTTY === true },
      )
    : process.stdout;
  const context: AwsmfaContext = {
    stdin: process.stdin,
    stdout: process.stderr,
    stderr: process.stderr,
    colorDepth: 1,
    out,
    env: process.env,
    state: { failureWritten: false },
  };
  // --debug is understood by every command: before `--` it is taken off and becomes AWSMFA_DEBUG=1.
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  if (options.includes('--debug')) {
    argv = [...options.filter((word) => word !== '--debug'), ...(end === -1 ? [] : argv.slice(end))];
    process.env.AWSMFA_DEBUG = '1';
  }
  const failure = () => dialectFor(shellFromArguments(argv, context.env)).failure();
  // Ended by a signal before it is done, a command whose stdout is shell code still makes the eval fail:
  // written directly, as nothing held back is going out any more.
  if (shellCode) onInterruptWrite(() => writeSync(1, failure()));
  let status = await runCommandLine(cli, argv, context, shellCode || argv[0] === 'use');
  onInterruptWrite(undefined);
  if (shellCode) {
    // A failed write to stderr is reported a turn of the event loop later.
    await new Promise((resolve) => setImmediate(resolve));
    if (failed.stderr && status === 0) status = 1;
    // A command that wrote its own failure statement (or, its output being a terminal, decided that
    // there is nothing to make fail) has said what stdout gets.
    process.stdout.write(status === 0 || (context.state.failureWritten && !failed.stderr) ? held.join('') : failure());
  }
  process.exitCode = status;
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
