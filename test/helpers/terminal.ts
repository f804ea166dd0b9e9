/**
 * A conversation with awsmfa on a real terminal: a pseudo-terminal made by util-linux `script`, stdout
 * and stderr of awsmfa sent to files, and each answer typed only once its question has appeared on
 * stderr, as a person would.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, runProgram } from './fixture.js';

export interface TerminalRun {
  /** Everything the terminal showed (what awsmfa wrote to stderr is not on it: that went to a file). */
  readonly screen: string;
  readonly stdout: string;
  readonly stderr: string;
  /** `$?` after awsmfa, as the shell saw it (130 after Ctrl-C). */
  readonly status: number;
  /** `stty -a` after awsmfa exited, in the same terminal. */
  readonly stty: string;
}

/** One step: wait until stderr shows `question` (its n-th appearance for a repeated one), then type `keys`. */
export interface Answer {
  readonly question: string;
  readonly keys: string;
}

export async function requireScript(t: TestContext): Promise<boolean> {
  const result = await runProgram('script', ['--version'], { env: { PATH: process.env.PATH ?? '' } }).catch(() => undefined);
  if (result?.code === 0) return true;
  t.skip('util-linux script is not installed, so there is no pseudo-terminal to test in');
  return false;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

export async function converse(env: Record<string, string>, args: readonly string[], answers: readonly Answer[]): Promise<TerminalRun> {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-tty-'));
  try {
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    // The shell survives a Ctrl-C (as an interactive one does) to report how awsmfa ended.
    const inner = `trap : INT; ${q(process.execPath)} ${q(CLI)} ${args.map(q).join(' ')} > ${q(`${dir}/out`)} 2> ${q(`${dir}/err`)}; echo $? > ${q(`${dir}/status`)}; stty -a > ${q(`${dir}/stty`)}`;
    const child = spawn('script', ['-qfec', inner, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (screen += text));
    let exited = false;
    const closed = new Promise<void>((resolve) => child.on('close', () => ((exited = true), resolve())));
    const seen = new Map<string, number>();
    const answer = async ({ question, keys }: Answer): Promise<void> => {
      const wanted = (seen.get(question) ?? 0) + 1;
      seen.set(question, wanted);
      const deadline = Date.now() + 20_000;
      let err = '';
      while (Date.now() < deadline && !exited) {
        err = await readFile(join(dir, 'err'), 'utf8').catch(() => '');
        if (count(err, question) >= wanted) break;
        await sleep(40);
      }
      assert.ok(count(err, question) >= wanted, `the question ${JSON.stringify(question)} appeared; stderr so far:\n${err}`);
      // The prompt is written before the terminal is read: a moment for the read (or raw mode) to start.
      await sleep(120);
      child.stdin.write(keys);
    };
    try {
      for (const step of answers) await answer(step);
    } catch (error) {
      // A question that never came fails the test; the program still waiting at the terminal must not keep it running.
      child.kill('SIGKILL');
      await closed;
      child.stdin.destroy();
      throw error;
    }
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await closed;
    clearTimeout(guard);
    child.stdin.destroy();
    const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
    return { screen, stdout: await read('out'), stderr: await read('err'), status: Number((await read('status')).trim()), stty: await read('stty') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
