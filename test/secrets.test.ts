/**
 * Secrets stay where they belong. Every secret the emulator knows (the user's long-term secret key,
 * every issued session's secret key and token) and every MFA code used is looked for in: the stdout and
 * stderr of every command of a full flow, successes and failures, with and without --debug (except
 * `env`'s and `credential-process`'s stdout, which are the credentials by design); the command line of
 * every process alive while awsmfa holds them; every file under HOME and TMPDIR other than the 0600
 * cache entries; the shell history and the screen of interactive bash and zsh sessions.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fakeSts, waitUntil } from './helpers/faults.js';
import { CLI, createWorld, DEFAULT_CONFIG, ROOT, runProgram, type RunResult, type World } from './helpers/fixture.js';

interface Seen {
  readonly where: string;
  readonly text: string;
}

function issuedSecrets(world: World): string[] {
  return world.emulator.issued().flatMap((issued) => [issued.secretAccessKey, issued.sessionToken]);
}

function secretsOf(world: World, codes: readonly string[]): string[] {
  return [world.user.secretAccessKey, ...issuedSecrets(world), ...codes];
}

/** Each place a secret was found, as `where: secret prefix`; a secret is also looked for by its first and last 16 characters. */
function leaks(seen: readonly Seen[], secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    const needles = secret.length > 32 ? [secret.slice(0, 16), secret.slice(-16)] : [secret];
    for (const { where, text } of seen) {
      if (needles.some((needle) => text.includes(needle))) found.push(`${where}: ${secret.slice(0, 4)}… (${secret.length} characters)`);
    }
  }
  return found;
}

/** A secret key of the right shape that belongs to no key: AWS answers SignatureDoesNotMatch. */
const WRONG_SECRET = 'WRONGsecretWRONGsecret0123456789abcdefgh';

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

test('a full flow, failures and --debug included: no secret in any output, on any command line, or in any file but the cache', async (t) => {
  const world = await createWorld({
    config: (user) => `${DEFAULT_CONFIG(user)}
[profile scan]
source_profile = doug
mfa_serial = ${user.mfaSerial}
mfa_process = ${'{dumper}'}

[profile badsecret]
mfa_serial = ${user.mfaSerial}

[profile wrongsecret]
mfa_serial = ${user.mfaSerial}
`,
  });
  const outside = await mkdtemp(join(tmpdir(), 'awsmfa-secrets-'));
  try {
    // mfa_process that records every process's command line (and its own environment) while awsmfa waits for it.
    const dumper = join(outside, 'dumper.sh');
    const codeFile = join(outside, 'code');
    await writeFile(
      dumper,
      `#!/bin/sh\nfor f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done > '${outside}/cmdlines'\ntr '\\0' '\\n' < /proc/self/environ > '${outside}/environ'\ncat '${codeFile}'\n`,
      { mode: 0o755 },
    );
    await writeFile(world.configPath, (await readFile(world.configPath, 'utf8')).replace('{dumper}', dumper));
    await writeFile(world.credentialsPath, `${await readFile(world.credentialsPath, 'utf8')}\n[badsecret]\naws_access_key_id = AKIABADSECRETEXAMPLE\naws_secret_access_key = BADSECRETbadsecret0123456789ü\n\n[wrongsecret]\naws_access_key_id = ${world.user.accessKeyId}\naws_secret_access_key = ${WRONG_SECRET}\n`);
    const temporary = join(world.home, 'tmp');
    await mkdir(temporary);
    const env = { ...world.env, TMPDIR: temporary };

    const seen: Seen[] = [];
    const codes: string[] = [];
    const code = () => {
      const next = world.code();
      codes.push(next);
      return next;
    };
    /** Runs the CLI; its stderr always counts, its stdout unless it is the credentials themselves. */
    const run = async (args: string[], options: { env?: Record<string, string>; stdoutIsCredentials?: boolean } = {}): Promise<RunResult> => {
      const result = await runProgram(process.execPath, [CLI, ...args], { env: { ...env, ...options.env }, cwd: world.home });
      seen.push({ where: `stderr of ${args.join(' ')}`, text: result.stderr });
      if (!options.stdoutIsCredentials) seen.push({ where: `stdout of ${args.join(' ')}`, text: result.stdout });
      return result;
    };
    const exported = (stdout: string, name: string) => new RegExp(`^export ${name}='([^']*)'`, 'm').exec(stdout)?.[1] ?? '';

    const first = await run(['env', 'doug', '--shell', 'bash', '--token-code', code(), '--debug'], { stdoutIsCredentials: true });
    assert.equal(first.code, 0, first.stderr);
    const session = {
      AWSMFA_PROFILE: 'doug',
      AWS_ACCESS_KEY_ID: exported(first.stdout, 'AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY: exported(first.stdout, 'AWS_SECRET_ACCESS_KEY'),
      AWS_SESSION_TOKEN: exported(first.stdout, 'AWS_SESSION_TOKEN'),
      AWSMFA_EXPIRES_AT: exported(first.stdout, 'AWSMFA_EXPIRES_AT'),
    };
    assert.ok(session.AWS_SESSION_TOKEN.length > 100);

    await run(['env', 'doug', '--shell', 'fish'], { stdoutIsCredentials: true });
    await run(['env', 'admin', '--shell', 'pwsh', '--debug'], { stdoutIsCredentials: true });
    await run(['env', 'audit', '--shell', 'zsh'], { stdoutIsCredentials: true });
    await run(['credential-process', 'admin', '--debug'], { stdoutIsCredentials: true });
    for (const args of [['status'], ['status', '--json'], ['status', '--verify', '--debug'], ['list'], ['list', '--json'], ['unset'], ['unset', '--shell', 'pwsh']]) {
      const result = await run(args, { env: session });
      assert.ok(result.code === 0 || args[0] === 'status', `${args.join(' ')}: ${result.stderr}`);
    }
    await run(['doctor', 'doug']);
    await run(['doctor', 'admin', '--debug']);
    await run(['init', 'bash']);
    await run(['init', 'pwsh']);

    // What a child of `exec` sees of everyone's command line; its own environment is where the keys are meant to be.
    const listing = await run(['exec', 'doug', '--', 'sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f" 2>/dev/null; echo; done']);
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, /sh -c for f in/);

    // mfa_process, run while awsmfa holds the long-term keys and cached sessions.
    await writeFile(codeFile, `${code()}\n`);
    const scanned = await run(['env', 'scan', '--force', '--debug'], { stdoutIsCredentials: true });
    assert.equal(scanned.code, 0, scanned.stderr);
    const cmdlines = await readFile(join(outside, 'cmdlines'), 'utf8');
    assert.match(cmdlines, new RegExp(`${CLI.replaceAll('.', '\\.')} env scan --force --debug`), 'awsmfa itself is in the listing');
    seen.push({ where: 'command lines while mfa_process ran', text: cmdlines });
    seen.push({ where: 'the environment of mfa_process', text: await readFile(join(outside, 'environ'), 'utf8') });

    // Failures, each with --debug: a reused code, a wrong code, a bad secret, STS answering garbage, a 500, nothing.
    const used = codes[0]!;
    assert.equal((await run(['env', 'doug', '--force', '--token-code', used, '--debug'])).code, 1);
    // A code of ten minutes from now: well-formed, unused, and wrong now.
    const wrong = world.emulator.code(world.user.mfaSerial!, Date.now() / 1000 + 600);
    codes.push(wrong);
    assert.equal((await run(['env', 'doug', '--force', '--token-code', wrong, '--debug'])).code, 1);
    assert.equal((await run(['env', 'badsecret', '--token-code', '123456', '--debug'])).code, 1);
    const mismatch = await run(['env', 'wrongsecret', '--token-code', '123456', '--debug']);
    assert.match(mismatch.stderr, /SignatureDoesNotMatch/);
    for (const [what, handler] of [
      ['garbage', (_q: unknown, response: import('node:http').ServerResponse) => response.end('\u0000garbage')],
      ['500', (_q: unknown, response: import('node:http').ServerResponse) => response.writeHead(500).end()],
      ['silence', () => undefined],
    ] as const) {
      const server = await fakeSts(handler);
      try {
        const failed = await run(['env', 'doug', '--force', '--token-code', '123456', '--debug'], { env: { AWS_ENDPOINT_URL_STS: server.url, AWSMFA_STS_TIMEOUT: '1' } });
        assert.equal(failed.code, 1, `${what}: ${failed.stderr}`);
      } finally {
        await server.close();
      }
    }
    await run(['clear', 'audit']);

    const secrets = [...secretsOf(world, codes), 'BADSECRETbadsecret0123456789ü', WRONG_SECRET];
    assert.equal(world.count('GetSessionToken'), 2);
    assert.equal(world.count('AssumeRole'), 2);
    assert.equal(world.emulator.issued().length, 4, 'MFA sessions and role sessions were issued, and all are looked for');
    assert.deepEqual(leaks(seen, secrets), [], 'no secret in any output, command line or mfa_process environment');

    // Files: session secrets only in 0600 cache entries, the long-term secret only in the credentials file.
    const files: Seen[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        const info = await lstat(path);
        if (info.isDirectory()) await walk(path);
        else if (info.isFile()) {
          const where = relative(world.home, path);
          const text = await readFile(path, 'utf8');
          if (/^\.cache\/awsmfa\/session-[0-9a-f]{40}\.json$/.test(where)) {
            assert.equal(info.mode & 0o777, 0o600, `${where} is 0600`);
            assert.ok(!text.includes(world.user.secretAccessKey), `${where} holds no long-term secret`);
          } else if (where === '.aws/credentials') {
            assert.ok(!issuedSecrets(world).some((secret) => text.includes(secret)), 'no session secret in the credentials file');
          } else {
            files.push({ where, text });
          }
        }
      }
    };
    await walk(world.home);
    assert.ok(files.some((file) => file.where.startsWith('.cache/awsmfa/codes-')), 'the used-code record was looked at too');
    assert.deepEqual(leaks(files, secrets), [], 'no secret in any other file under HOME or TMPDIR');
    t.diagnostic(`${secrets.length} secrets looked for in ${seen.length} outputs and listings and ${files.length} files: 0 found`);
  } finally {
    await rm(outside, { recursive: true, force: true });
    await world.close();
  }
});

async function requireProgram(t: TestContext, program: string): Promise<boolean> {
  const found = await runProgram(program, ['--version'], { env: { PATH: process.env.PATH ?? '' } }).catch(() => undefined);
  if (found?.code === 0) return true;
  t.skip(`${program} is not installed`);
  return false;
}

/** Types `lines` into an interactive shell in a pseudo-terminal, one at a time; returns what the terminal showed. */
async function interactive(world: World, shellCommand: string, env: Record<string, string>, lines: readonly string[]): Promise<string> {
  const terminal = spawn('script', ['-qfec', shellCommand, '/dev/null'], { env: { ...world.env, ...env }, cwd: world.home, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  terminal.stdout.setEncoding('utf8').on('data', (text: string) => (screen += text));
  const closed = new Promise<void>((resolve) => terminal.on('close', () => resolve()));
  const guard = setTimeout(() => terminal.kill('SIGKILL'), 30_000);
  await sleep(300);
  for (const line of lines) {
    const mark = `done-${Math.random().toString(36).slice(2)}`;
    terminal.stdin.write(`${line}; echo ${mark}\r`);
    // The echoed input contains the mark once; its output, a second time.
    await waitUntil(() => screen.split(mark).length > 2, 20_000, `"${line}" to finish`);
  }
  terminal.stdin.write('exit\r');
  await closed;
  clearTimeout(guard);
  return screen;
}

for (const shell of ['bash', 'zsh'] as const) {
  test(`${shell}: an interactive session that uses awsmfa keeps no key in its history or on the screen`, async (t) => {
    if (!(await requireProgram(t, 'script')) || !(await requireProgram(t, shell))) return;
    const world = await createWorld();
    try {
      const history = join(world.home, `.${shell}_history`);
      const command = shell === 'bash' ? 'bash --norc --noprofile -i' : 'zsh -f -i';
      const code = world.code();
      const init = join(world.home, 'init.sh');
      const rendered = await runProgram(process.execPath, [CLI, 'init', shell], { env: world.env });
      await writeFile(init, rendered.stdout);
      const screen = await interactive(world, command, { HISTFILE: history, HISTSIZE: '1000', SAVEHIST: '1000', PS1: '$ ', PROMPT: '$ ' }, [
        `${shell === 'bash' ? 'set -o history' : 'setopt INC_APPEND_HISTORY'}`,
        `eval "$(awsmfa env doug --token-code ${code})"`,
        'awsmfa status',
        `. ${q(init)}`,
        `awsmfa use admin --token-code ${world.code()}`,
        'awsmfa exec doug -- true',
        'awsmfa unset',
      ]);
      assert.match(screen, /awsmfa: doug: session until/);
      assert.match(screen, /awsmfa: admin: session until/);
      assert.match(screen, /awsmfa: admin: removed/);
      const recorded = await readFile(history, 'utf8');
      assert.match(recorded, /awsmfa env doug --token-code/, 'the history was written');
      assert.match(recorded, /awsmfa use admin/);
      const secrets = secretsOf(world, []);
      assert.ok(world.emulator.issued().length >= 2);
      assert.deepEqual(leaks([{ where: `${shell} history`, text: recorded }, { where: 'the terminal', text: screen }], secrets), []);
    } finally {
      await world.close();
    }
  });
}

test('no child process of awsmfa gets a secret on its command line: mfa_process and the exec child (ps of the whole system)', async () => {
  const world = await createWorld();
  try {
    const first = await runProgram(process.execPath, [CLI, 'env', 'doug', '--token-code', world.code()], { env: world.env });
    assert.equal(first.code, 0);
    // The child of exec sleeps; meanwhile the test reads every process's command line itself.
    const child = spawn(process.execPath, [CLI, 'exec', 'doug', '--', 'sh', '-c', 'echo ready; exec sleep 5'], { env: world.env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    await waitUntil(() => out.includes('ready'), 10_000, 'the exec child');
    await sleep(100);
    const lines: string[] = [];
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (line !== '') lines.push(line.replaceAll('\0', ' '));
    }
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('close', resolve));
    assert.ok(lines.some((line) => line.startsWith('sleep 5')), 'the exec child was seen');
    assert.deepEqual(leaks([{ where: 'ps', text: lines.join('\n') }], secretsOf(world, [])), []);
  } finally {
    await world.close();
  }
});

test('--debug shows nothing computed from a secret: no signature, no hash of the body that holds the MFA code', async () => {
  const world = await createWorld();
  try {
    const code = world.code();
    const result = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash', '--token-code', code, '--debug'], { env: world.env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /awsmfa: debug: STS GetSessionToken → POST/, 'the request was logged');
    // A SHA-256 of the body is 64 hex digits; trying the million codes against it takes seconds.
    assert.deepEqual(result.stderr.match(/\b[0-9a-f]{64}\b/gi) ?? [], [], 'no 64-hex-digit hash or signature');
    assert.match(result.stderr, /x-amz-content-sha256: <redacted>/);
    assert.ok(!result.stderr.includes(code));
  } finally {
    await world.close();
  }
});

test('SIGUSR1 does not open Node\'s inspector in awsmfa: nothing listens, awsmfa carries on', async () => {
  const world = await createWorld();
  try {
    const first = await runProgram(process.execPath, [CLI, 'env', 'doug', '--token-code', world.code()], { env: world.env });
    assert.equal(first.code, 0, first.stderr);
    const child = spawn(process.execPath, [CLI, 'exec', 'doug', '--', 'sh', '-c', 'echo ready; sleep 2'], { env: world.env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    const ended = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    await waitUntil(() => out.includes('ready'), 15_000, 'the exec child');
    child.kill('SIGUSR1');
    // Node answers SIGUSR1 within milliseconds ("Debugger listening on ws://127.0.0.1:9229/…").
    await sleep(500);
    const listening = await runProgram('ss', ['-Hltnp'], { env: { PATH: process.env.PATH ?? '' } }).catch(() => undefined);
    if (listening !== undefined && listening.code === 0) {
      assert.ok(!listening.stdout.includes(`pid=${child.pid},`), `awsmfa listens on no port:\n${listening.stdout}`);
    }
    assert.equal(await ended, 0, err);
    assert.ok(!/debugger|inspector/i.test(err), err);
  } finally {
    await world.close();
  }
});
