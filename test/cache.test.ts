import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, mock, test } from 'node:test';
import { AwsmfaError } from '../src/errors.js';
import { refuseReusedCode, rememberUsedCode } from '../src/mfa/reuse.js';
import { cacheDir, secondsLeft, SessionCache, type CachedSession } from '../src/session/cache.js';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'awsmfa-cache-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

const entry = (profile: string, expiration = new Date(Date.now() + 3600_000).toISOString()): CachedSession => ({
  version: 1,
  kind: 'mfa',
  profile,
  sourceKeyId: 'AKIADOUGDOUG0EXAMPLE',
  mfaSerial: 'arn:aws:iam::123456789012:mfa/doug',
  accessKeyId: 'ASIASESSION00EXAMPLE',
  secretAccessKey: 'secret',
  sessionToken: 'token',
  expiration,
  createdAt: new Date().toISOString(),
});

let n = 0;
const freshCache = () => new SessionCache(join(base, `c${n++}`, 'awsmfa'));

test('the cache lives in $XDG_CACHE_HOME/awsmfa, else ~/.cache/awsmfa', () => {
  assert.equal(cacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }), '/x/cache/awsmfa');
  assert.equal(cacheDir({ HOME: '/home/u' }), '/home/u/.cache/awsmfa');
  assert.equal(cacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' }), '/home/u/.cache/awsmfa', 'a relative XDG path is ignored, as the spec says');
});

test('written files are 0600 in a 0700 directory, and read back whole', async () => {
  const cache = freshCache();
  const written = entry('doug');
  await cache.write('k', written);
  assert.equal((await stat(cache.dir)).mode & 0o777, 0o700);
  assert.equal((await stat(cache.fileFor('k'))).mode & 0o777, 0o600);
  assert.deepEqual(await cache.read('k'), written);
});

test('the file name does not contain the profile name', async () => {
  const cache = freshCache();
  await cache.write('../../$(reboot)\nevil', entry('../../$(reboot)\nevil'));
  const names = await readdir(cache.dir);
  assert.equal(names.length, 1);
  assert.match(names[0]!, /^session-[0-9a-f]{40}\.json$/);
});

test('a write replaces the old entry atomically and leaves no temporary file', async () => {
  const cache = freshCache();
  await cache.write('k', entry('first'));
  const inode = (await stat(cache.fileFor('k'))).ino;
  await cache.write('k', entry('second'));
  assert.equal((await cache.read('k'))?.profile, 'second');
  assert.notEqual((await stat(cache.fileFor('k'))).ino, inode, 'a new file was renamed into place');
  assert.deepEqual((await readdir(cache.dir)).filter((name) => name.startsWith('.tmp')), []);
});

test('a leftover temporary file from a crash mid-write does not disturb the entry', async () => {
  const cache = freshCache();
  await cache.write('k', entry('kept'));
  await writeFile(join(cache.dir, '.tmp-99999-abcdef'), '{"version":1,"kind":"mf', { mode: 0o600 });
  assert.equal((await cache.read('k'))?.profile, 'kept');
  assert.equal((await cache.entries()).length, 1);
});

for (const [what, text] of [
  ['truncated', '{"version":1,"kind":"mfa","profile":"doug","acc'],
  ['empty', ''],
  ['not an object', '[1,2,3]'],
  ['missing the token', JSON.stringify({ ...entry('doug'), sessionToken: undefined })],
  ['a bad date', JSON.stringify({ ...entry('doug'), expiration: 'soon' })],
  ['another version', JSON.stringify({ ...entry('doug'), version: 2 })],
  ['another kind', JSON.stringify({ ...entry('doug'), kind: 'sso' })],
  ['a number for a key', JSON.stringify({ ...entry('doug'), accessKeyId: 42 })],
  ['an optional field that is not text', JSON.stringify({ ...entry('doug'), mfaSerial: null })],
  ['a field named __proto__', `{"__proto__":{},${JSON.stringify(entry('doug')).slice(1)}`],
  ['a field named constructor', JSON.stringify({ ...entry('doug'), constructor: 'x' })],
  ['null', 'null'],
  ['binary', '\u0000\u0001\u00ff'],
] as const) {
  test(`a corrupt cache file (${what}) is a miss, not a crash`, async () => {
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    await writeFile(cache.fileFor('k'), text, { mode: 0o600 });
    assert.equal(await cache.read('k'), undefined);
  });
}

const GROUP_AND_OTHER_BITS = [0o040, 0o020, 0o010, 0o004, 0o002, 0o001];
const octal = (mode: number) => mode.toString(8).padStart(4, '0');

for (const bit of GROUP_AND_OTHER_BITS) {
  test(`a cache directory of mode ${octal(0o700 | bit)} is refused with the fix, for reading and writing`, async () => {
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    await chmod(cache.dir, 0o700 | bit);
    const refusal = (error: AwsmfaError) =>
      error.message === `the cache directory ${cache.dir} is open to other users (mode ${octal(0o700 | bit)})` && error.hint === `Run: chmod 700 ${cache.dir}`;
    await assert.rejects(cache.read('k'), refusal);
    await assert.rejects(cache.write('k', entry('x')), refusal);
    await assert.rejects(cache.entries(), refusal);
    await chmod(cache.dir, 0o700);
    assert.equal((await cache.read('k'))?.profile, 'doug', 'nothing was written');
  });

  test(`a cache directory of mode ${octal(0o700 | bit)} is refused to the reuse guard's record too`, async () => {
    const cache = freshCache();
    await cache.writeJson(cache.fileFor('serial', 'codes'), []);
    await chmod(cache.dir, 0o700 | bit);
    await assert.rejects(cache.readRecord(cache.fileFor('serial', 'codes')), /is open to other users/);
  });

  test(`a cache file of mode ${octal(0o600 | bit)} is refused with the fix`, async () => {
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    await chmod(cache.fileFor('k'), 0o600 | bit);
    await assert.rejects(
      cache.read('k'),
      (error: AwsmfaError) =>
        error.message === `the cache file ${cache.fileFor('k')} is readable by other users (mode ${octal(0o600 | bit)})` &&
        error.hint === `Its keys may have been read: run \`awsmfa clear\`, or at least chmod 600 ${cache.fileFor('k')}.`,
    );
  });
}

test('a cache file of mode 0400, the user\'s alone, is read', async () => {
  const cache = freshCache();
  await cache.write('k', entry('doug'));
  await chmod(cache.fileFor('k'), 0o400);
  assert.equal((await cache.read('k'))?.profile, 'doug');
});

test('a cache file that is a symbolic link is refused', async () => {
  const cache = freshCache();
  await cache.write('other', entry('doug'));
  await symlink(cache.fileFor('other'), cache.fileFor('k'));
  await assert.rejects(cache.read('k'), /symbolic link/);
});

test('a cache path that is a file, not a directory, is refused', async () => {
  const dir = join(base, `c${n++}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'awsmfa'), 'not a dir');
  await assert.rejects(new SessionCache(join(dir, 'awsmfa')).read('k'), /not a directory/);
});

test('a missing cache is a miss and creates nothing', async () => {
  const cache = freshCache();
  assert.equal(await cache.read('k'), undefined);
  await assert.rejects(stat(cache.dir), { code: 'ENOENT' });
});

test('a used MFA code is refused for the same device within its window, and only then', async () => {
  const cache = freshCache();
  const serial = 'arn:aws:iam::123456789012:mfa/doug';
  const now = 1_800_000_000;
  await rememberUsedCode(cache, serial, '123456', now);
  await assert.rejects(refuseReusedCode(cache, serial, '123456', now + 20), /already used[\s\S]*/);
  await refuseReusedCode(cache, serial, '654321', now + 20);
  await refuseReusedCode(cache, 'arn:aws:iam::123456789012:mfa/other', '123456', now + 20);
  await refuseReusedCode(cache, serial, '123456', now + 120);
  const text = await readFile(cache.fileFor(serial, 'codes'), 'utf8');
  assert.ok(!text.includes('123456'), 'codes are remembered as hashes only');
});

test('a used MFA code: refused up to 89 s after, accepted from 90 s (three 30-second steps), with the wait to the next code', async () => {
  const cache = freshCache();
  const serial = 'arn:aws:iam::123456789012:mfa/doug';
  const now = 1_800_000_000; // a multiple of 30: the start of a TOTP step
  await rememberUsedCode(cache, serial, '123456', now);
  // The wait runs to the end of the latest window the code could belong to: the next one, here ending at +60 s.
  for (const [after, wait] of [[0, 60], [20, 40], [29.5, 31], [59, 1], [60, 1], [89, 1]] as const) {
    await assert.rejects(
      refuseReusedCode(cache, serial, '123456', now + after),
      (error: AwsmfaError) =>
        error.message === `this MFA code was already used for ${serial} ${Math.round(after)} s ago, and AWS accepts each code once` &&
        error.hint === `Wait for the next code (at most ${wait} s) and try again.`,
      `${after} s after`,
    );
  }
  await refuseReusedCode(cache, serial, '123456', now + 90);
  await refuseReusedCode(cache, serial, '123456', now + 3600);
});

test('used MFA codes are kept for their window only, and a damaged record forgets nothing it should not', async () => {
  const cache = freshCache();
  const serial = 'arn:aws:iam::123456789012:mfa/doug';
  const now = 1_800_000_000;
  await rememberUsedCode(cache, serial, '111111', now);
  await rememberUsedCode(cache, serial, '222222', now + 60);
  await rememberUsedCode(cache, serial, '333333', now + 100);
  const kept = JSON.parse(await readFile(cache.fileFor(serial, 'codes'), 'utf8')) as { hash: string; at: number }[];
  assert.deepEqual(kept.map((entry) => entry.at), [now + 60, now + 100], 'the code of 100 s ago is dropped when the next is remembered');
  for (const entry of kept) assert.match(entry.hash, /^[0-9a-f]{64}$/);
  await assert.rejects(refuseReusedCode(cache, serial, '222222', now + 100), /already used/);
  await refuseReusedCode(cache, serial, '111111', now + 100);
  // Entries of the wrong shape are ignored, the others still count. They are recent, so that only
  // their shape (not their age) can drop them: a hash that is no string, a time that is a string.
  const malformed = [{ hash: 1, at: now + 100 }, { hash: 'x' }, { hash: 'y', at: String(now + 100) }, null];
  await writeFile(cache.fileFor(serial, 'codes'), JSON.stringify([...malformed, ...kept]), { mode: 0o600 });
  await assert.rejects(refuseReusedCode(cache, serial, '333333', now + 101), /already used/);
  // Remembering a code writes back only what is well formed.
  await rememberUsedCode(cache, serial, '444444', now + 101);
  const cleaned = JSON.parse(await readFile(cache.fileFor(serial, 'codes'), 'utf8')) as { hash: unknown; at: unknown }[];
  assert.deepEqual(cleaned.map((entry) => [typeof entry.hash, entry.at]), [['string', now + 60], ['string', now + 100], ['string', now + 101]]);
  await writeFile(cache.fileFor(serial, 'codes'), JSON.stringify({ not: 'a list' }), { mode: 0o600 });
  await refuseReusedCode(cache, serial, '333333', now + 101);
  await rememberUsedCode(cache, serial, '333333', now + 101);
  await assert.rejects(refuseReusedCode(cache, serial, '333333', now + 102), /already used/);
  assert.equal(JSON.parse(await readFile(cache.fileFor(serial, 'codes'), 'utf8')).length, 1, 'the damaged record is replaced by the one code');
});

test('used MFA codes on the real clock: remembered now, refused now', async () => {
  const cache = freshCache();
  const serial = 'arn:aws:iam::123456789012:mfa/doug';
  await rememberUsedCode(cache, serial, '123456');
  await assert.rejects(refuseReusedCode(cache, serial, '123456', Date.now() / 1000), /already used/);
  const [remembered] = JSON.parse(await readFile(cache.fileFor(serial, 'codes'), 'utf8')) as { at: number }[];
  assert.ok(Math.abs(remembered!.at - Date.now() / 1000) < 60, 'in seconds, from the real clock');
  await rememberUsedCode(cache, serial, '654321', Date.now() / 1000);
  await assert.rejects(refuseReusedCode(cache, serial, '654321'), /already used/);
});

describe('the rest of the cache, edge by edge', () => {
  test('secondsLeft() counts whole seconds down, from the given moment or now', () => {
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    assert.equal(secondsLeft({ expiration: '2026-01-01T00:01:30.500Z' }, now), 90);
    assert.equal(secondsLeft({ expiration: '2026-01-01T00:00:00.000Z' }, now), 0);
    assert.equal(secondsLeft({ expiration: '2025-12-31T23:59:59.500Z' }, now), -1);
    const soon = new Date(Date.now() + 3600_000).toISOString();
    assert.ok([3599, 3600].includes(secondsLeft({ expiration: soon })));
  });

  test('forEnvironment() uses the environment given', () => {
    assert.equal(SessionCache.forEnvironment({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }).dir, '/x/cache/awsmfa');
  });

  test('an entry with fields a later version added is still read', async () => {
    const cache = freshCache();
    await cache.write('k', { ...entry('doug'), note: 'from a later version' } as CachedSession);
    assert.equal((await cache.read('k'))?.profile, 'doug');
  });

  test('a cache directory that cannot be looked at is refused with its error code and the fix', async () => {
    const file = join(base, `c${n++}`);
    await writeFile(file, 'a file where a directory should be');
    const cache = new SessionCache(join(file, 'awsmfa'));
    await assert.rejects(
      cache.read('k'),
      (error: AwsmfaError) =>
        error.message === `cannot use the cache directory ${cache.dir} (ENOTDIR)` &&
        error.hint === `Check ${cache.dir} and its parents, or set XDG_CACHE_HOME to a directory of your own.`,
    );
  });

  test('a cache path that is a file: the exact refusal', async () => {
    const dir = join(base, `c${n++}`);
    await mkdir(dir, { recursive: true });
    const cache = new SessionCache(join(dir, 'awsmfa'));
    await writeFile(cache.dir, 'not a dir');
    await assert.rejects(
      cache.write('k', entry('doug')),
      (error: AwsmfaError) => error.message === `the cache path ${cache.dir} is not a directory` && error.hint === `Remove it (rm ${cache.dir}); awsmfa will create the directory.`,
    );
  });

  test('a cache entry that is a link or a directory: the exact refusals', async () => {
    const cache = freshCache();
    await cache.write('other', entry('doug'));
    await symlink(cache.fileFor('other'), cache.fileFor('k'));
    await assert.rejects(
      cache.read('k'),
      (error: AwsmfaError) => error.message === `the cache file ${cache.fileFor('k')} is a symbolic link` && error.hint === `Remove it: rm ${cache.fileFor('k')}`,
    );
    await rm(cache.fileFor('k'));
    await mkdir(cache.fileFor('k'));
    await assert.rejects(
      cache.read('k'),
      (error: AwsmfaError) => error.message === `the cache file ${cache.fileFor('k')} is not a regular file` && error.hint === `Remove it: rm -r ${cache.fileFor('k')}`,
    );
  });

  test('a cache directory or entry of another owner is refused with the fix', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('giving a file to another user needs root (chown)');
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    await chown(cache.fileFor('k'), 4242, 4242);
    await assert.rejects(
      cache.read('k'),
      (error: AwsmfaError) =>
        error.message === `the cache file ${cache.fileFor('k')} belongs to another user (uid 4242)` && error.hint === `Remove it: rm ${cache.fileFor('k')}`,
    );
    await chown(cache.dir, 4242, 4242);
    await assert.rejects(
      cache.read('k'),
      (error: AwsmfaError) =>
        error.message === `the cache directory ${cache.dir} belongs to another user (uid 4242)` &&
        error.hint === "Remove it (it may hold someone else's sessions) or set XDG_CACHE_HOME to a directory of your own.",
    );
  });

  test('reads and writes close every file they open', async () => {
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    const open = async () => (await readdir('/proc/self/fd')).length;
    const before = await open();
    for (let i = 0; i < 20; i += 1) {
      await cache.read('k');
      await cache.write('k', entry('doug'));
      await cache.read('missing');
    }
    await writeFile(cache.fileFor('bad'), '{', { mode: 0o600 });
    for (let i = 0; i < 20; i += 1) await cache.read('bad');
    assert.equal(await open(), before);
  });

  test('a write that cannot be renamed into place fails and leaves no temporary file', async () => {
    const cache = freshCache();
    await cache.write('other', entry('doug'));
    await mkdir(cache.fileFor('k'));
    await writeFile(join(cache.fileFor('k'), 'inside'), 'x');
    await assert.rejects(cache.write('k', entry('doug')), (error: NodeJS.ErrnoException) => typeof error.code === 'string');
    assert.deepEqual((await readdir(cache.dir)).filter((name) => name.startsWith('.')), []);
  });

  test('a write sweeps away abandoned temporary files: older than a minute, and only those', async () => {
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    const aged = async (name: string, seconds: number, directory = false) => {
      const path = join(cache.dir, name);
      if (directory) await mkdir(path);
      else await writeFile(path, 'x', { mode: 0o600 });
      const then = (Date.now() - seconds * 1000) / 1000;
      await utimes(path, then, then);
    };
    await aged('.tmp-1-old', 61);
    await aged('.stale-1-old', 61);
    await aged('.tmp-2-young', 55);
    await aged('.stale-2-young', 55);
    await aged('.other-old', 3600);
    await aged('notes.tmp-', 3600);
    await aged('.tmp-3-directory', 3600, true);
    await cache.write('k', entry('doug'));
    assert.deepEqual(
      (await readdir(cache.dir)).filter((name) => !name.startsWith('session-')).sort(),
      ['.other-old', '.stale-2-young', '.tmp-2-young', '.tmp-3-directory', 'notes.tmp-'],
    );
  });

  test('the sweep at the exact minute: a temporary file just 60 s old stays, one a millisecond older goes', async (t) => {
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    // The clock stands still (only Date is mocked), so that the age the sweep computes is the one planted.
    const now = 1_800_000_000_000;
    mock.timers.enable({ apis: ['Date'], now });
    t.after(() => mock.timers.reset());
    for (const [name, ageMs] of [['.tmp-1-edge', 60_000], ['.tmp-2-over', 60_001]] as const) {
      const path = join(cache.dir, name);
      await writeFile(path, 'x', { mode: 0o600 });
      await utimes(path, (now - ageMs) / 1000, (now - ageMs) / 1000);
      assert.ok(now - (await stat(path)).mtimeMs >= ageMs, 'at least the planted age');
    }
    assert.equal(now - (await stat(join(cache.dir, '.tmp-1-edge'))).mtimeMs, 60_000, 'exactly a minute');
    await cache.write('k', entry('doug'));
    assert.deepEqual((await readdir(cache.dir)).filter((name) => name.startsWith('.tmp-')), ['.tmp-1-edge']);
  });

  test('a FIFO or a device where an entry should be is a miss; a socket, which cannot be opened, is refused with its error', async (t) => {
    const cache = freshCache();
    await cache.ensureDirectory();
    await promisify(execFile)('mkfifo', [cache.fileFor('fifo')]);
    assert.equal(await cache.read('fifo'), undefined, 'a FIFO nobody writes to: a miss, at once');
    const socket = cache.fileFor('socket');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    t.after(() => server.close());
    await assert.rejects(cache.read('socket'), (error: AwsmfaError) => error.message === `cannot read the cache file ${socket} (ENXIO)` && error.hint === `Remove it: rm ${socket}`);
    // A character device (1,3 is /dev/null's), where the system lets this user make one.
    const made = await promisify(execFile)('mknod', ['-m', '600', cache.fileFor('device'), 'c', '1', '3']).then(() => true, () => false);
    if (!made) return t.skip('mknod is not allowed here: the device case is not run');
    assert.equal(await cache.read('device'), undefined, 'a device: a miss');
  });

  test('remove() says whether there was an entry, and refuses what is not one', async () => {
    const cache = freshCache();
    await cache.write('k', entry('doug'));
    assert.equal(await cache.remove('k'), true);
    assert.equal(await cache.remove('k'), false);
    assert.equal(await cache.read('k'), undefined);
    await mkdir(cache.fileFor('d'));
    await assert.rejects(cache.remove('d'), (error: NodeJS.ErrnoException) => error.code === 'EISDIR' || error.code === 'EPERM');
  });

  test('entries() lists the readable sessions in name order, and nothing else', async () => {
    const missing = freshCache();
    assert.deepEqual(await missing.entries(), []);
    const cache = freshCache();
    for (const key of ['a', 'b', 'c']) await cache.write(key, entry(key));
    await writeFile(cache.fileFor('corrupt'), '{', { mode: 0o600 });
    await cache.writeJson(cache.fileFor('serial', 'codes'), []);
    await writeFile(join(cache.dir, 'session-notes.txt'), JSON.stringify(entry('txt')), { mode: 0o600 });
    await writeFile(join(cache.dir, 'other.json'), JSON.stringify(entry('other')), { mode: 0o600 });
    const listed = await cache.entries();
    const expected = ['a', 'b', 'c'].map((key) => cache.fileFor(key)).sort();
    assert.deepEqual(listed.map((item) => item.path), expected);
    for (const item of listed) assert.equal(item.path, cache.fileFor(item.session.profile));
  });
});
