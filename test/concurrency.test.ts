/**
 * The cache under faults, through the built CLI: many runs at once with a live session; runs that all
 * need a new session at the same moment (one code, one prompt, never two for the same device); a run
 * killed while it holds the device's lock; a crash between writing a cache entry and renaming it into
 * place; and lock files that are not safely ours.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, chown, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SessionCache, type CachedSession } from '../src/session/cache.js';
import { lockPath } from '../src/session/lock.js';
import { countingMfaProcess, fingerprint, lines, waitUntil } from './helpers/faults.js';
import { ADMIN_ROLE, AUDIT_ROLE, awsmfa, CLI, createWorld, DEFAULT_CREDENTIALS, ROOT, type World } from './helpers/fixture.js';

async function withWorld(options: Parameters<typeof createWorld>[0], body: (world: World) => Promise<void>) {
  const world = await createWorld(options);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

const cacheDirOf = (world: World) => join(world.env.XDG_CACHE_HOME!, 'awsmfa');
const deviceLock = (world: World) => lockPath(new SessionCache(cacheDirOf(world)), world.user.mfaSerial!);
const exists = (path: string) => stat(path).then(() => true, () => false);

/** A config whose profiles take their code from a counting mfa_process. */
function configWithMfaProcess(script: string) {
  return (user: { mfaSerial?: string }) => `[profile doug]
mfa_serial = ${user.mfaSerial}
mfa_process = ${script}
region = eu-west-1

[profile admin]
role_arn = ${ADMIN_ROLE}
source_profile = doug

[profile audit]
role_arn = ${AUDIT_ROLE}
source_profile = doug
`;
}

interface Started {
  readonly pid: number;
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The built CLI in a process group of its own (so that it and its mfa_process can be killed together). */
function start(args: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { pid: child.pid!, ended };
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

const RUNS_WITH_LIVE_SESSION = 50;

test(`${RUNS_WITH_LIVE_SESSION} concurrent env runs with a live session: all succeed, identical output, the cache untouched`, async () => {
  await withWorld({}, async (world) => {
    const first = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(first.code, 0, first.stderr);
    const before = await fingerprint(cacheDirOf(world));
    const runs = await Promise.all(Array.from({ length: RUNS_WITH_LIVE_SESSION }, () => awsmfa(['env', 'doug', '--shell', 'bash'], { env: world.env })));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, first.stdout, 'the same session, exported the same way');
      assert.match(run.stderr, /^awsmfa: doug: cached session until/);
    }
    assert.deepEqual(await fingerprint(cacheDirOf(world)), before, 'not a byte of the cache changed (same files, same inodes)');
    assert.equal(world.count('GetSessionToken'), 1);
  });
});

test('concurrent runs that all need a new session: mfa_process runs once, one code is sent, the others wait and use that session', async () => {
  await withWorld({}, async (world) => {
    const counter = join(world.home, 'mfa-runs');
    const codeFile = join(world.home, 'code');
    await writeFile(codeFile, `${world.code()}\n`);
    const script = await countingMfaProcess(join(world.home, 'mfa-code.sh'), { counter, codeFile, seconds: 0.5 });
    await writeFile(world.configPath, configWithMfaProcess(script)(world.user));

    const plain = await Promise.all(Array.from({ length: 10 }, () => awsmfa(['env', 'doug', '--shell', 'bash'], { env: world.env })));
    for (const run of plain) {
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, plain[0]!.stdout);
    }
    assert.equal(await lines(counter), 1, 'one code was asked for');
    assert.equal(world.count('GetSessionToken'), 1);
    assert.ok(plain.some((run) => /awsmfa: waiting for another awsmfa \(pid \d+\), which is getting a session for arn:aws:iam::123456789012:mfa\/doug\n/.test(run.stderr)));

    // Two role profiles on the same device: one MFA session, then one AssumeRole per role.
    await writeFile(codeFile, `${world.code()}\n`);
    const roles = await Promise.all(Array.from({ length: 8 }, (_, index) => awsmfa(['env', index % 2 === 0 ? 'admin' : 'audit', '--force-mfa'], { env: world.env })));
    for (const run of roles) assert.equal(run.code, 0, run.stderr);
    assert.equal(await lines(counter), 2, 'one more code, for all eight role runs');
    assert.equal(world.count('GetSessionToken'), 2);
    assert.equal(world.count('AssumeRole'), 2, '--force-mfa runs that waited used the sessions made meanwhile');

    const names = await readdir(cacheDirOf(world));
    assert.deepEqual(names.filter((name) => !/^(session|codes)-[0-9a-f]{40}\.json$/.test(name)), [], 'no lock or temporary file left');
    for (const name of names) JSON.parse(await readFile(join(cacheDirOf(world), name), 'utf8'));
  });
});

test('the same --token-code given to concurrent runs is sent to AWS once', async () => {
  await withWorld({}, async (world) => {
    const code = world.code();
    const runs = await Promise.all(Array.from({ length: 6 }, () => awsmfa(['env', 'doug', '--token-code', code], { env: world.env })));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.equal(world.count('GetSessionToken'), 1);
    assert.equal(world.emulator.calls.length, 1, 'no second request with a spent code');
  });
});

test('a run that cannot get the lock in time fails cleanly, naming the holder; the holder carries on', async () => {
  await withWorld({}, async (world) => {
    const counter = join(world.home, 'mfa-runs');
    const codeFile = join(world.home, 'code');
    await writeFile(codeFile, `${world.code()}\n`);
    await writeFile(world.configPath, configWithMfaProcess(await countingMfaProcess(join(world.home, 'mfa.sh'), { counter, codeFile, seconds: 5 }))(world.user));
    const holder = start(['env', 'doug'], world.env);
    await waitUntil(async () => (await lines(counter)) === 1, 10_000, 'the holder to ask mfa_process');
    const before = await fingerprint(world.home);
    const started = Date.now();
    const waiter = await awsmfa(['env', 'doug', '--shell', 'bash'], { env: { ...world.env, AWSMFA_LOCK_TIMEOUT: '1' } });
    assert.ok(Date.now() - started < 4000, 'gave up after about a second');
    assert.equal(waiter.code, 1);
    assert.equal(waiter.stdout, 'false\n');
    assert.match(
      waiter.stderr,
      new RegExp(`awsmfa: error: another awsmfa \\(pid ${holder.pid}\\) is getting a session for arn:aws:iam::123456789012:mfa/doug, and this one stopped waiting after 1 s\n  Finish or cancel that one .*if no awsmfa is running, remove ${deviceLock(world).replaceAll('.', '\\.')}\\. AWSMFA_LOCK_TIMEOUT sets the wait in seconds\\.\n$`),
    );
    assert.deepEqual(await fingerprint(world.home), before, 'the waiter changed nothing');
    const done = await holder.ended;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(await exists(deviceLock(world)), false);
    assert.equal(await lines(counter), 1);
  });
});

test('a lock left by a killed run is taken over; so is one nobody could still be holding', async () => {
  await withWorld({}, async (world) => {
    const codeFile = join(world.home, 'code');
    await writeFile(codeFile, 'never read\n');
    await writeFile(world.configPath, configWithMfaProcess(await countingMfaProcess(join(world.home, 'mfa.sh'), { counter: join(world.home, 'runs'), codeFile, seconds: 30 }))(world.user));
    const victim = start(['env', 'doug'], world.env);
    await waitUntil(() => exists(deviceLock(world)), 10_000, 'the lock file');
    killGroup(victim.pid);
    const killed = await victim.ended;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(JSON.parse(await readFile(deviceLock(world), 'utf8')).pid, victim.pid, 'SIGKILL left the lock behind');

    const next = await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env });
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`^awsmfa: took over a lock left by awsmfa \\(pid ${victim.pid}\\), which is no longer running\n`));
    assert.equal(await exists(deviceLock(world)), false);

    // An empty lock file (a run killed between creating and writing it), once it is some seconds old;
    // and a live process's lock older than any prompt is answered.
    for (const [content, age, reason] of [
      ['', 11, /took over an unreadable lock/],
      [`${JSON.stringify({ pid: process.pid, host: 'elsewhere', since: '2020-01-01T00:00:00.000Z' })}\n`, 16 * 60, /took over a lock held since 2020-01-01T00:00:00\.000Z/],
    ] as const) {
      await writeFile(deviceLock(world), content, { mode: 0o600 });
      const then = (Date.now() - age * 1000) / 1000;
      await utimes(deviceLock(world), then, then);
      // A malformed code: refused under the lock, after the takeover, so no code of this window is spent.
      const run = await awsmfa(['env', 'doug', '--force', '--token-code', 'x'], { env: world.env });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, reason);
      assert.match(run.stderr, /the MFA code from --token-code is not only digits/);
      assert.equal(await exists(deviceLock(world)), false);
    }
  });
});

test('a live holder on another machine (shared home) is waited for, not taken over', async () => {
  await withWorld({}, async (world) => {
    await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env });
    await writeFile(deviceLock(world), `${JSON.stringify({ pid: 999_999_999, host: 'other-host', since: new Date().toISOString() })}\n`, { mode: 0o600 });
    const run = await awsmfa(['env', 'doug', '--force', '--token-code', world.code()], { env: { ...world.env, AWSMFA_LOCK_TIMEOUT: '0.3' } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /another awsmfa \(pid 999999999 on other-host\) is getting a session/);
    assert.equal(await exists(deviceLock(world)), true, 'not ours to remove');
  });
});

test('SIGTERM to a run that holds the lock: the lock is removed, mfa_process is stopped, eval fails', async () => {
  await withWorld({}, async (world) => {
    const codeFile = join(world.home, 'code');
    await writeFile(codeFile, 'never read\n');
    const counter = join(world.home, 'runs');
    await writeFile(world.configPath, configWithMfaProcess(await countingMfaProcess(join(world.home, 'mfa.sh'), { counter, codeFile, seconds: 30 }))(world.user));
    const run = start(['env', 'doug', '--shell', 'bash'], world.env);
    await waitUntil(async () => (await lines(counter)) === 1, 10_000, 'mfa_process to start');
    process.kill(run.pid, 'SIGTERM');
    const ended = await run.ended;
    assert.equal(ended.signal, 'SIGTERM', 'awsmfa ends by the signal it was sent');
    assert.equal(ended.stdout, 'false\n', 'the caller\'s eval fails');
    assert.match(ended.stderr, /awsmfa: interrupted \(SIGTERM\)\n$/);
    assert.deepEqual(await readdir(cacheDirOf(world)), [], 'the lock is gone, and nothing was cached');
    // mfa_process was sent SIGTERM too: nothing is left in the process group.
    await waitUntil(() => !groupAlive(run.pid), 5000, 'mfa_process to end');
  });
});

test('lock files that are not safely ours are refused with the fix, before any code is asked for', async (t: TestContext) => {
  await withWorld({}, async (world) => {
    await awsmfa(['env', 'admin', '--token-code', world.code()], { env: world.env }); // the cache directory exists
    const lock = deviceLock(world);
    const attempt = async () => {
      const run = await awsmfa(['env', 'doug', '--shell', 'bash', '--force', '--token-code', '123456'], { env: world.env });
      assert.equal(run.code, 1);
      assert.equal(run.stdout, 'false\n');
      return run.stderr;
    };
    await writeFile(lock, '{}\n', { mode: 0o644 });
    await chmod(lock, 0o644);
    assert.match(await attempt(), new RegExp(`the lock file ${lock.replaceAll('.', '\\.')} is open to other users \\(mode 0644\\)\n  awsmfa creates it 0600; something else made this one\\. Remove it: rm `));
    await rm(lock);
    await symlink('/dev/null', lock);
    assert.match(await attempt(), /the lock file .* is not a regular file\n  Remove it: rm -r /);
    await rm(lock);
    if (process.getuid?.() === 0) {
      await writeFile(lock, '{}\n', { mode: 0o600 });
      await chown(lock, 4242, 4242);
      assert.match(await attempt(), /the lock file .* belongs to another user \(uid 4242\)\n  Someone else can write in your cache directory: check it \(ls -la .*\), then remove the file: rm /);
    } else {
      t.diagnostic('the lock file of another owner is not tried: that needs root to chown');
    }
    assert.equal(world.count('GetSessionToken'), 1, 'no code was sent for doug');
  });
});

test('a cache directory or entry owned by someone else is refused with the fix, and nothing is exported', async (t: TestContext) => {
  if (process.getuid?.() !== 0) {
    t.skip('giving a file to another user needs root (chown); the modes are tried in cache.test.ts');
    return;
  }
  await withWorld({}, async (world) => {
    assert.equal((await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env })).code, 0);
    const dir = cacheDirOf(world);
    const [entry] = (await readdir(dir)).filter((name) => name.startsWith('session-'));
    const file = join(dir, entry!);
    const refused = async () => {
      const run = await awsmfa(['env', 'doug', '--shell', 'bash'], { env: world.env });
      assert.equal(run.code, 1);
      assert.equal(run.stdout, 'false\n', 'the session of a file someone else could have written is not exported');
      return run.stderr;
    };
    await chown(file, 4242, 4242);
    assert.equal(await refused(), `awsmfa: error: the cache file ${file} belongs to another user (uid 4242)\n  Remove it: rm ${file}\n`);
    await chown(file, 0, 0);
    await chown(dir, 4242, 4242);
    assert.equal(
      await refused(),
      `awsmfa: error: the cache directory ${dir} belongs to another user (uid 4242)\n  Remove it (it may hold someone else's sessions) or set XDG_CACHE_HOME to a directory of your own.\n`,
    );
    await chown(dir, 0, 0);
    await chmod(dir, 0o750);
    assert.equal(await refused(), `awsmfa: error: the cache directory ${dir} is open to other users (mode 0750)\n  Run: chmod 700 ${dir}\n`);
  });
});

test('a crash between writing an entry and renaming it leaves the old entry; the leftover is cleaned up later', async () => {
  await withWorld({}, async (world) => {
    const first = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(first.code, 0, first.stderr);
    const dir = cacheDirOf(world);
    const [entry] = (await readdir(dir)).filter((name) => name.startsWith('session-'));
    const path = join(dir, entry!);
    const old = await readFile(path, 'utf8');

    // A writer killed with SIGKILL once its temporary file is complete and before the rename (see crash-writer.ts).
    const replacement: CachedSession = { ...JSON.parse(old), sessionToken: 'REPLACEMENT-TOKEN' };
    const writer = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'crash-writer.ts'), dir, path], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    writer.stdin.end(JSON.stringify(replacement));
    let said = '';
    writer.stdout.setEncoding('utf8').on('data', (text: string) => (said += text));
    await waitUntil(() => said.includes('renaming'), 20_000, 'the writer to reach the rename');
    const closed = new Promise((resolve) => writer.on('close', resolve));
    writer.kill('SIGKILL');
    await closed;

    const leftovers = (await readdir(dir)).filter((name) => name.startsWith('.tmp-'));
    assert.equal(leftovers.length, 1, 'the temporary file is there, complete');
    assert.match(await readFile(join(dir, leftovers[0]!), 'utf8'), /REPLACEMENT-TOKEN/);
    assert.equal(await readFile(path, 'utf8'), old, 'the entry is the old one, whole');

    const again = await awsmfa(['env', 'doug', '--shell', 'bash'], { env: world.env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, first.stdout, 'the old session is exported');
    assert.match(again.stderr, /cached session/);

    // The next write removes a temporary file that no write could still be using.
    const then = (Date.now() - 120_000) / 1000;
    await utimes(join(dir, leftovers[0]!), then, then);
    assert.equal((await awsmfa(['env', 'doug', '--force', '--token-code', world.code()], { env: world.env })).code, 0);
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('.')), []);
  });
});

test('no torn entry: readers racing 200 writers of one entry see a whole session every time', async () => {
  await withWorld({ credentials: DEFAULT_CREDENTIALS }, async (world) => {
    const cache = new SessionCache(cacheDirOf(world));
    const session = (n: number): CachedSession => ({
      version: 1,
      kind: 'mfa',
      profile: 'doug',
      sourceKeyId: 'AKIADOUGDOUG0EXAMPLE',
      accessKeyId: `ASIA${String(n).padStart(16, '0')}`,
      secretAccessKey: 'x'.repeat(40 + n),
      sessionToken: 't'.repeat(4000 + n),
      expiration: new Date(Date.now() + 3600_000).toISOString(),
      createdAt: new Date().toISOString(),
    });
    await cache.write('k', session(0));
    let reads = 0;
    const writers = Array.from({ length: 200 }, (_, n) => cache.write('k', session(n + 1)));
    const readers = Array.from({ length: 200 }, async () => {
      const read = await cache.read('k');
      assert.ok(read !== undefined, 'never a miss while an entry exists');
      const n = Number(read.accessKeyId.slice(4));
      assert.equal(read.secretAccessKey.length, 40 + n);
      assert.equal(read.sessionToken.length, 4000 + n);
      reads += 1;
    });
    await Promise.all([...writers, ...readers]);
    assert.equal(reads, 200);
    assert.deepEqual((await readdir(cache.dir)).filter((name) => name.startsWith('.')), []);
  });
});

test('20 concurrent login --to-profile runs to 20 profiles: every section is written, none lost', async () => {
  await withWorld({}, async (world) => {
    const seeded = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(seeded.code, 0, seeded.stderr);
    const before = await readFile(world.credentialsPath, 'utf8');
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, index) => awsmfa(['login', 'doug', '--to-profile', `parallel-${index}`], { env: world.env })),
    );
    for (const [index, run] of runs.entries()) assert.equal(run.code, 0, `run ${index}: ${run.stderr}`);
    const after = await readFile(world.credentialsPath, 'utf8');
    const written = Array.from({ length: 20 }, (_, index) => `parallel-${index}`).filter((name) => after.includes(`[${name}]\n`));
    assert.equal(written.length, 20, `sections written: ${written.join(', ')}`);
    assert.ok(after.startsWith(before), 'what was there is kept, byte for byte');
    assert.deepEqual((await readdir(cacheDirOf(world))).filter((name) => name.startsWith('lock-')), [], 'no lock left');
  });
});
