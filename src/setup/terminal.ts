/**
 * Questions asked on the terminal itself (/dev/tty; the console on Windows), with the question on stderr: stdin may carry the
 * secret (`--secret-stdin`) and stdout is for data. Plain answers are read in the terminal's own line
 * mode, so it echoes them and handles backspace, and Ctrl-C is the usual SIGINT; the secret is read
 * without echo by the same prompt that reads MFA codes.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { displayable } from '../display.js';
import { AwsmfaError, InterruptedError } from '../errors.js';
import { NoTerminalError, promptOnTerminal } from '../mfa/prompt.js';
import { warn } from '../output.js';
import { platform } from '../platform/index.js';

/** Turns an answer into a value, or throws an AwsmfaError that says what is wrong with it. */
export type Parser<T> = (answer: string) => T;

const ATTEMPTS = 3;

/** An answer that was refused, before its question is asked again: what is wrong, then what it should be, on a line of its own. */
export function refused(error: AwsmfaError, stderr: NodeJS.WritableStream): void {
  warn(error.message, stderr);
  if (error.hint !== undefined) stderr.write(`  ${error.hint}\n`);
}

export class Terminal {
  private constructor(
    private readonly handle: FileHandle,
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  /** The terminal, or undefined when there is none (a pipeline, CI, a service). */
  static async open(stderr: NodeJS.WritableStream): Promise<Terminal | undefined> {
    try {
      return new Terminal(await open(platform.terminalInput, constants.O_RDONLY | constants.O_NOCTTY), stderr);
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** One line as typed, without its line ending. Ctrl-D on an empty line ends the input. */
  private async readLine(question: string): Promise<string> {
    const chunks: Buffer[] = [];
    for (;;) {
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        if (chunks.length > 0) break;
        this.stderr.write('\n');
        throw new AwsmfaError(`the terminal input ended at "${question.trim()}"`, { hint: 'Run awsmfa setup again and answer each question (Enter takes the value in brackets).' });
      }
      chunks.push(buffer.subarray(0, bytesRead));
      if (buffer[bytesRead - 1] === 0x0a) break;
    }
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }

  /**
   * Asks until an answer parses (three tries). Enter alone takes `proposal`, shown in brackets;
   * `shown` is how the proposal is displayed when it should not be printed as it is.
   */
  async ask<T>(question: string, parse: Parser<T>, proposal?: string, shown?: string): Promise<T> {
    // A proposal comes from the files as they are (an mfa_serial, a region): made safe for the terminal.
    const prompt = proposal === undefined ? `${question}: ` : `${question} [${displayable(shown ?? proposal)}]: `;
    for (let attempt = 1; ; attempt++) {
      this.stderr.write(prompt);
      const typed = (await this.readLine(question)).trim();
      const answer = typed === '' && proposal !== undefined ? proposal : typed;
      try {
        return parse(answer);
      } catch (error) {
        if (!(error instanceof AwsmfaError) || attempt >= ATTEMPTS) throw error;
        refused(error, this.stderr);
      }
    }
  }

  /** A secret, not echoed (a `*` per key). Enter alone takes `keep` when there is one. */
  async askSecret<T>(question: string, parse: Parser<T>, keep?: () => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let typed: string;
      try {
        typed = (await promptOnTerminal(keep === undefined ? `${question}: ` : `${question} [Enter keeps the current one]: `, this.stderr)).trim();
      } catch (error) {
        if (error instanceof InterruptedError || error instanceof NoTerminalError || !(error instanceof AwsmfaError)) throw error;
        // The prompt's own words are about MFA codes.
        throw new AwsmfaError(`no ${question.toLowerCase()} was entered`, { hint: 'Run awsmfa setup again, or pipe the secret in with --secret-stdin.' });
      }
      try {
        return typed === '' && keep !== undefined ? keep() : parse(typed);
      } catch (error) {
        if (!(error instanceof AwsmfaError) || attempt >= ATTEMPTS) throw error;
        refused(error, this.stderr);
      }
    }
  }
}
