/**
 * `mfa_process`: a command that prints the current code (e.g. `ykman oath accounts code -s aws`),
 * run the way the AWS CLI runs credential_process: split into words like a POSIX shell would, but
 * with no shell, so nothing in the config is ever interpreted as shell code.
 */
import { split } from 'shlex';
import { AwsmfaError } from '../errors.js';
import { undoOnInterrupt } from '../interrupts.js';

const DEFAULT_TIMEOUT_SECONDS = 60;
/** How long output may still arrive after the program has exited. */
const OUTPUT_GRACE_MS = 300;

/** How long the program may take (a person may have to touch a key); AWSMFA_MFA_PROCESS_TIMEOUT overrides. */
function timeoutSeconds(env: NodeJS.ProcessEnv): number {
  const configured = Number(env.AWSMFA_MFA_PROCESS_TIMEOUT);
  return env.AWSMFA_MFA_PROCESS_TIMEOUT !== undefined && Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_TIMEOUT_SECONDS;
}

export async function codeFromProcess(command: string, where: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
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
  // Loaded here, not at every start of the CLI: most profiles have no mfa_process.
  const { spawn } = await import('node:child_process');
  const child = spawn(program, args, { stdio: ['inherit', 'pipe', 'inherit'] });
  // awsmfa ended by a signal (kill, a closed terminal) must not leave the program waiting for a touch.
  const forget = undoOnInterrupt(() => child.kill('SIGTERM'));
  child.on('close', forget);
  child.on('error', forget);
  // Our own timer rather than spawn's `timeout`, which is only cleared on 'exit': a program that could
  // not be started at all would keep awsmfa waiting for the whole timeout after reporting the error.
  const limit = timeoutSeconds(env);
  let timedOut = false;
  let timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    // A program that ignores SIGTERM must not keep awsmfa waiting either.
    timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  }, limit * 1000);
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    if (output.length < 64 * 1024) output += text;
  });
  const failed = (reason: string) =>
    new AwsmfaError(`mfa_process in ${where} failed: ${reason}`, { hint: `Run it by hand to see what it needs: ${program}` });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (status: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (signal !== null) return reject(failed(`it was killed by ${signal}`));
      if (status !== 0) return reject(failed(`it exited with status ${String(status)}`));
      const lines = output.trim().split(/\r?\n/);
      resolve((lines[lines.length - 1] ?? '').trim());
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      settled = true;
      clearTimeout(timer);
      reject(failed(error.code === 'ENOENT' ? `${program} was not found` : error.message));
    });
    child.on('exit', (status, signal) => {
      if (timedOut) {
        settled = true;
        clearTimeout(timer);
        // Something it started may still hold its stdout open; its answer no longer matters.
        child.stdout.destroy();
        return reject(failed(`it did not finish within ${limit} s`));
      }
      // What it printed is in the pipe already: a moment to read it, and then its answer counts, even
      // if something it left running in the background (`…; sleep 1000 &`) still holds the pipe open.
      // Waiting for that would hold the device's lock for as long as the background job lives.
      setTimeout(() => {
        child.stdout.destroy();
        settle(status, signal);
      }, OUTPUT_GRACE_MS).unref();
    });
    child.on('close', (status, signal) => {
      if (timedOut) return;
      settle(status, signal);
    });
  });
}
