/**
 * The device lock as a user who may not signal every process nor write everywhere: kill(pid, 0)
 * answers EPERM for another user's live process (its lock is waited for, not taken over), and a cache
 * directory the user cannot write makes the lock's creation fail with its error code. Root gets
 * neither answer, so as root the lock runs in a child process as uid 65534 (nobody). Apart from
 * lock.test.ts because it starts a node of its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chown, cp, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/fixture.js';

const DEVICE = 'arn:aws:iam::123456789012:mfa/doug';

test('as a user who may not signal the holder or write in the cache: the holder is alive, the refusal names the error', async (t) => {
  const asRoot = process.getuid?.() === 0;
  if (asRoot) t.diagnostic('running as root, who may signal and write anything: the lock runs as uid 65534 (nobody) for this test');
  if (!asRoot && (await stat('/proc/1')).uid === process.getuid?.()) return t.skip('process 1 is this user\'s own: no live process of another user to hold the lock');
  const home = await mkdtemp(join(tmpdir(), 'awsmfa-lock-other-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  // A copy of the sources (as they are: under mutation testing, the mutated ones), since the project's
  // own directory may be closed to other users (mutation testing's sandboxes are 0700).
  await cp(join(ROOT, 'src'), join(home, 'src'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(home, 'package.json'));
  await symlink(await realpath(join(ROOT, 'node_modules')), join(home, 'node_modules'));
  if (asRoot) await chown(home, 65534, 65534);
  const script = join(home, 'probe.mts');
  const source = (file: string) => JSON.stringify(join(home, file));
  await writeFile(
    script,
    [
      `import { chmodSync, writeFileSync, unlinkSync } from 'node:fs';`,
      `import { hostname } from 'node:os';`,
      `import { SessionCache } from ${source('src/session/cache.ts')};`,
      `import { lockDevice, lockPath } from ${source('src/session/lock.ts')};`,
      `const device = ${JSON.stringify(DEVICE)};`,
      `const cache = new SessionCache(${JSON.stringify(join(home, 'cache', 'awsmfa'))});`,
      `await cache.ensureDirectory();`,
      `const said = { text: '' };`,
      `const stderr = { write: (chunk) => ((said.text += chunk), true), isTTY: false };`,
      `const attempt = async () => { try { (await lockDevice(cache, device, { env: { AWSMFA_LOCK_TIMEOUT: '0' }, stderr, what: device })).release(); return { taken: true, said: said.text }; } catch (error) { return { message: error.message, hint: error.hint, said: said.text }; } };`,
      // Process 1, alive, another user's.
      `writeFileSync(lockPath(cache, device), JSON.stringify({ pid: 1, host: hostname(), since: 'then' }), { mode: 0o600 });`,
      `console.log(JSON.stringify(await attempt()));`,
      `unlinkSync(lockPath(cache, device));`,
      `chmodSync(cache.dir, 0o500);`,
      `said.text = '';`,
      `console.log(JSON.stringify(await attempt()));`,
    ].join('\n'),
  );
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: home, env: { ...process.env, HOME: home }, ...(asRoot ? { uid: 65534, gid: 65534 } : {}), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`the probe exited ${code}: ${out}`))));
  });
  const [alive, unwritable] = output.trim().split('\n').map((line) => JSON.parse(line));
  const path = join(home, 'cache', 'awsmfa', `lock-${createHash('sha256').update(DEVICE).digest('hex').slice(0, 40)}.lock`);
  assert.deepEqual(alive, {
    message: `another awsmfa (pid 1) is getting a session for ${DEVICE}, and this one stopped waiting after 0 s`,
    hint: `Finish or cancel that one (it may be asking for the MFA code in another terminal), then try again; if no awsmfa is running, remove ${path}. AWSMFA_LOCK_TIMEOUT sets the wait in seconds.`,
    said: '',
  });
  assert.deepEqual(unwritable, {
    message: `cannot create the lock file ${path} (EACCES)`,
    hint: `Check the cache directory ${join(home, 'cache', 'awsmfa')}, or set XDG_CACHE_HOME to a directory of your own.`,
    said: '',
  });
});
