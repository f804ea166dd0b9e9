/**
 * The cached `env` runs in a bundle of its own (src/fast-env.ts) and hands everything else to the full
 * CLI. Whichever ran, a user must get the same stdout, stderr and status: every case here runs both
 * ways (AWSMFA_FULL_CLI=1 forces the full CLI) and compares, over the shells, the cache's states, role
 * chains, the environment a session starts from, hostile names and the command lines the fast path
 * declines. strace shows which bundle a run loaded, so that the benchmark measures what we think.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, chown, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI, DEFAULT_CONFIG, DEFAULT_CREDENTIALS, ROOT, awsmfa, createWorld, runProgram, type World } from './helpers/fixture.js';
import { envAfter, requireShell } from './helpers/shells.js';

/** A profile name with what shells and printf make something of (the reader refuses quotes, backslashes and spaces). */
const HOSTILE = 'a;b|c&d$(touch${IFS}pwned)`x`%d$HOME{x}[y]é€💥';

interface Outcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** Runs the CLI with exactly `env`; stdout and stderr go to pipes, or to a file such as /dev/full. */
function run(args: readonly string[], env: Record<string, string>, sinks: { stdout?: string; stderr?: string } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const fds = [sinks.stdout, sinks.stderr].map((file) => (file === undefined ? 'pipe' : openSync(file, 'w')));
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: ROOT, stdio: ['pipe', fds[0]!, fds[1]!] });
    for (const fd of fds) if (typeof fd === 'number') closeSync(fd);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
    child.stdin?.end();
  });
}

/**
 * Cached sessions expire 12 h 30 s (roles 2 h 30 s) from now, so that two runs a moment apart print
 * the same time left however slow the machine: above an hour the message counts hours and minutes.
 */
async function steadySessions(world: World): Promise<void> {
  const dir = join(world.home, '.cache', 'awsmfa');
  const now = Math.floor(Date.now() / 1000);
  for (const name of await readdir(dir)) {
    if (!name.startsWith('session-')) continue;
    const file = join(dir, name);
    const session = JSON.parse(await readFile(file, 'utf8')) as { kind: string; expiration: string };
    session.expiration = new Date((now + (session.kind === 'role' ? 7230 : 43_230)) * 1000).toISOString();
    await writeFile(file, `${JSON.stringify(session)}\n`, { mode: 0o600 });
  }
}

/** Both ways, compared; returns the fast path's outcome. */
async function same(world: World, args: readonly string[], extra: Record<string, string | undefined> = {}, sinks: { stdout?: string; stderr?: string } = {}): Promise<Outcome> {
  await steadySessions(world);
  const env = Object.fromEntries(Object.entries({ ...world.env, ...extra }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const fast = await run(args, env, sinks);
  const full = await run(args, { ...env, AWSMFA_FULL_CLI: '1' }, sinks);
  const label = `awsmfa ${args.join(' ')} ${JSON.stringify(extra)}`;
  assert.equal(fast.stdout, full.stdout, `stdout of ${label}`);
  assert.equal(fast.stderr, full.stderr, `stderr of ${label}`);
  assert.equal(fast.code, full.code, `status of ${label}`);
  return fast;
}

/** doug (MFA), admin (a role from doug's MFA session), plain (no region anywhere) and a hostile name, each with a live cached session. */
async function cachedWorld(): Promise<{ world: World; dougFile: string }> {
  const world = await createWorld({
    config: (user) =>
      DEFAULT_CONFIG(user).replace('[default]\nregion = us-east-1\n', '') +
      `\n[profile plain]\nmfa_serial = ${user.mfaSerial}\n\n[profile ${HOSTILE}]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = doug\nmfa_serial = ${user.mfaSerial}\nregion = eu-north-1\n\n[profile shortdur]\nmfa_serial = ${user.mfaSerial}\nduration_seconds = 60\n`,
    credentials: (user) => `${DEFAULT_CREDENTIALS(user)}\n[plain]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n\n[shortdur]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
  });
  const dir = join(world.home, '.cache', 'awsmfa');
  let dougFile: string | undefined;
  for (const [profile, code] of [['doug', true], ['admin', false], ['plain', true], [HOSTILE, false]] as const) {
    const before = new Set(await readdir(dir).catch(() => []));
    const made = await awsmfa(['env', profile, '--shell', 'bash', ...(code ? ['--token-code', world.code()] : [])], { env: world.env });
    assert.equal(made.code, 0, made.stderr);
    if (profile === 'doug') {
      const added = (await readdir(dir)).filter((name) => !before.has(name) && name.startsWith('session-'));
      assert.equal(added.length, 1);
      dougFile = join(dir, added[0]!);
    }
  }
  assert.ok(dougFile !== undefined);
  return { world, dougFile };
}

test('the fast path and the full CLI print the same for live cached sessions, in every dialect and form the integration uses', async () => {
  const { world } = await cachedWorld();
  try {
    for (const shell of ['bash', 'zsh', 'fish', 'pwsh', 'powershell']) {
      for (const profile of ['doug', 'admin', 'plain', HOSTILE]) {
        const out = await same(world, ['env', profile, '--shell', shell]);
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stderr, /cached session/);
        await same(world, ['use', '--shell', shell, profile]);
      }
      await same(world, ['env', `--shell=${shell}`, 'doug']);
    }
    // The shell detected, the profile from the environment, an active session, values to save.
    await same(world, ['env', 'doug'], { SHELL: '/usr/bin/fish' });
    await same(world, ['env', 'doug'], { SHELL: '/bin/zsh', PSModulePath: '/root/.local/share/powershell/Modules' });
    await same(world, ['env', '--shell', 'bash'], { AWS_PROFILE: 'admin' });
    await same(world, ['env', '--shell', 'zsh'], { AWS_DEFAULT_PROFILE: 'doug', AWS_PROFILE: 'plain' });
    const active = { AWSMFA_PROFILE: 'admin', AWSMFA_EXPIRES_AT: '1', AWS_ACCESS_KEY_ID: 'ASIAOLDOLDOLDEXAMPLE', AWS_SESSION_TOKEN: 'old', AWS_REGION: 'us-west-2' };
    for (const shell of ['bash', 'fish', 'pwsh']) {
      await same(world, ['env', '--shell', shell], active);
      await same(world, ['use', '--shell', shell, 'doug'], { ...active, AWS_PROFILE: HOSTILE, AWS_DEFAULT_REGION: "it's\n$(x)" });
    }
    // Colour on, and the region taken from the environment for a profile without one.
    await same(world, ['env', 'doug', '--shell', 'bash'], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    await same(world, ['env', 'plain', '--shell', 'bash'], { AWS_REGION: 'ap-south-1' });
    await same(world, ['env', 'plain', '--shell', 'bash'], { AWS_DEFAULT_REGION: 'ca-central-1', AWSMFA_MIN_REMAINING: '60' });
  } finally {
    await world.close();
  }
});

test('the fast path and the full CLI agree on every refusal: checks of the plan, unknown profiles, options it does not take', async () => {
  const { world } = await cachedWorld();
  try {
    const refusals: [string[], Record<string, string | undefined>][] = [
      [['env', 'dogu', '--shell', 'bash'], {}],
      [['env', '--shell', 'bash'], {}],
      [['use', 'doug'], {}],
      [['env', 'plain', '--shell', 'bash'], { AWS_REGION: 'not a region' }],
      [['env', 'doug', '--shell', 'fish'], { AWS_ENDPOINT_URL_STS: 'ftp://127.0.0.1/' }],
      [['env', 'shortdur', '--shell', 'bash'], {}],
      [['env', 'nomfa', '--shell', 'bash'], {}],
      [['env', 'doug', '--shell', 'bash'], { AWS_CONFIG_FILE: join(world.home, 'missing') }],
      [['env', 'doug', '--nope'], {}],
      [['env', 'doug', 'extra', '--shell', 'bash'], {}],
      [['env', 'doug', '--shell', 'nope'], {}],
      [['env', 'doug', '--shell', 'BASH'], {}],
      [['env', 'doug', '--shell'], {}],
      [['env', 'doug', '--shell', 'bash', '--shell', 'zsh'], {}],
      [['env', '--help'], {}],
      [['env', '-h'], {}],
      [['use', '--help'], {}],
      [['env', 'doug', '--shell', 'bash', '--debug'], {}],
      [['env', 'doug', '--shell', 'bash', '--duration', '3600'], {}],
      [['env', 'doug', '--shell', 'bash', '--duration', '60'], {}],
      [['env', '--', 'doug'], {}],
    ];
    for (const [args, extra] of refusals) await same(world, args, extra);
    // The session is used up to the reuse margin, and not past it (no terminal for a code: an error).
    const margin = await same(world, ['env', 'doug', '--shell', 'bash'], { AWSMFA_MIN_REMAINING: '50000' });
    assert.notEqual(margin.code, 0);
    // Writes that fail: stdout full, stderr full.
    const full = await same(world, ['env', 'doug', '--shell', 'bash'], {}, { stdout: '/dev/full' });
    assert.equal(full.code, 1);
    const quiet = await same(world, ['env', 'doug', '--shell', 'bash'], {}, { stderr: '/dev/full' });
    assert.deepEqual([quiet.stdout, quiet.code], ['false\n', 1]);
  } finally {
    await world.close();
  }
});

test('the fast path and the full CLI agree on cache entries that are expired, about to expire, corrupt, open to others or someone else\'s', async (t) => {
  const { world, dougFile } = await cachedWorld();
  const dir = join(world.home, '.cache', 'awsmfa');
  const original = await readFile(dougFile, 'utf8');
  const restore = async () => {
    await writeFile(dougFile, original, { mode: 0o600 });
    await chmod(dougFile, 0o600);
    await chmod(dir, 0o700);
  };
  const withExpiry = async (secondsFromNow: number) => {
    const session = JSON.parse(original) as { expiration: string };
    session.expiration = new Date(Date.now() + secondsFromNow * 1000).toISOString();
    await writeFile(dougFile, JSON.stringify(session));
  };
  const dougOnly = async (args: string[], extra: Record<string, string> = {}) => {
    // steadySessions would renew the entry under test: doug's is compared as it was left.
    const env = { ...world.env, ...extra };
    const fast = await run(args, env);
    const full = await run(args, { ...env, AWSMFA_FULL_CLI: '1' });
    assert.deepEqual(fast, full, `awsmfa ${args.join(' ')}`);
    return fast;
  };
  try {
    await withExpiry(-10);
    assert.notEqual((await dougOnly(['env', 'doug', '--shell', 'bash'])).code, 0);
    await withExpiry(200);
    assert.notEqual((await dougOnly(['env', 'doug', '--shell', 'zsh'])).code, 0);
    // With a margin below what is left, the same entry is used: 2 h 30 s left against a 2 h margin, so
    // that both runs print "2h left" however long apart a busy machine starts them (with minutes and
    // seconds left, the second run could print a second less).
    await withExpiry(7230);
    assert.equal((await dougOnly(['env', 'doug', '--shell', 'zsh'], { AWSMFA_MIN_REMAINING: '7200' })).code, 0);
    await writeFile(dougFile, '{"version":1,"kind":"mfa",');
    await dougOnly(['env', 'doug', '--shell', 'bash']);
    await restore();
    await chmod(dougFile, 0o644);
    const open = await dougOnly(['env', 'doug', '--shell', 'fish']);
    assert.match(open.stderr, /readable by other users/);
    await restore();
    await chmod(dir, 0o755);
    assert.match((await dougOnly(['env', 'doug', '--shell', 'bash'])).stderr, /open to other users/);
    await restore();
    if (process.getuid?.() === 0) {
      await chown(dougFile, 65534, 65534);
      assert.match((await dougOnly(['env', 'doug', '--shell', 'bash'])).stderr, /belongs to another user/);
      await chown(dougFile, 0, 0);
    } else {
      t.diagnostic('another owner not tried: only root can give a file away');
    }
    await restore();
    assert.equal((await stat(dougFile)).mode & 0o777, 0o600);
  } finally {
    await world.close();
  }
});

test('what the fast path prints is applied by bash, zsh, fish and pwsh as the session', async (t) => {
  const { world } = await cachedWorld();
  try {
    for (const shell of ['bash', 'zsh', 'fish', 'pwsh'] as const) {
      if (!(await requireShell(t, shell))) continue;
      const out = await same(world, ['env', 'admin', '--shell', shell], { AWS_PROFILE: 'doug' });
      const after = await envAfter(shell, out.stdout, ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWSMFA_PROFILE', 'AWS_REGION'], { env: { AWS_PROFILE: 'doug' } });
      assert.equal(after.status, 0, after.stderr);
      assert.match(after.vars.AWS_ACCESS_KEY_ID ?? '', /^ASIA/);
      assert.equal(after.vars.AWS_PROFILE, null);
      assert.equal(after.vars.AWSMFA_PROFILE, 'admin');
      assert.equal(after.vars.AWS_REGION, 'eu-west-1');
    }
  } finally {
    await world.close();
  }
});

test('a cached env loads only the fast bundle; anything it declines loads the full CLI in the same process (strace)', async (t) => {
  if (spawnSync('strace', ['-V']).status !== 0) {
    t.skip('strace is not installed (apt-get install strace)');
    return;
  }
  const { world } = await cachedWorld();
  try {
    const bundles = async (args: string[], extra: Record<string, string> = {}) => {
      const trace = join(world.home, 'strace.txt');
      const traced = await runProgram('strace', ['-f', '-e', 'trace=open,openat', '-o', trace, process.execPath, CLI, ...args], { env: { ...world.env, ...extra } });
      const opened = await readFile(trace, 'utf8');
      return { code: traced.code, fast: opened.includes('/dist/awsmfa-env.js"'), full: opened.includes('/dist/awsmfa-main.js"') };
    };
    for (const args of [['env', 'doug', '--shell', 'bash'], ['use', '--shell', 'zsh', 'admin'], ['env', HOSTILE, '--shell', 'pwsh']]) {
      assert.deepEqual(await bundles(args), { code: 0, fast: true, full: false }, args.join(' '));
    }
    assert.deepEqual(await bundles(['env', 'doug', '--shell', 'bash'], { AWSMFA_FULL_CLI: '1' }), { code: 0, fast: false, full: true });
    assert.deepEqual(await bundles(['env', 'dogu', '--shell', 'bash']), { code: 1, fast: true, full: true });
    assert.deepEqual(await bundles(['env', 'doug', '--duration', '43200', '--shell', 'bash']), { code: 0, fast: true, full: true });
    assert.deepEqual(await bundles(['status']), { code: 0, fast: false, full: true });
  } finally {
    await world.close();
  }
});

test('the fast path ends the process itself: what it keeps for a success (the config index) is written first, and a stdout closed early still fails', async (t) => {
  if (spawnSync('strace', ['-V']).status !== 0) {
    t.skip('strace is not installed (apt-get install strace)');
    return;
  }
  // Over 32 KiB, so that a run keeps an index of it once its times are over 2 s old.
  let filler = '';
  for (let i = 0; i < 600; i++) filler += `[profile filler${i}]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/filler${i}\n\n`;
  const world = await createWorld({ config: (user) => `${DEFAULT_CONFIG(user)}\n${filler}` });
  try {
    const made = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(made.code, 0, made.stderr);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const dir = join(world.home, '.cache', 'awsmfa');
    const indexes = async () => (await readdir(dir)).filter((name) => name.startsWith('config-index-'));
    assert.deepEqual(await indexes(), []);
    const trace = join(world.home, 'strace.txt');
    const traced = await runProgram('strace', ['-f', '-e', 'trace=openat', '-o', trace, process.execPath, CLI, 'env', 'doug', '--shell', 'bash'], { env: world.env });
    assert.equal(traced.code, 0, traced.stderr);
    const opened = await readFile(trace, 'utf8');
    assert.ok(opened.includes('/dist/awsmfa-env.js"') && !opened.includes('/dist/awsmfa-main.js"'), 'the fast path answered');
    assert.equal((await indexes()).length, 1, 'the index was written before the process ended');
    // The next run reads through it, and prints the same.
    const again = await run(['env', 'doug', '--shell', 'bash'], { ...world.env, AWSMFA_DEBUG: '1' });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /config: \d+ sections, read through its index/);
    assert.equal(again.stdout, traced.stdout);

    // stdout a pipe whose reader is gone before the CLI writes: both ways, status 1 and the same words.
    const closed = (env: Record<string, string>) =>
      new Promise<Outcome>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.destroy();
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
        child.on('error', reject);
        child.on('close', (code) => resolve({ stdout: '', stderr, code }));
      });
    const fast = await closed(world.env);
    const full = await closed({ ...world.env, AWSMFA_FULL_CLI: '1' });
    assert.equal(fast.code, 1, fast.stderr);
    assert.match(fast.stderr, /stdout was closed before all the shell code was written; none of it should be applied\n$/);
    assert.deepEqual(fast, full);
  } finally {
    await world.close();
  }
});
