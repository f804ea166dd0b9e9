/**
 * Asks for the MFA code on the terminal itself (/dev/tty; the console on Windows), never on stdin or stdout: stdout is the
 * shell code that `eval` reads. The text goes to stderr; what is typed is not echoed (a `*` per key).
 */
import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { AwsmfaError, InterruptedError } from '../errors.js';
import { undoOnInterrupt } from '../interrupts.js';
import { platform } from '../platform/index.js';

const ENTER = new Set([0x0d, 0x0a]);
const BACKSPACE = new Set([0x7f, 0x08]);
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_U = 0x15;

export class NoTerminalError extends AwsmfaError {}

function openTerminal(): ReadStream {
  let fd: number;
  try {
    fd = openSync(platform.terminalInput, 'r+');
  } catch {
    throw new NoTerminalError('there is no terminal to ask for the MFA code on');
  }
  return new ReadStream(fd);
}

export async function promptOnTerminal(question: string, stderr: NodeJS.WritableStream = process.stderr): Promise<string> {
  const input = openTerminal();
  input.setRawMode(true);
  stderr.write(question);
  let typed = '';
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      input.setRawMode(false);
    } finally {
      input.destroy();
    }
  };
  // Raw mode turns Ctrl-C into a byte; a signal from elsewhere (kill, the terminal closing) must still
  // leave the terminal as it was: the signal handling of src/interrupts.ts runs `restore` first.
  const forget = undoOnInterrupt(() => {
    restore();
    stderr.write('\n');
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      input.on('data', (chunk: Buffer) => {
        for (const byte of chunk) {
          if (ENTER.has(byte)) return resolve(typed);
          if (byte === CTRL_C) return reject(new InterruptedError());
          if (byte === CTRL_D) return reject(new AwsmfaError('no MFA code was entered', { hint: 'Run the command again and type the six digits your MFA device shows.' }));
          if (BACKSPACE.has(byte)) {
            if (typed.length > 0) {
              typed = typed.slice(0, -1);
              stderr.write('\b \b');
            }
          } else if (byte === CTRL_U) {
            stderr.write('\b \b'.repeat(typed.length));
            typed = '';
          } else if (byte >= 0x20 && typed.length < 64) {
            typed += String.fromCharCode(byte);
            stderr.write('*');
          }
        }
      });
      input.on('error', (error) => reject(new AwsmfaError(`cannot read from the terminal: ${error.message}`)));
      input.on('end', () => reject(new AwsmfaError('the terminal closed before an MFA code was entered')));
    });
  } finally {
    restore();
    forget();
    stderr.write('\n');
  }
}
