/**
 * Where the MFA code comes from: --token-code, else the profile's mfa_process, else the terminal.
 * Whatever the source, the code is checked here, before any network call.
 */
import { AwsmfaError } from '../errors.js';
import { codeFromProcess } from './process.js';
import { NoTerminalError, promptOnTerminal } from './prompt.js';

export const CODE_PATTERN = /^\d{6}$/;

export function checkCode(code: string, source: string): string {
  if (CODE_PATTERN.test(code)) return code;
  const what = code.length === 0 ? 'is empty' : /^\d+$/.test(code) ? `has ${code.length} digits` : 'is not only digits';
  throw new AwsmfaError(`the MFA code from ${source} ${what}; it must be exactly six digits`, {
    hint: 'Use the six digits your MFA device shows now, with no spaces.',
  });
}

/** How many times an empty answer at the prompt is met by the question again, as ssh does. */
export const PROMPT_ATTEMPTS = 3;

/**
 * The code typed on the terminal. An Enter on its own (a slip, or a device not yet at hand) asks
 * again, a few times, rather than ending the command.
 */
export async function askCodeOnTerminal(question: string, stderr: NodeJS.WritableStream = process.stderr): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const typed = (await promptOnTerminal(question, stderr)).trim();
    if (typed !== '' || attempt === PROMPT_ATTEMPTS) return checkCode(typed, 'the terminal');
  }
}

export interface CodeRequest {
  readonly serial: string;
  readonly profile: string;
  readonly flag: string | undefined;
  readonly mfaProcess: { command: string; file: string } | undefined;
}

export async function obtainCode(request: CodeRequest): Promise<string> {
  if (request.flag !== undefined) return checkCode(request.flag, '--token-code');
  if (request.mfaProcess !== undefined) {
    const where = `[${request.profile}] of ${request.mfaProcess.file}`;
    return checkCode(await codeFromProcess(request.mfaProcess.command, where), `mfa_process in ${where}`);
  }
  try {
    return await askCodeOnTerminal(`MFA code for ${request.serial}: `);
  } catch (error) {
    if (!(error instanceof NoTerminalError)) throw error;
    throw new AwsmfaError(`${error.message} for [${request.profile}]`, {
      hint: `Pass it with --token-code 123456, or set mfa_process in [${request.profile}] to a command that prints it.`,
    });
  }
}
