/**
 * `mfa_process`: a command that prints the current code (e.g. `ykman oath accounts code -s aws`),
 * run the way the AWS CLI runs credential_process: split into words like a POSIX shell would, but
 * with no shell, so nothing in the config is ever interpreted as shell code.
 */
import { spawn } from 'node:child_process';
import { split } from 'shlex';
import { AwsmfaError } from '../errors.js';

const TIMEOUT_MS = 60_000;

export async function codeFromProcess(command: string, where: string): Promise<string> {
  let words: string[];
  try {
    words = split(command);
  } catch (error) {
    throw new AwsmfaError(`mfa_process in ${where} cannot be split into words: ${(error as Error).message}`, {
      hint: 'Check its quotes.',
    });
  }
  const [program, ...args] = words;
  if (program === undefined) throw new AwsmfaError(`mfa_process in ${where} is empty`, { hint: 'Remove it, or name a command that prints the code.' });
  // stdin and stderr stay the user's, so a device that says "touch your key" can be seen and answered.
  const child = spawn(program, args, { stdio: ['inherit', 'pipe', 'inherit'], timeout: TIMEOUT_MS });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    if (output.length < 64 * 1024) output += text;
  });
  const failed = (reason: string) =>
    new AwsmfaError(`mfa_process in ${where} failed: ${reason}`, { hint: `Run it by hand to see what it needs: ${program}` });
  return new Promise((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(failed(error.code === 'ENOENT' ? `${program} was not found` : error.message));
    });
    child.on('close', (status, signal) => {
      if (signal !== null) return reject(failed(signal === 'SIGTERM' ? `it did not finish within ${TIMEOUT_MS / 1000} s` : `it was killed by ${signal}`));
      if (status !== 0) return reject(failed(`it exited with status ${String(status)}`));
      const lines = output.trim().split(/\r?\n/);
      resolve((lines[lines.length - 1] ?? '').trim());
    });
  });
}
