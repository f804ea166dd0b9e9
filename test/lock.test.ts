/**
 * The device lock in-process: which lock files are refused (every group and other bit of the mode),
 * when a lock is left over (both sides of each age: the unwritten file's grace, the longest hold), how
 * the wait is configured and how it ends. The same lock under real processes and signals is in
 * concurrency.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsmfaError } from '../src/errors.js';
import { SessionCache } from '../src/session/cache.js';
import { DEFAULT_LOCK_WAIT_SECONDS, LOCK_MAX_HOLD_MS, lockDevice, lockPath, lockWaitSeconds } from '../src/session/lock.js';
import { waitUntil } from './helpers/faults.js';

const DEVICE = 'arn:aws:iam::123456789012:mfa/doug';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'awsmfa-lock-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

let n = 0;
async function freshCache(): Promise<SessionCache> {
  const cache = new SessionCache(join(base, `c${n++}`, 'awsmfa'));
  await cache.ensureDirectory();
  return cache;
}

/** What lockDevice wrote to stderr (as it goes, in `said`), and the lock (or the error). */
async function lock(cache: SessionCache, waitSeconds: string, said: { text: string } = { text: '' }) {
  const sink = { write: (chunk: string) => ((said.text += chunk), true), isTTY: false } as unknown as NodeJS.WritableStream;
  try {
    const held = await lockDevice(cache, DEVICE, { env: { AWSMFA_LOCK_TIMEOUT: waitSeconds }, stderr: sink, what: DEVICE });
    return { held, stderr: said.text, error: undefined };
  } catch (error) {
    return { held: undefined, stderr: said.text, error: error as AwsmfaError };
  }
}

/** Writes a lock file as another run would have, `ageMs` old. */
async function planted(cache: SessionCache, content: string, ageMs: number, mode = 0o600): Promise<string> {
  const path = lockPath(cache, DEVICE);
  await writeFile(path, content, { mode });
  await chmod(path, mode);
  const then = (Date.now() - ageMs) / 1000;
  await utimes(path, then, then);
  return path;
}

const holder = (pid: number, host = hostname(), since = '2020-01-01T00:00:00.000Z') => `${JSON.stringify({ pid, host, since })}\n`;

/** A pid that no process has: one above the kernel's limit. */
const DEAD_PID = 2 ** 22 + 1;

test('the lock is created 0600 with its holder, and release() removes it', async () => {
  const cache = await freshCache();
  const { held, error } = await lock(cache, '0');
  assert.equal(error, undefined);
  assert.equal(held!.path, lockPath(cache, DEVICE));
  assert.equal((await stat(held!.path)).mode & 0o777, 0o600);
  const written = JSON.parse(await readFile(held!.path, 'utf8'));
  assert.equal(written.pid, process.pid);
  assert.equal(written.host, hostname());
  assert.ok(Math.abs(Date.parse(written.since) - Date.now()) < 60_000, 'since: when it was taken');
  held!.release();
  await assert.rejects(stat(held!.path), { code: 'ENOENT' });
});

test('release() leaves a lock that is no longer ours', async () => {
  const cache = await freshCache();
  const { held } = await lock(cache, '0');
  await writeFile(held!.path, holder(process.pid, hostname(), 'another run'), { mode: 0o600 });
  held!.release();
  assert.match(await readFile(held!.path, 'utf8'), /another run/);
});

describe('a lock file open to group or others is refused, whichever bit', () => {
  for (const bit of [0o040, 0o020, 0o010, 0o004, 0o002, 0o001]) {
    const mode = 0o600 | bit;
    test(`mode ${mode.toString(8).padStart(4, '0')}`, async () => {
      const cache = await freshCache();
      const path = await planted(cache, holder(process.pid), 0, mode);
      const { error } = await lock(cache, '0');
      assert.ok(error instanceof AwsmfaError, 'refused');
      assert.equal(error.message, `the lock file ${path} is open to other users (mode ${mode.toString(8).padStart(4, '0')})`);
      assert.equal(error.hint, `awsmfa creates it 0600; something else made this one. Remove it: rm ${path}`);
      assert.equal((await stat(path)).mode & 0o777, mode, 'left as it was');
    });
  }

  test('mode 0600 and 0400 are the user\'s alone: waited for, not refused', async () => {
    for (const mode of [0o600, 0o400]) {
      const cache = await freshCache();
      await planted(cache, holder(process.pid, hostname(), new Date().toISOString()), 0, mode);
      const { error } = await lock(cache, '0');
      assert.match(error?.message ?? '', /another awsmfa \(pid \d+\) is getting a session/, mode.toString(8));
    }
  });
});

test('a lock path that is a link or a directory is refused', async () => {
  const cache = await freshCache();
  const path = lockPath(cache, DEVICE);
  await symlink(join(base, 'nowhere'), path);
  assert.equal((await lock(cache, '0')).error?.message, `the lock file ${path} is not a regular file`);
  await rm(path);
  await mkdir(path);
  const { error } = await lock(cache, '0');
  assert.equal(error?.message, `the lock file ${path} is not a regular file`);
  assert.equal(error?.hint, `Remove it: rm -r ${path}`);
});

describe('when a lock is left over: both sides of every age', () => {
  const cases: ReadonlyArray<readonly [what: string, content: () => string, ageMs: number, takenOver: RegExp | undefined]> = [
    ['an empty lock 9 s old (its holder may still be writing it)', () => '', 9_000, undefined],
    ['an empty lock 11 s old', () => '', 11_000, /^awsmfa: took over an unreadable lock\n$/],
    ['garbage 11 s old', () => 'not json', 11_000, /^awsmfa: took over an unreadable lock\n$/],
    ['a live holder 14 minutes into its hold', () => holder(process.pid), LOCK_MAX_HOLD_MS - 60_000, undefined],
    ['a live holder 16 minutes into its hold', () => holder(process.pid), LOCK_MAX_HOLD_MS + 60_000, /^awsmfa: took over a lock held since 2020-01-01T00:00:00\.000Z\n$/],
    ['a live holder on another machine, 14 minutes in', () => holder(DEAD_PID, 'elsewhere'), LOCK_MAX_HOLD_MS - 60_000, undefined],
    ['a holder on another machine, 16 minutes in', () => holder(DEAD_PID, 'elsewhere'), LOCK_MAX_HOLD_MS + 60_000, /^awsmfa: took over a lock held since/],
    ['a holder on this machine that is no longer running, just taken', () => holder(DEAD_PID), 0, new RegExp(`^awsmfa: took over a lock left by awsmfa \\(pid ${DEAD_PID}\\), which is no longer running\n$`)],
    ['a holder with pid 0 (never a real holder)', () => holder(0), 0, /^awsmfa: took over a lock left by awsmfa \(pid 0\)/],
    ['a holder with a negative pid', () => holder(-1), 0, /^awsmfa: took over a lock left by awsmfa \(pid -1\)/],
    ['a holder with a fractional pid', () => holder(1.5), 0, /^awsmfa: took over a lock left by awsmfa \(pid 1\.5\)/],
  ];
  for (const [what, content, ageMs, takenOver] of cases) {
    test(`${what}: ${takenOver ? 'taken over' : 'waited for'}`, async () => {
      const cache = await freshCache();
      const path = await planted(cache, content(), ageMs);
      const { held, stderr, error } = await lock(cache, '0');
      if (takenOver) {
        assert.equal(error, undefined, error?.message);
        assert.match(stderr, takenOver);
        assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid, 'the lock is ours now');
        held!.release();
        assert.deepEqual(await readdir(cache.dir), [], 'nothing set aside is left');
      } else {
        assert.ok(error instanceof AwsmfaError, 'not taken over');
        assert.match(error.message, / is getting a session for arn:aws:iam::123456789012:mfa\/doug, and this one stopped waiting after 0 s$/);
        assert.equal(await readFile(path, 'utf8'), content(), 'the lock is left alone');
      }
    });
  }

  test('the holder is named as it is: a pid here, a pid and host elsewhere, or nothing when unreadable', async () => {
    for (const [content, who] of [
      [holder(process.pid), `another awsmfa (pid ${process.pid})`],
      [holder(DEAD_PID, 'elsewhere'), `another awsmfa (pid ${DEAD_PID} on elsewhere)`],
      ['', 'another awsmfa'],
      [JSON.stringify({ pid: '12', host: 'h', since: 's' }), 'another awsmfa'],
      [JSON.stringify({ pid: 12, host: 7, since: 's' }), 'another awsmfa'],
      [JSON.stringify({ pid: 12, host: 'h', since: 7 }), 'another awsmfa'],
      ['null', 'another awsmfa'],
    ] as const) {
      const cache = await freshCache();
      const path = await planted(cache, content, 0);
      const { error } = await lock(cache, '0');
      assert.equal(error?.message, `${who} is getting a session for ${DEVICE}, and this one stopped waiting after 0 s`, content);
      assert.equal(
        error?.hint,
        `Finish or cancel that one (it may be asking for the MFA code in another terminal), then try again; if no awsmfa is running, remove ${path}. AWSMFA_LOCK_TIMEOUT sets the wait in seconds.`,
      );
    }
  });
});

test('at the exact edge of each age the lock is still waited for; a millisecond later it is taken over', async (t) => {
  // The clock stands still (only Date is mocked; the lock's timers are real), so that the age the lock
  // computes is exactly the one planted: a file's whole-second mtime against a whole-millisecond now.
  const now = 1_800_000_000_000;
  mock.timers.enable({ apis: ['Date'], now });
  t.after(() => mock.timers.reset());
  for (const [what, content, limitMs] of [
    ['an unreadable lock at its grace of 10 s', '', 10_000],
    ['a live holder at the longest hold of 15 minutes', holder(process.pid), LOCK_MAX_HOLD_MS],
  ] as const) {
    for (const overMs of [0, 1]) {
      const cache = await freshCache();
      const path = lockPath(cache, DEVICE);
      await writeFile(path, content, { mode: 0o600 });
      await utimes(path, (now - limitMs - overMs) / 1000, (now - limitMs - overMs) / 1000);
      assert.equal(now - (await stat(path)).mtimeMs, limitMs + overMs, 'the planted age, to the millisecond');
      const { held, error } = await lock(cache, '0');
      if (overMs === 0) {
        assert.match(error?.message ?? '', /and this one stopped waiting after 0 s$/, `${what}: waited for`);
      } else {
        assert.equal(error, undefined, `${what} + 1 ms: taken over`);
        held!.release();
      }
    }
  }
});

describe('the wait', () => {
  test('AWSMFA_LOCK_TIMEOUT: seconds, 0 for none; anything else is the default', () => {
    assert.equal(DEFAULT_LOCK_WAIT_SECONDS, 120);
    assert.equal(lockWaitSeconds({}), 120);
    for (const [value, seconds] of [['0', 0], ['2.5', 2.5], ['300', 300], ['', 120], ['-1', 120], ['soon', 120], ['Infinity', 120]] as const) {
      assert.equal(lockWaitSeconds({ AWSMFA_LOCK_TIMEOUT: value }), seconds, JSON.stringify(value));
    }
  });

  test('a run that waits says so once, and gets the lock as soon as the holder lets go', async () => {
    const cache = await freshCache();
    const first = await lock(cache, '0');
    const said = { text: '' };
    // Ten seconds is far longer than the release takes, and bounds a run where the release never comes.
    const second = lock(cache, '10', said);
    // The holder lets go once the second run has said it is waiting: a state awaited, not a guessed delay.
    const path = first.held!.path;
    await waitUntil(() => said.text.includes('waiting for'), 10_000, 'the second run to wait');
    // Several polls (every 100–200 ms) go by before the release, so that saying it once is shown.
    await sleep(700);
    first.held!.release();
    const { held, stderr, error } = await second;
    assert.equal(error, undefined);
    assert.equal(stderr, `awsmfa: waiting for another awsmfa (pid ${process.pid}), which is getting a session for ${DEVICE}\n`);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid);
    held!.release();
  });

  test('a run that cannot get the lock gives up after its wait, not before, with the holder named', async () => {
    const cache = await freshCache();
    const first = await lock(cache, '0');
    const started = Date.now();
    const { stderr, error } = await lock(cache, '0.5');
    assert.ok(Date.now() - started >= 500, 'waited the whole half second');
    assert.equal(error?.message, `another awsmfa (pid ${process.pid}) is getting a session for ${DEVICE}, and this one stopped waiting after 1 s`);
    assert.match(stderr, /^awsmfa: waiting for another awsmfa/);
    first.held!.release();
  });
});

test('a lock file of another owner is refused with the fix', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('giving a file to another user needs root (chown)');
  const cache = await freshCache();
  const path = await planted(cache, holder(process.pid), 0);
  await chown(path, 4242, 4242);
  const { error } = await lock(cache, '0');
  assert.equal(error?.message, `the lock file ${path} belongs to another user (uid 4242)`);
  assert.equal(error?.hint, `Someone else can write in your cache directory: check it (ls -la ${cache.dir}), then remove the file: rm ${path}`);
});

test('taking and releasing the lock closes every file it opens', async () => {
  const cache = await freshCache();
  const open = async () => (await readdir('/proc/self/fd')).length;
  const before = await open();
  for (let i = 0; i < 20; i += 1) {
    const { held } = await lock(cache, '0');
    held!.release();
  }
  assert.equal(await open(), before);
});

test('the lock file\'s name is fixed: lock-<first 40 hex of the device\'s SHA-256>.lock, the same in every version', async () => {
  // Two versions of awsmfa running at once exclude each other only if they name the lock alike.
  const cache = await freshCache();
  const hash = createHash('sha256').update(DEVICE).digest('hex').slice(0, 40);
  assert.equal(lockPath(cache, DEVICE), join(cache.dir, `lock-${hash}.lock`));
});
