import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AwsmfaError } from '../src/errors.js';
import { refuseReusedCode, rememberUsedCode } from '../src/mfa/reuse.js';
import { cacheDir, SessionCache, type CachedSession } from '../src/session/cache.js';

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
  for (const [after, wait] of [[0, 30], [20, 10], [29.5, 1], [60, 30], [89, 1]] as const) {
    await assert.rejects(
      refuseReusedCode(cache, serial, '123456', now + after),
      (error: AwsmfaError) =>
        error.message === `this MFA code was already used for ${serial} ${Math.round(after)} s ago, and AWS accepts each code once` &&
        error.hint === `Wait for the next code (about ${wait} s) and try again.`,
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
  // Entries of the wrong shape are ignored, the others still count.
  await writeFile(cache.fileFor(serial, 'codes'), JSON.stringify([{ hash: 1, at: now }, { hash: 'x' }, null, ...kept]), { mode: 0o600 });
  await assert.rejects(refuseReusedCode(cache, serial, '333333', now + 101), /already used/);
  await writeFile(cache.fileFor(serial, 'codes'), JSON.stringify({ not: 'a list' }), { mode: 0o600 });
  await refuseReusedCode(cache, serial, '333333', now + 101);
  await rememberUsedCode(cache, serial, '333333', now + 101);
  await assert.rejects(refuseReusedCode(cache, serial, '333333', now + 102), /already used/);
});
