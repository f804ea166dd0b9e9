/**
 * How a command's output leaves the process: the context every command writes through, shell code held
 * back until the command has finished, the failure statement, write errors and signals. Kept apart from
 * clipanion (base.ts), so that the cached `env` (src/fast-env.ts) goes out exactly as the full CLI's does
 * without loading the command-line parser.
 */
import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { BaseContext } from 'clipanion';
import { onInterruptWrite } from '../interrupts.js';
import { detectShell, dialectFor, parseShellName } from '../shell/index.js';
import type { ShellName } from '../shell/dialect.js';

export interface AwsmfaContext extends BaseContext {
  /** The real stdout. clipanion's own `stdout` is pointed at stderr, so its usage messages never reach an eval. */
  readonly out: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Shared by reference: clipanion hands each command a copy of the context. */
  readonly state: { failureWritten: boolean };
}

/** The shell whose code to print: the one --shell names, else the one detected. */
export function chosenShell(option: string | undefined, env: NodeJS.ProcessEnv): ShellName {
  return (option === undefined ? undefined : parseShellName(option)) ?? detectShell(env);
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
 * Runs a command line's command: its status, or undefined when it declined the command line before
 * writing anything (the cached `env` does, for whatever it leaves to the full CLI).
 */
export type CommandRunner = (argv: string[], context: AwsmfaContext) => Promise<number | undefined>;

/** Where a command's output goes: the process's streams, or writers with the same behaviour. */
export interface Outputs {
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable & { readonly isTTY?: boolean };
}

/**
 * Runs a command with its output handled. The shell code is held back until the command has finished
 * and everything it had to say reached stderr: if anything failed on the way, only the failure statement
 * goes out, so a caller's eval never applies a session whose messages were lost, nor half of one.
 * False when the runner declined: then nothing was written, and nothing of this is left installed.
 */
export async function runHeld(
  argv: string[],
  shellCode: boolean,
  runner: CommandRunner,
  { stdout, stderr }: Outputs = { stdout: process.stdout, stderr: process.stderr },
): Promise<boolean> {
  const failed = { stderr: false };
  const onStdoutError = onWriteError('stdout', shellCode, failed);
  const onStderrError = onWriteError('stderr', shellCode, failed);
  stdout.on('error', onStdoutError);
  stderr.on('error', onStderrError);
  const held: string[] = [];
  // Held back, but still saying whether stdout is a terminal: commands decide what to print by that.
  // Commands only write to it (a stream from node:stream would cost the cached `env` its load).
  const out = shellCode
    ? ({
        isTTY: stdout.isTTY === true,
        write(chunk: string | Uint8Array): boolean {
          held.push(chunk.toString());
          return true;
        },
      } as unknown as NodeJS.WritableStream)
    : stdout;
  const context: AwsmfaContext = {
    // Made only when a command reads it: on a pipe, making it loads node:net.
    get stdin() {
      return process.stdin;
    },
    stdout: stderr,
    stderr,
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
  let status = await runner(argv, context);
  onInterruptWrite(undefined);
  if (status === undefined) {
    stdout.removeListener('error', onStdoutError);
    stderr.removeListener('error', onStderrError);
    return false;
  }
  if (shellCode) {
    // A failed write to stderr is reported a turn of the event loop later.
    await new Promise((resolve) => setImmediate(resolve));
    if (failed.stderr && status === 0) status = 1;
    // A command that wrote its own failure statement (or, its output being a terminal, decided that
    // there is nothing to make fail) has said what stdout gets.
    stdout.write(status === 0 || (context.state.failureWritten && !failed.stderr) ? held.join('') : failure());
  }
  process.exitCode = status;
  return true;
}
