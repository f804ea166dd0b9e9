/**
 * The MFA code asked on a real terminal: a pseudo-terminal made by util-linux `script`, with the code
 * typed once the prompt is showing, as a person would. What is typed must never appear on the
 * terminal, and Ctrl-C must leave the terminal as it was.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, createWorld, runProgram, type World } from './helpers/fixture.js';

async function scriptAvailable(): Promise<boolean> {
  const result = await runProgram('script', ['--version'], { env: { PATH: process.env.PATH ?? '' } }).catch(() => undefined);
  return result?.code === 0;
}

interface TerminalRun {
  /** Everything the terminal showed. */
  screen: string;
  stdout: string;
  stderr: string;
  status: number;
  /** `stty -a` after awsmfa exited, in the same terminal. */
  stty: string;
}

/** Runs `awsmfa args` in a pseudo-terminal; once the prompt shows, types `keys`. */
async function onTerminal(world: World, args: string[], keys: string): Promise<TerminalRun> {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-tty-'));
  try {
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const inner = `${q(process.execPath)} ${q(CLI)} ${args.map(q).join(' ')} > ${q(`${dir}/out`)} 2> ${q(`${dir}/err`)}; echo $? > ${q(`${dir}/status`)}; stty -a > ${q(`${dir}/stty`)}`;
    const child = spawn('script', ['-qfec', inner, '/dev/null'], { env: world.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (screen += text));
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const deadline = Date.now() + 20_000;
    let prompted = false;
    while (!prompted && Date.now() < deadline) {
      await sleep(50);
      prompted = (await readFile(join(dir, 'err'), 'utf8').catch(() => '')).includes('MFA code for');
    }
    assert.ok(prompted, 'the prompt appeared on stderr');
    await sleep(100);
    child.stdin.write(keys);
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await closed;
    clearTimeout(guard);
    child.stdin.destroy();
    const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
    return { screen, stdout: await read('out'), stderr: await read('err'), status: Number((await read('status')).trim()), stty: await read('stty') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function requireScript(t: TestContext): Promise<boolean> {
  if (await scriptAvailable()) return true;
  t.skip('util-linux script not installed: no pseudo-terminal');
  return false;
}

test('the code is asked on the terminal, not echoed, and the session is exported', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await createWorld();
  try {
    const code = world.code();
    const run = await onTerminal(world, ['env', 'doug', '--shell', 'bash'], `${code}\r`);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^MFA code for arn:aws:iam::123456789012:mfa\/doug: \*{6}\n/);
    assert.match(run.stdout, /^export AWS_ACCESS_KEY_ID='ASIA/m);
    assert.ok(!run.screen.includes(code) && !run.stderr.includes(code), 'the code never appeared');
    assert.match(run.stty, /(^|\s)echo(\s|$)/, 'echo is on again afterwards');
    assert.equal(world.count('GetSessionToken'), 1);
  } finally {
    await world.close();
  }
});

test('backspace corrects a typo at the prompt', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await createWorld();
  try {
    const code = world.code();
    const run = await onTerminal(world, ['env', 'doug', '--shell', 'fish'], `9${'\x7f'}${code}\r`);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^set -gx AWS_ACCESS_KEY_ID 'ASIA/m);
  } finally {
    await world.close();
  }
});

test('Ctrl-C at the prompt exits 130, exports nothing, and leaves echo on', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await createWorld();
  try {
    const run = await onTerminal(world, ['env', 'doug', '--shell', 'bash'], '12\x03');
    assert.equal(run.status, 130);
    assert.equal(run.stdout, 'false\n', 'only the statement that makes eval fail');
    assert.match(run.stderr, /interrupted/);
    assert.match(run.stty, /(^|\s)echo(\s|$)/);
    assert.match(run.stty, /(^|\s)icanon(\s|$)/);
    assert.equal(world.emulator.calls.length, 0);
  } finally {
    await world.close();
  }
});

test('a malformed code typed at the prompt is refused before any call', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await createWorld();
  try {
    const run = await onTerminal(world, ['env', 'doug', '--shell', 'zsh'], '12345\r');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /from the terminal has 5 digits; it must be exactly six digits/);
    assert.equal(world.emulator.calls.length, 0);
  } finally {
    await world.close();
  }
});

test('with no terminal at all, the error says how to pass the code', async () => {
  const world = await createWorld();
  try {
    // setsid: a new session with no controlling terminal, as under cron or CI.
    const result = await runProgram('setsid', ['-w', process.execPath, CLI, 'env', 'doug', '--shell', 'bash'], { env: world.env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'false\n');
    assert.match(result.stderr, /no terminal to ask for the MFA code on for \[doug\]\n.*--token-code/);
    assert.equal(world.emulator.calls.length, 0);
  } finally {
    await world.close();
  }
});
