/**
 * Every error path of the core, through the built CLI as a user meets it: the message (what went
 * wrong, naming the profile and the file, in plain words), the one next step, the exit status, and
 * that stdout carries nothing but the statement that makes the caller's eval fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { awsmfa, CLI, createWorld, ROOT, type RunResult, type World, type WorldOptions } from './helpers/fixture.js';

async function withWorld(options: WorldOptions, body: (world: World) => Promise<void>) {
  const world = await createWorld(options);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

/** The message and its hint, as reportError writes them: `awsmfa: error: …` then an indented line. */
function failure(result: RunResult): { message: string; hint: string } {
  const match = /^awsmfa: error: (.*)\n {2}(.*)\n$/.exec(result.stderr);
  assert.ok(match, `one error and one hint on stderr, got:\n${result.stderr}`);
  return { message: match[1]!, hint: match[2]! };
}

function assertFailedEnv(result: RunResult): { message: string; hint: string } {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, 'false\n', 'stdout is only the statement that makes eval fail');
  return failure(result);
}

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

test('an unknown profile: both files named, the nearest names suggested', async () => {
  await withWorld({}, async (world) => {
    const { message, hint } = assertFailedEnv(await awsmfa(['env', 'dougg'], { env: world.env }));
    assert.equal(message, `profile "dougg" is not in ${world.configPath} or ${world.credentialsPath}`);
    assert.equal(hint, 'Did you mean "doug"?');
    const far = assertFailedEnv(await awsmfa(['env', 'zzzzzzzz'], { env: world.env }));
    assert.match(far.hint, /awsmfa list/);
  });
});

test('a profile without mfa_serial: where to add it', async () => {
  await withWorld({}, async (world) => {
    const { message, hint } = assertFailedEnv(await awsmfa(['env', 'nomfa', '--token-code', '123456'], { env: world.env }));
    assert.equal(message, 'profile [nomfa] has no mfa_serial');
    assert.match(hint, new RegExp(`Add mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE to \\[profile nomfa\\] in ${world.configPath}`));
    assert.equal(world.emulator.calls.length, 0);
  });
});

test('a malformed code is refused before any call', async () => {
  await withWorld({}, async (world) => {
    for (const [code, what] of [['12345', 'has 5 digits'], ['12a456', 'is not only digits'], ['', 'is empty']]) {
      const { message, hint } = assertFailedEnv(await awsmfa(['env', 'doug', `--token-code=${code}`], { env: world.env }));
      assert.equal(message, `the MFA code from --token-code ${what}; it must be exactly six digits`);
      assert.match(hint, /six digits your MFA device shows now/);
    }
    assert.equal(world.emulator.calls.length, 0);
  });
});

test('a wrong code: what AWS answered, and to wait for the next one', async () => {
  await withWorld({}, async (world) => {
    const { message, hint } = assertFailedEnv(await awsmfa(['env', 'doug', '--token-code', wrongCode(world.code())], { env: world.env }));
    assert.equal(message, `AWS refused the MFA code for ${world.user.mfaSerial} of [doug]: it is wrong, expired or already used (AccessDenied)`);
    assert.match(hint, /^Wait for the next code and try again/);
  });
});

test('a reused code is refused locally, with no call, and the advice to wait', async () => {
  await withWorld({}, async (world) => {
    const code = world.code();
    assert.equal((await awsmfa(['env', 'doug', '--token-code', code], { env: world.env })).code, 0);
    const calls = world.emulator.calls.length;
    const { message, hint } = assertFailedEnv(await awsmfa(['env', 'doug', '--token-code', code, '--force'], { env: world.env }));
    assert.match(message, new RegExp(`^this MFA code was already used for ${world.user.mfaSerial} \\d+ s ago, and AWS accepts each code once$`));
    assert.match(hint, /^Wait for the next code \(at most \d+ s\) and try again\.$/);
    assert.equal(world.emulator.calls.length, calls);
  });
});

test('keys AWS does not know: the profile and the file, and the question whether they were rotated', async () => {
  await withWorld({ credentials: () => '[doug]\naws_access_key_id = AKIAUNKNOWNKEEXAMPLE\naws_secret_access_key = s\n' }, async (world) => {
    const { message, hint } = assertFailedEnv(await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env }));
    assert.equal(message, `AWS does not recognise the access key in [doug] of ${world.credentialsPath} (InvalidClientTokenId)`);
    assert.match(hint, /was it rotated or deleted\?/);
  });
  await withWorld({ credentials: (user) => `[doug]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = notTheSecret\n` }, async (world) => {
    const { message, hint } = assertFailedEnv(await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env }));
    assert.equal(message, `AWS refused the secret key in [doug] of ${world.credentialsPath}: it does not belong to the access key next to it (SignatureDoesNotMatch)`);
    assert.match(hint, /Paste the key pair again/);
  });
});

test('an endpoint nobody answers on: named, with where it came from, and no hang', async () => {
  await withWorld({}, async (world) => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await new Promise((resolve) => server.close(resolve));
    const started = Date.now();
    const { message, hint } = assertFailedEnv(await awsmfa(['env', 'doug', '--token-code', world.code()], { env: { ...world.env, AWS_ENDPOINT_URL_STS: url } }));
    assert.equal(message, `cannot reach STS at ${url}: the connection was refused (GetSessionToken for [doug])`);
    assert.match(hint, /AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url in \[doug\]/);
    assert.ok(Date.now() - started < 10_000);
  });
});

test('a duration out of range is refused before any call', async () => {
  await withWorld({}, async (world) => {
    const session = assertFailedEnv(await awsmfa(['env', 'doug', '--token-code', '123456', '--duration', '100'], { env: world.env }));
    assert.equal(session.message, 'the duration 100 s from --duration is outside what GetSessionToken allows (900 to 129600 s)');
    assert.match(session.hint, /from 900 \(15 minutes\) to 129600 \(36 hours\)/);
    const role = assertFailedEnv(await awsmfa(['env', 'admin', '--token-code', '123456', '--duration', '50000'], { env: world.env }));
    assert.equal(role.message, 'the duration 50000 s from --duration is outside what AssumeRole allows (900 to 43200 s)');
    await writeFile(world.configPath, `[profile doug]\nmfa_serial = ${world.user.mfaSerial}\nduration_seconds = 200000\n`);
    const configured = assertFailedEnv(await awsmfa(['env', 'doug', '--token-code', '123456'], { env: world.env }));
    assert.match(configured.message, /from duration_seconds of \[doug\] is outside/);
    assert.equal(world.emulator.calls.length, 0);
  });
});

test('a corrupt cache file is a miss, never a crash', async () => {
  await withWorld({}, async (world) => {
    assert.equal((await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env })).code, 0);
    const dir = join(world.env.XDG_CACHE_HOME!, 'awsmfa');
    const [file] = (await readdir(dir)).filter((name) => name.startsWith('session-'));
    await writeFile(join(dir, file!), '{"version":1,"kind":"mfa","profile":"doug","accessKeyId":"ASIA', { mode: 0o600 });
    for (const command of [['status'], ['list'], ['status', '--json'], ['doctor', 'doug', '--offline']]) {
      const result = await awsmfa(command, { env: world.env });
      assert.ok(!/unexpected error|bug in awsmfa/.test(result.stderr), `${command.join(' ')}: ${result.stderr}`);
    }
    const again = await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^awsmfa: doug: session until/);
    assert.ok(JSON.parse(await readFile(join(dir, file!), 'utf8')).sessionToken, 'the entry was written anew');
    assert.equal(world.count('GetSessionToken'), 2);
  });
});

/** Runs the CLI in a new session, so that it has no controlling terminal (/dev/tty cannot be opened). */
function withoutTerminal(args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
  });
}

test('no terminal to ask for the code on: how to pass it instead', async () => {
  await withWorld({}, async (world) => {
    const { message, hint } = assertFailedEnv(await withoutTerminal(['env', 'doug'], world.env));
    assert.equal(message, 'there is no terminal to ask for the MFA code on for [doug]');
    assert.equal(hint, 'Pass it with --token-code 123456, or set mfa_process in [doug] to a command that prints it.');
    assert.equal(world.emulator.calls.length, 0);
  });
});

test('stdout of a failed env is the failure statement of the shell asked for, even for a usage error', async () => {
  await withWorld({}, async (world) => {
    const fish = await awsmfa(['env', 'dougg', '--shell', 'fish'], { env: world.env });
    assert.equal(fish.stdout, 'false\n');
    const pwsh = await awsmfa(['env', 'dougg', '--shell', 'pwsh'], { env: world.env });
    assert.equal(pwsh.code, 1);
    assert.match(pwsh.stdout, /^\$global:LASTEXITCODE = 1; Write-Error -Message '[^']*' -ErrorId AwsmfaNoSession -Category InvalidResult\n$/);
    const usage = await awsmfa(['env', 'doug', '--duration', 'soon'], { env: world.env });
    assert.equal(usage.code, 1);
    assert.equal(usage.stdout, 'false\n');
  });
});

test('--debug (AWSMFA_DEBUG=1) shows the STS requests with every secret redacted', async () => {
  await withWorld({}, async (world) => {
    const code = world.code();
    const result = await awsmfa(['env', 'doug', '--token-code', code], { env: { ...world.env, AWSMFA_DEBUG: '1' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`awsmfa: debug: STS GetSessionToken → POST ${world.emulator.url.replace(/[.]/g, '\\.')}/`));
    assert.match(result.stderr, /awsmfa: debug: {3}body: .*TokenCode=<redacted>/);
    assert.match(result.stderr, /authorization: AWS4-HMAC-SHA256 Credential=AKIA…MPLE\/.*Signature=<redacted>/);
    assert.match(result.stderr, /awsmfa: debug: STS GetSessionToken ← HTTP 200 in \d+ ms, Date: /);
    assert.ok(!result.stderr.includes(code), 'the code is not shown');
    assert.ok(!result.stderr.includes(world.user.accessKeyId), 'the key id is not shown whole');
    assert.ok(!result.stderr.includes(world.user.secretAccessKey));
    const token = /AWS_SESSION_TOKEN='([^']+)'/.exec(result.stdout)?.[1];
    assert.ok(token);

    const verify = await awsmfa(['status', '--verify', '--debug'], {
      env: { ...world.env, AWSMFA_PROFILE: 'doug', AWS_ACCESS_KEY_ID: /AWS_ACCESS_KEY_ID='([^']+)'/.exec(result.stdout)![1]!, AWS_SECRET_ACCESS_KEY: /AWS_SECRET_ACCESS_KEY='([^']+)'/.exec(result.stdout)![1]!, AWS_SESSION_TOKEN: token },
    });
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stderr, /x-amz-security-token: <redacted, \d+ characters>/);
    assert.ok(!verify.stderr.includes(token));
  });
});
