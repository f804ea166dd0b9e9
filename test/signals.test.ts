/**
 * Signals and terminals: awsmfa killed at the code prompt (the terminal must get its echo back), killed
 * while STS is answering slowly, writing into a closed stdout or a pipe whose reader has gone, and run
 * with no terminal at all. Whatever happens, stdout carries nothing but the failure statement, and
 * nothing is left behind in the cache.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fakeSts, waitUntil } from './helpers/faults.js';
import { awsmfa, CLI, createWorld, ROOT, runProgram, type World } from './helpers/fixture.js';

async function withWorld(body: (world: World) => Promise<void>) {
  const world = await createWorld();
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const cacheFiles = async (world: World) => readdir(join(world.env.XDG_CACHE_HOME!, 'awsmfa')).catch(() => [] as string[]);

async function requireScript(t: TestContext): Promise<boolean> {
  const found = await runProgram('script', ['--version'], { env: { PATH: process.env.PATH ?? '' } }).catch(() => undefined);
  if (found?.code === 0) return true;
  t.skip('util-linux script is not installed: no pseudo-terminal to test on');
  return false;
}

interface PromptRun {
  stdout: string;
  stderr: string;
  /** $? as the shell in the terminal saw it. */
  status: number;
  stty: string;
}

/** Runs `awsmfa env doug` in a pseudo-terminal and sends `signal` to it while it asks for the code. */
async function signalAtPrompt(world: World, signal: NodeJS.Signals): Promise<PromptRun> {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-signal-'));
  try {
    const file = (name: string) => q(join(dir, name));
    // The inner sh writes its pid and then becomes awsmfa (exec), so that pid is awsmfa's.
    const inner = `sh -c 'echo $$ > ${join(dir, 'pid')}; exec "$0" "$@"' ${q(process.execPath)} ${q(CLI)} env doug --shell bash > ${file('out')} 2> ${file('err')}; echo $? > ${file('status')}; stty -a > ${file('stty')}`;
    const terminal = spawn('script', ['-qfec', inner, '/dev/null'], { env: world.env, stdio: ['pipe', 'ignore', 'ignore'] });
    const closed = new Promise<void>((resolve) => terminal.on('close', () => resolve()));
    await waitUntil(async () => (await readFile(join(dir, 'err'), 'utf8').catch(() => '')).includes('MFA code for'), 20_000, 'the prompt');
    await sleep(100);
    process.kill(Number(await readFile(join(dir, 'pid'), 'utf8')), signal);
    const guard = setTimeout(() => terminal.kill('SIGKILL'), 20_000);
    await closed;
    clearTimeout(guard);
    terminal.stdin.destroy();
    const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
    return { stdout: await read('out'), stderr: await read('err'), status: Number((await read('status')).trim()), stty: await read('stty') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [signal, status] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
  ['SIGINT', 130],
] as const) {
  test(`${signal} at the code prompt: echo is back on, status ${status}, stdout only the failure statement`, async (t) => {
    if (!(await requireScript(t))) return;
    await withWorld(async (world) => {
      const run = await signalAtPrompt(world, signal);
      assert.equal(run.status, status, run.stderr);
      assert.equal(run.stdout, 'false\n');
      // After it, the shell in the terminal may say how its child ended ("Terminated").
      assert.match(run.stderr, new RegExp(`^MFA code for arn:aws:iam::123456789012:mfa/doug: \nawsmfa: interrupted \\(${signal}\\)\n(Terminated\n|Hangup\n)?$`));
      assert.match(run.stty, /(^|\s)echo(\s|$)/, 'echo is on');
      assert.match(run.stty, /(^|\s)icanon(\s|$)/, 'line editing is on');
      assert.equal(world.emulator.calls.length, 0);
      assert.deepEqual(await cacheFiles(world), [], 'no lock left, nothing cached');
    });
  });
}

for (const [signal, ending] of [
  ['SIGINT', { code: null, signal: 'SIGINT' }],
  // SIGQUIT would dump a core of a process that holds the keys: awsmfa exits 128+3 instead.
  ['SIGQUIT', { code: 131, signal: null }],
] as const) {
test(`${signal} while STS is slow to answer: the eval fails, awsmfa ends (${ending.signal ?? `status ${ending.code}`}), nothing is cached or left locked`, async () => {
  await withWorld(async (world) => {
    const slow = await fakeSts(() => undefined);
    try {
      const child = spawn(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash', '--token-code', world.code()], {
        env: { ...world.env, AWS_ENDPOINT_URL_STS: slow.url },
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      await waitUntil(() => slow.requests() > 0, 15_000, 'the request to STS');
      assert.equal((await cacheFiles(world)).filter((name) => name.startsWith('lock-')).length, 1, 'the device is locked meanwhile');
      child.kill(signal);
      assert.deepEqual(await ended, ending);
      assert.equal(stdout, 'false\n');
      assert.equal(stderr, `awsmfa: interrupted (${signal})\n`);
      assert.deepEqual(await cacheFiles(world), []);
    } finally {
      await slow.close();
    }
  });
});
}

test('env with stdout closed: no crash, the session is cached whole and the next env exports it', async () => {
  await withWorld(async (world) => {
    const closed = await runProgram('sh', ['-c', `${q(process.execPath)} ${q(CLI)} env doug --shell bash --token-code ${world.code()} >&-; echo "status $?" >&2`], { env: world.env });
    // Node puts /dev/null where a standard descriptor was closed, so this is the same as >/dev/null.
    assert.equal(closed.stdout, '');
    assert.match(closed.stderr, /^awsmfa: doug: session until .*\nstatus 0\n$/);
    const next = await awsmfa(['env', 'doug', '--shell', 'bash'], { env: world.env });
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stdout, /^export AWS_SESSION_TOKEN=/m);
    assert.match(next.stderr, /cached session/);
  });
});

test('env into a pipe whose reader has gone: status 1, a one-line note, no stack trace; the session is cached', async () => {
  await withWorld(async (world) => {
    // head -c0 exits at once; awsmfa writes about a third of a second later, into a pipe nobody reads.
    const broken = await runProgram('bash', ['-c', `${q(process.execPath)} ${q(CLI)} env doug --shell bash --token-code ${world.code()} | head -c0; echo "status \${PIPESTATUS[0]}" >&2`], { env: world.env });
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, /^awsmfa: doug: session until .*\nawsmfa: stdout was closed before all the shell code was written; none of it should be applied\nstatus 1\n$/);
    const next = await awsmfa(['env', 'doug', '--shell', 'bash'], { env: world.env });
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, /cached session/);

    // A failure into a broken pipe is still reported on stderr, with its own status.
    const failed = await runProgram('bash', ['-c', `${q(process.execPath)} ${q(CLI)} env nosuch --shell bash | head -c0; echo "status \${PIPESTATUS[0]}" >&2`], { env: world.env });
    assert.match(failed.stderr, /awsmfa: error: profile "nosuch" is not in /);
    assert.match(failed.stderr, /status 1\n$/);
    assert.ok(!/at .*\.js:\d+/.test(broken.stderr + failed.stderr), 'no stack trace');
  });
});

test('no terminal and stdin closed: a cached session is still exported; a new one needs --token-code or mfa_process', async () => {
  await withWorld(async (world) => {
    const noTerminal = (args: string[]) => runProgram('setsid', ['-w', 'sh', '-c', `exec ${q(process.execPath)} ${q(CLI)} ${args.map(q).join(' ')} <&-`], { env: world.env });
    const refused = await noTerminal(['env', 'doug', '--shell', 'bash']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, 'false\n');
    assert.match(refused.stderr, /there is no terminal to ask for the MFA code on for \[doug\]\n  Pass it with --token-code/);
    const fresh = await noTerminal(['env', 'doug', '--shell', 'bash', '--token-code', world.code()]);
    assert.equal(fresh.code, 0, fresh.stderr);
    const cached = await noTerminal(['env', 'doug', '--shell', 'bash']);
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal(cached.stdout, fresh.stdout);
  });
});

test('stdout or stderr that cannot be written (/dev/full): one clean line, the failure statement, status 1', async () => {
  await withWorld(async (world) => {
    const sh = (command: string) => runProgram('sh', ['-c', command], { env: world.env });
    const seeded = await sh(`awsmfa env doug --shell bash --token-code ${world.code()} >/dev/null`);
    assert.equal(seeded.code, 0, seeded.stderr);

    const noStdout = await sh('awsmfa env doug --shell bash >/dev/full; echo "status $?" >&2');
    assert.equal(noStdout.stderr, `${noStdout.stderr.split('\n')[0]}\nawsmfa: cannot write to stdout (ENOSPC); none of the shell code should be applied\nstatus 1\n`);
    assert.match(noStdout.stderr, /^awsmfa: doug: cached session until /);

    // The messages are lost: the exports are held back, and the eval gets only the failure statement.
    const noStderr = await sh('awsmfa env doug --shell bash 2>/dev/full; echo "status $?"');
    assert.equal(noStderr.stdout, 'false\nstatus 1\n');

    const unsetNoStderr = await sh('awsmfa unset --shell bash 2>/dev/full; echo "status $?"');
    assert.equal(unsetNoStderr.stdout, 'false\nstatus 1\n');

    const data = await sh('awsmfa list --json >/dev/full; echo "status $?" >&2');
    assert.equal(data.stderr, 'awsmfa: cannot write to stdout (ENOSPC)\nstatus 1\n');
  });
});
