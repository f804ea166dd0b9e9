/**
 * awsmfa on Windows, for real: the built CLI run by Node.js for Windows under Wine (process.platform
 * is 'win32'), against the loopback STS emulator, which node.exe reaches on 127.0.0.1. What it prints
 * for PowerShell is then applied by the real pwsh. Every test skips, visibly, where Wine is missing.
 * One node.exe run costs about half a second here, so each test does few.
 */
import assert from 'node:assert/strict';
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SessionCache } from '../src/session/cache.js';
import { lockPath } from '../src/session/lock.js';
import { createWorld, ROOT, runProgram, type RunResult, type World } from './helpers/fixture.js';
import { tmuxAvailable, TmuxSession } from './helpers/tmux.js';
import { awsmfaWindows, nodeExe, requireWine, winePrefix, runWindowsScript, windowsCommand, windowsEnvironment, windowsPath, wineLauncherEnvironment } from './helpers/wine.js';
import { pwshPath } from './helpers/pwsh.js';

async function withWorld(t: TestContext, body: (world: World, env: Record<string, string>) => Promise<void>, options: Parameters<typeof createWorld>[0] = {}) {
  if (!(await requireWine(t))) return;
  const world = await createWorld(options);
  try {
    await body(world, windowsEnvironment(world));
  } finally {
    await world.close();
  }
}

const HOLD = join(ROOT, 'test', 'helpers', 'wine-hold.cjs');

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A stand-in for Windows' icacls (Wine's accepts everything and lists nothing): node.exe under that
 * name, first on Wine's PATH, with a preload that records each call and lists an ACL as Windows does.
 */
async function withFakeIcacls(world: World, worldEnv: Record<string, string>) {
  const bin = join(world.home, 'fake-bin');
  await mkdir(bin);
  await copyFile(await nodeExe(), join(bin, 'icacls.exe'));
  const log = join(world.home, 'icacls.log');
  const env = {
    ...worldEnv,
    WINEPATH: windowsPath(bin),
    NODE_OPTIONS: `--require ${windowsPath(join(ROOT, 'test', 'helpers', 'wine-icacls.cjs'))}`,
    AWSMFA_TEST_ICACLS_LOG: windowsPath(log),
  };
  const calls = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
  return { env, calls, log };
}

const cacheOf = (world: World) => join(world.home, 'AppData', 'Local', 'awsmfa');
const sessionFiles = async (world: World) => (await readdir(cacheOf(world)).catch(() => [])).filter((name) => name.startsWith('session-'));

/** Runs a PowerShell script in the real pwsh with a clean environment; resolves with what it printed. */
async function runPwsh(script: string, env: Record<string, string>): Promise<RunResult> {
  const pwsh = (await pwshPath())!;
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-win-pwsh-'));
  try {
    const file = join(dir, 'script.ps1');
    await writeFile(file, script);
    return await runProgram(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', file], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOTNET_CLI_TELEMETRY_OPTOUT: '1', POWERSHELL_TELEMETRY_OPTOUT: '1', ...env },
      timeoutMs: 120_000,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWSMFA_PROFILE'];
/** PowerShell that prints each name's value as a child sees it, `<unset>` for none. */
const REPORT = NAMES.map((name) => `Write-Output ("${name}=" + $(if ($null -eq $env:${name}) { '<unset>' } else { $env:${name} }))`).join('\n');
const parseReport = (text: string) => Object.fromEntries(text.trim().split(/\r?\n/).filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

test('win32: env and unset for PowerShell, applied by the real pwsh; a second env reuses the cache under LOCALAPPDATA', async (t) => {
  await withWorld(t, async (world, worldEnv) => {
    // The user's shell has a profile set, which env replaces and unset puts back.
    const env = { ...worldEnv, AWS_PROFILE: 'before' };
    const first = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', world.code()], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^\$env:AWS_ACCESS_KEY_ID = 'ASIA/m);
    // The cache is where Windows keeps a user's local data, not under an XDG or HOME path.
    assert.equal((await sessionFiles(world)).length, 1, 'one session file under %LOCALAPPDATA%\\awsmfa');

    const second = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /cached session/);
    assert.equal(second.stdout, first.stdout, 'the cached session, exported the same way');
    assert.equal(world.count('GetSessionToken'), 1);

    if (!(await pwshPath())) return t.skip('pwsh not installed: the output was not applied');
    // The shell's environment after env is what the next awsmfa (unset) starts with.
    const applied = await runPwsh(
      `${first.stdout}\n${REPORT}\nGet-ChildItem env: | Where-Object Name -like 'AWS*' | ForEach-Object { [Console]::Error.WriteLine($_.Name + '=' + $_.Value) }\n`,
      { AWS_PROFILE: 'before' },
    );
    assert.equal(applied.code, 0, applied.stderr);
    const during = parseReport(applied.stdout);
    assert.match(during.AWS_ACCESS_KEY_ID!, /^ASIA/);
    assert.equal(during.AWS_PROFILE, '<unset>');
    assert.equal(during.AWS_REGION, 'eu-west-1');
    assert.equal(during.AWSMFA_PROFILE, 'doug');
    const shellEnv = parseReport(applied.stderr) as Record<string, string>;

    const unset = await awsmfaWindows(['unset', '--shell', 'pwsh'], { env: { ...worldEnv, ...shellEnv } });
    assert.equal(unset.code, 0, unset.stderr);
    // In the session that applied env: what unset puts back is kept there, unexported.
    const after = await runPwsh(`${first.stdout}\n${unset.stdout}\n${REPORT}\n`, { AWS_PROFILE: 'before' });
    assert.equal(after.code, 0, after.stderr);
    const restored = parseReport(after.stdout);
    assert.equal(restored.AWS_ACCESS_KEY_ID, '<unset>');
    assert.equal(restored.AWSMFA_PROFILE, '<unset>');
    assert.equal(restored.AWS_PROFILE, 'before', 'unset puts back what env replaced');
  });
});

test('win32: PowerShell is the default dialect, and the AWS files are found under %USERPROFILE%\\.aws', async (t) => {
  await withWorld(t, async (world, env) => {
    // No AWS_CONFIG_FILE: the files of the world's home (USERPROFILE here) are the default ones.
    const { AWS_CONFIG_FILE: _config, AWS_SHARED_CREDENTIALS_FILE: _credentials, ...plain } = env;
    const result = await awsmfaWindows(['env', 'doug', '--token-code', world.code()], { env: plain });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\$env:AWS_ACCESS_KEY_ID = 'ASIA/m, 'PowerShell code without --shell');
    assert.doesNotMatch(result.stdout, /^export /m);
  });
});

test('win32: two runs at once that both need a session: one STS call, both get it (the lock)', async (t) => {
  await withWorld(t, async (world, env) => {
    const code = world.code();
    const runs = await Promise.all([0, 1].map(() => awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', code], { env })));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.equal(runs[0]!.stdout, runs[1]!.stdout, 'the same session for both');
    assert.equal(world.count('GetSessionToken'), 1, 'one code, one call');
    assert.deepEqual((await readdir(cacheOf(world))).filter((name) => name.endsWith('.lock') || name.startsWith('.tmp-')), [], 'no lock or temporary file left');
  });
});

test('win32: login --to-profile, credential-process, status, list and doctor', async (t) => {
  await withWorld(t, async (world, env) => {
    const login = await awsmfaWindows(['login', 'doug', '--to-profile', 'doug-mfa', '--token-code', world.code()], { env });
    assert.equal(login.code, 0, login.stderr);
    assert.doesNotMatch(login.stderr, /other users|chmod/, 'no POSIX mode complaint on Windows');
    const credentials = await readFile(world.credentialsPath, 'utf8');
    assert.match(credentials, /\[doug-mfa\]\r?\naws_access_key_id = ASIA/);
    assert.match(credentials, /\[doug\]\r?\naws_access_key_id = AKIADOUGDOUG0EXAMPLE/, 'the long-term keys kept');

    const process = await awsmfaWindows(['credential-process', 'doug'], { env });
    assert.equal(process.code, 0, process.stderr);
    const json = JSON.parse(process.stdout) as Record<string, unknown>;
    assert.equal(json.Version, 1);
    assert.match(String(json.AccessKeyId), /^ASIA/);
    assert.equal(world.count('GetSessionToken'), 1, 'credential-process used the cached session');

    // Where PowerShell on Windows keeps $PROFILE: doctor looks there for the integration.
    await mkdir(join(world.home, 'Documents', 'PowerShell'), { recursive: true });
    await writeFile(join(world.home, 'Documents', 'PowerShell', 'Microsoft.PowerShell_profile.ps1'), 'awsmfa init pwsh | Out-String | Invoke-Expression\r\n');
    const [status, list, doctor] = await Promise.all([
      awsmfaWindows(['status', '--json'], { env }),
      awsmfaWindows(['list'], { env }),
      awsmfaWindows(['doctor', 'doug'], { env }),
    ]);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { cacheDir: string; sessions: { profile: string }[] };
    assert.deepEqual(parsed.sessions.map((s) => s.profile), ['doug']);
    assert.match(parsed.cacheDir, /^Z:\\.*\\AppData\\Local\\awsmfa$/, 'the cache under LOCALAPPDATA');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /doug/);
    assert.match(list.stdout, /admin/);
    const report = doctor.stdout + doctor.stderr;
    assert.match(report, /config file .*config is readable/);
    assert.doesNotMatch(report, /mode 0666|chmod/, 'no POSIX modes on Windows');
    // Wine's own icacls lists nothing: doctor says it cannot tell, never that the cache is private.
    assert.match(report, /the cache .* holds 1 session; its ACL could not be listed/);
    assert.match(report, /pwsh: .*Documents\\PowerShell\\Microsoft\.PowerShell_profile\.ps1 line 1 loads the integration/);
  });
});

test('win32: exec runs a Windows program with the session in its environment only', async (t) => {
  await withWorld(t, async (world, env) => {
    const result = await awsmfaWindows(['exec', 'doug', '--token-code', world.code(), '--', 'cmd.exe', '/c', 'set', 'AWS'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^AWS_ACCESS_KEY_ID=ASIA/m);
    assert.match(result.stdout, /^AWS_SESSION_TOKEN=/m);
    const failing = await awsmfaWindows(['exec', 'doug', '--', 'cmd.exe', '/c', 'exit 3'], { env });
    assert.equal(failing.code, 3, 'the program\'s exit status is passed on');
    // No command: PowerShell (Wine has only its stand-in powershell.exe, which exits at once).
    const shell = await awsmfaWindows(['exec', 'doug'], { env });
    assert.equal(shell.code, 0, shell.stderr);
    assert.match(shell.stderr, /doug: starting C:\\windows\\system32\\WindowsPowerShell\\v1\.0\\powershell\.exe with the session/i);
  });
});

test('win32: errors say what to do and print no exports: unknown profile, wrong code, unreachable STS', async (t) => {
  await withWorld(t, async (world, env) => {
    const unknown = await awsmfaWindows(['env', 'dougg', '--shell', 'pwsh', '--token-code', '123456'], { env });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /dougg/);
    assert.match(unknown.stderr, /doug/, 'suggests the profile meant');
    assert.doesNotMatch(unknown.stdout, /AWS_ACCESS_KEY_ID/);

    const real = world.code();
    const wrong = String((Number(real) + 500_000) % 1_000_000).padStart(6, '0');
    const rejected = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', wrong], { env });
    assert.notEqual(rejected.code, 0);
    assert.match(rejected.stderr, /code/i);
    assert.doesNotMatch(rejected.stdout, /AWS_ACCESS_KEY_ID/);

    const unreachable = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', real], { env: { ...env, AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' } });
    assert.notEqual(unreachable.code, 0);
    assert.match(unreachable.stderr, /127\.0\.0\.1:9/);
    assert.doesNotMatch(unreachable.stdout, /AWS_ACCESS_KEY_ID/);
    assert.deepEqual(await sessionFiles(world), [], 'nothing cached');
  });
});

test('win32: the MFA code is asked on the console, hidden as it is typed, while stdout goes to PowerShell', async (t) => {
  if (!(await tmuxAvailable())) return t.skip('tmux not installed');
  await withWorld(t, async (world, env) => {
    // stdout captured, as `awsmfa env doug | Out-String | Invoke-Expression` captures it. wine is run
    // directly: node-windows.sh would capture stderr too, and with it the question.
    const out = join(world.home, 'stdout');
    const command = ['wine', await nodeExe(), ...windowsCommand(['env', 'doug', '--shell', 'pwsh']).slice(1)].map((word) => `'${word}'`).join(' ');
    const term = await TmuxSession.start(['bash', '--norc', '-c', `${command} >'${out}'; echo "status=$?"; sleep 60`], { env: { ...wineLauncherEnvironment(env), WINEPREFIX: winePrefix() }, width: 400 });
    try {
      await term.waitFor(/MFA code for arn:aws:iam::123456789012:mfa\/doug/, { timeoutMs: 60_000 });
      const code = world.code();
      await term.type(code, 'Enter');
      const screen = await term.waitFor(/status=\d+/, { timeoutMs: 60_000 });
      assert.match(screen, /status=0/);
      assert.match(screen, /mfa\/doug: \*{6}$/m, 'a star per digit');
      assert.ok(!screen.includes(code), 'the code itself is not shown');
      assert.doesNotMatch(screen, /AWS_ACCESS_KEY_ID/, 'the exports go to stdout only');
      assert.match(await readFile(out, 'utf8'), /^\$env:AWS_ACCESS_KEY_ID = 'ASIA/m);
      assert.equal(world.count('GetSessionToken'), 1);
    } finally {
      await term.close();
    }
  });
});

test('win32: a new session replaces the cached one while another program holds the file open without sharing', async (t) => {
  await withWorld(t, async (world, env) => {
    const first = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', world.code()], { env });
    assert.equal(first.code, 0, first.stderr);
    const [file] = await sessionFiles(world);
    const marker = join(world.home, 'held');
    const holder = runWindowsScript(HOLD, [windowsPath(join(cacheOf(world), file!)), '3000', windowsPath(marker)]);
    await waitFor(() => readFile(marker, 'utf8').catch(() => undefined));
    // Wine enforces the sharing mode: a plain rename over the held file is refused.
    assert.match(await readFile(marker, 'utf8'), /^E(BUSY|PERM|ACCES)$/);
    const second = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--force', '--token-code', world.code()], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal((await holder).code, 0);
    assert.notEqual(second.stdout, first.stdout, 'a new session');
    const cached = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh'], { env });
    assert.equal(cached.stdout, second.stdout, 'the new session is the cached one');
    assert.deepEqual((await readdir(cacheOf(world))).filter((name) => name.startsWith('.tmp-')), [], 'no temporary file left');
  });
});

test('win32: Ctrl-C at the console prompt ends the run with nothing exported', async (t) => {
  if (!(await tmuxAvailable())) return t.skip('tmux not installed');
  await withWorld(t, async (world, env) => {
    // stdout is taken as PowerShell's pipeline would take it (on the terminal, env prints no keys at
    // all); wine is run directly, as node-windows.sh would capture stderr too, and with it the question.
    const captured = join(world.home, 'env-stdout.txt');
    const command = ['wine', await nodeExe(), ...windowsCommand(['env', 'doug', '--shell', 'pwsh']).slice(1)].map((word) => `'${word}'`).join(' ');
    const term = await TmuxSession.start(['bash', '--norc', '-c', `${command} >'${captured}'; echo "status=$?"; sleep 60`], { env: { ...wineLauncherEnvironment(env), WINEPREFIX: winePrefix() }, width: 400 });
    try {
      await term.waitFor(/MFA code/, { timeoutMs: 60_000 });
      await term.type('12', 'C-c');
      const screen = await term.waitFor(/status=\d+/, { timeoutMs: 60_000 });
      assert.match(screen, /interrupted/);
      assert.doesNotMatch(screen, /status=0\b/);
      assert.doesNotMatch(screen, /AWS_ACCESS_KEY_ID/);
      assert.doesNotMatch(await readFile(captured, 'utf8'), /AWS_ACCESS_KEY_ID/);
      assert.equal(world.count('GetSessionToken'), 0);
      assert.deepEqual(await sessionFiles(world), []);
    } finally {
      await term.close();
    }
  });
});

test('win32: the cache folder is made private with icacls when it is created, and doctor names who else an ACL lets in', async (t) => {
  await withWorld(t, async (world, worldEnv) => {
    const { env, calls, log } = await withFakeIcacls(world, worldEnv);

    // An ACL that cannot be set: refused, and no folder left to pass for a protected one next time.
    const denied = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', world.code()], { env: { ...env, AWSMFA_TEST_ICACLS_FAIL: '1' } });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /cannot make .*\\AppData\\Local\\awsmfa private to [^:]+: icacls says: .*Access is denied\./);
    assert.match(denied.stderr, /LOCALAPPDATA/);
    assert.doesNotMatch(denied.stdout, /AWS_ACCESS_KEY_ID/);
    assert.equal(await stat(cacheOf(world)).then(() => true, () => false), false, 'no cache folder left');
    await rm(log);

    const first = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', world.code()], { env });
    assert.equal(first.code, 0, first.stderr);
    const made = await calls();
    assert.equal(made.length, 1, 'one icacls run, for the new folder');
    assert.equal(made[0]![0], windowsPath(cacheOf(world)));
    assert.deepEqual(made[0]!.slice(1, 4), ['/inheritance:r', '/grant:r', made[0]![3]]);
    assert.match(made[0]![3]!, /^[^\\]+\\[^\\:]+:\(OI\)\(CI\)F$/, 'the user alone, for the folder and all it will hold');

    const cached = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh'], { env });
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal((await calls()).length, 1, 'a cached env starts no program');

    const doctor = await awsmfaWindows(['doctor', 'doug'], { env });
    assert.match(doctor.stdout, /credentials file .*credentials is readable by other users \(Everyone\); it holds long-term keys/);
    assert.match(doctor.stdout, /the cache .*\\awsmfa holds 1 session, and Everyone may read it/);
    assert.match(doctor.stdout, /icacls ".*credentials" \/inheritance:r \/grant:r "[^"\\]+\\[^"\\]+:F"/);
  });
});

test('win32: setup writes the profile and the keys, and makes the credentials file private with icacls', async (t) => {
  await withWorld(t, async (world, worldEnv) => {
    const { env, calls } = await withFakeIcacls(world, worldEnv);
    const result = await awsmfaWindows(
      ['setup', 'work', '--access-key-id', world.user.accessKeyId, '--secret-stdin', '--yes', '--store', 'file', '--mfa-serial', world.user.mfaSerial!, '--region', 'eu-central-1', '--token-code', world.code()],
      { env, stdin: `${world.user.secretAccessKey}\n` },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stderr.includes(world.user.secretAccessKey), 'the secret is never printed');
    assert.match(await readFile(world.configPath, 'utf8'), /\[profile work\]\r?\nmfa_serial = arn:aws:iam::123456789012:mfa\/doug/);
    assert.match(await readFile(world.credentialsPath, 'utf8'), /\[work\]\r?\naws_access_key_id = AKIADOUGDOUG0EXAMPLE/);
    const credentialsCalls = (await calls()).filter((call) => call[0] === windowsPath(world.credentialsPath));
    assert.equal(credentialsCalls.length, 1, 'the credentials file made private once');
    assert.deepEqual(credentialsCalls[0]!.slice(1, 3), ['/inheritance:r', '/grant:r']);
    assert.match(credentialsCalls[0]![3]!, /^[^\\]+\\[^\\:]+:F$/);
    assert.match(result.stderr, /made .*credentials private to /);

    const used = await awsmfaWindows(['env', 'work', '--shell', 'pwsh'], { env });
    assert.equal(used.code, 0, used.stderr);
    assert.match(used.stdout, /^\$env:AWS_ACCESS_KEY_ID = 'ASIA/m, 'the session setup proved the device with is cached');
  });
});

test('win32: a lock left by a run that is gone is taken over; one held on another host is waited for, then reported', async (t) => {
  await withWorld(t, async (world, env) => {
    const cache = new SessionCache(cacheOf(world));
    await mkdir(cacheOf(world), { recursive: true });
    const lock = lockPath(cache, world.user.mfaSerial!);
    // The same host as node.exe sees it (Wine reports the Linux host name), a pid that is not running.
    await writeFile(lock, `${JSON.stringify({ pid: 4_000_000, host: hostname(), since: new Date().toISOString() })}\n`);
    const taken = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--token-code', world.code()], { env });
    assert.equal(taken.code, 0, taken.stderr);
    assert.match(taken.stderr, /took over a lock left by awsmfa \(pid 4000000\)/);
    assert.equal(await stat(lock).then(() => true, () => false), false, 'no lock left');

    // A holder on another host cannot be checked for life: it is waited for (here, one second).
    await writeFile(lock, `${JSON.stringify({ pid: 1, host: 'elsewhere', since: new Date().toISOString() })}\n`);
    const waited = await awsmfaWindows(['env', 'doug', '--shell', 'pwsh', '--force', '--token-code', world.code()], { env: { ...env, AWSMFA_LOCK_TIMEOUT: '1' } });
    assert.notEqual(waited.code, 0);
    assert.match(waited.stderr, /another awsmfa \(pid 1 on elsewhere\) is getting a session/);
    assert.match(waited.stderr, /AWSMFA_LOCK_TIMEOUT/);
    assert.doesNotMatch(waited.stdout, /AWS_ACCESS_KEY_ID/);
  });
});

test('win32: credential-process asks for the code on the console itself (CONOUT$), not on stderr', async (t) => {
  if (!(await tmuxAvailable())) return t.skip('tmux not installed');
  await withWorld(t, async (world, env) => {
    // stderr goes to a file, as the AWS CLI captures it: the question must still reach the person.
    // wine is run directly: node-windows.sh sends stdout to a file too when stderr is one, and Wine
    // shows the console's output only while stdout is the terminal.
    const command = ['wine', await nodeExe(), ...windowsCommand(['credential-process', 'doug']).slice(1)].map((word) => `'${word}'`).join(' ');
    const errors = join(world.home, 'stderr');
    const term = await TmuxSession.start(['bash', '--norc', '-c', `${command} 2>'${errors}'; echo "status=$?"; sleep 60`], { env: { ...wineLauncherEnvironment(env), WINEPREFIX: winePrefix() }, width: 400 });
    try {
      await term.waitFor(/MFA code for arn:aws:iam::123456789012:mfa\/doug \(\[doug\]\)/, { timeoutMs: 60_000 });
      await term.type(world.code(), 'Enter');
      const screen = await term.waitFor(/status=\d+/, { timeoutMs: 60_000 });
      assert.match(screen, /status=0/);
      assert.match(screen, /"Version":1,"AccessKeyId":"ASIA/);
      assert.doesNotMatch(await readFile(errors, 'utf8'), /MFA code/);
    } finally {
      await term.close();
    }
  });
});

test('win32: setup asks its questions on the console, the secret and the code hidden', async (t) => {
  if (!(await tmuxAvailable())) return t.skip('tmux not installed');
  await withWorld(t, async (world, env) => {
    const term = await TmuxSession.start(windowsCommand(['setup', 'work', '--store', 'file']), { env: wineLauncherEnvironment(env), width: 300 });
    try {
      const answer = async (question: RegExp, text: string) => {
        await term.waitFor(question, { timeoutMs: 60_000 });
        await term.type(text, 'Enter');
      };
      await answer(/Access key ID:\s*$/m, world.user.accessKeyId);
      await answer(/Secret access key:\s*$/m, world.user.secretAccessKey);
      await answer(/Region \[us-east-1\]:\s*$/m, 'eu-central-1');
      await answer(/MFA device ARN \[arn:aws:iam::123456789012:mfa\/doug\]:\s*$/m, '');
      await answer(/Session duration .*:\s*$/m, '1h');
      await answer(/MFA code for arn:aws:iam::123456789012:mfa\/doug:\s*$/m, world.code());
      const screen = await term.waitFor(/is ready/, { timeoutMs: 60_000 });
      assert.ok(!screen.includes(world.user.secretAccessKey), 'the secret is not shown');
      assert.match(screen, /Secret access key: \*{41}$/m);
      assert.match(screen, /mfa\/doug: \*{6}$/m);
      assert.match(await readFile(world.configPath, 'utf8'), /\[profile work\]\r?\nmfa_serial = arn:aws:iam::123456789012:mfa\/doug\r?\nregion = eu-central-1\r?\nduration_seconds = 3600/);
      assert.match(await readFile(world.credentialsPath, 'utf8'), /\[work\]\r?\naws_access_key_id = AKIADOUGDOUG0EXAMPLE/);
    } finally {
      await term.close();
    }
  });
});
