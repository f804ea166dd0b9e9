/**
 * Being ended by a signal (kill, a timeout, the terminal closing, Ctrl-C while no prompt is in raw mode):
 * first undo what is in effect (a terminal in raw mode, a lock on an MFA device), then tell the caller's
 * eval to fail, then end by the same signal. Dying of it, rather than exiting 128+n, is what lets a
 * calling shell script stop as it would have without awsmfa in between: bash goes on after a child that
 * merely exits 130, and stops after one that was killed by SIGINT.
 *
 * Handlers are installed only while there is something to do, so that commands that relay signals to a
 * child (`exec`) are not disturbed once the session has been obtained.
 */
import { writeSync } from 'node:fs';
import { nodeOs } from './platform/node-os.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
/**
 * Dying of these would dump a core: an image of a process that holds the keys, written to disk. The
 * process exits with 128+n instead, as a shell reports a death by the signal.
 */
const CORE_DUMPING: ReadonlySet<NodeJS.Signals> = new Set(['SIGQUIT']);

const undoers = new Set<() => void>();
let statement: (() => void) | undefined;
let installed = false;

function undoAll(): void {
  for (const undo of [...undoers].reverse()) {
    try {
      undo();
    } catch {
      // The others must still run, and the process is ending anyway.
    }
  }
  undoers.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  undoAll();
  const write = statement;
  statement = undefined;
  try {
    write?.();
  } catch {
    // stdout may be gone; the signal still has to end the process.
  }
  try {
    writeSync(2, `awsmfa: interrupted (${signal})\n`);
  } catch {
    // stderr may be closed too.
  }
  uninstall();
  if (!CORE_DUMPING.has(signal)) process.kill(process.pid, signal);
  // Only reached if the signal did not end the process.
  process.exit(128 + (nodeOs().constants.signals[signal] ?? 0));
}

/** Also on a plain exit: process.exit() elsewhere skips every `finally`. */
function onExit(): void {
  undoAll();
}

function install(): void {
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', onExit);
  installed = true;
}

function uninstall(): void {
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  process.removeListener('exit', onExit);
  installed = false;
}

function settle(): void {
  const wanted = undoers.size > 0 || statement !== undefined;
  if (wanted && !installed) install();
  else if (!wanted && installed) uninstall();
}

/**
 * Registers something to undo synchronously if the process is ended before it is done with it.
 * Returns the function that unregisters it (call it once the thing has been undone normally).
 */
export function undoOnInterrupt(undo: () => void): () => void {
  undoers.add(undo);
  settle();
  return () => {
    undoers.delete(undo);
    settle();
  };
}

/** What to write to stdout when a signal ends the run (the statement that makes the caller's eval fail). */
export function onInterruptWrite(write: (() => void) | undefined): void {
  statement = write;
  settle();
}
