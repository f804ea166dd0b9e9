/**
 * `awsmfa setup` against the STS emulator: a new profile is written only after the key (GetCallerIdentity)
 * and the MFA device (a real GetSessionToken) are proved, with every other byte of both files unchanged;
 * each kind of wrong answer is refused with nothing written; a re-run edits the profile in place; and on
 * a real terminal the questions are asked one by one, the secret is never shown, and Ctrl-C at any
 * question writes nothing.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { ACCOUNT, CLI, DOUG_SERIAL, awsmfa, createWorld, runProgram, type World } from './helpers/fixture.js';
import { converse, requireScript } from './helpers/terminal.js';

const CONFIG = `# my config, kept by hand
[default]
region = us-east-1   ; the default

[profile doug]
mfa_serial = ${DOUG_SERIAL}
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::${ACCOUNT}:role/admin
source_profile = doug
`;

const credentials = (world: { user: { accessKeyId: string; secretAccessKey: string } }) => `# keys
[doug]
aws_access_key_id = ${world.user.accessKeyId}
aws_secret_access_key = ${world.user.secretAccessKey}
`;

async function newWorld(): Promise<World> {
  return createWorld({ config: () => CONFIG, credentials: (user) => credentials({ user }) });
}

interface Files {
  config: string;
  credentials: string;
}

async function files(world: World): Promise<Files> {
  return { config: await readFile(world.configPath, 'latin1'), credentials: await readFile(world.credentialsPath, 'latin1') };
}

/** A six-digit code that the device does not show in any window STS accepts now. */
function wrongCode(world: World): string {
  const now = Date.now() / 1000;
  const valid = new Set([-30, 0, 30].map((offset) => world.emulator.code(DOUG_SERIAL, now + offset)));
  return ['000000', '111111', '222222'].find((code) => !valid.has(code))!;
}

/** `awsmfa setup work` with every answer as a flag, the secret on stdin. */
function scripted(world: World, extra: string[], secret = world.user.secretAccessKey) {
  return awsmfa(['setup', 'work', '--access-key-id', world.user.accessKeyId, '--secret-stdin', '--yes', ...extra], { env: world.env, stdin: `${secret}\n` });
}

const WORK_CONFIG = `
[profile work]
mfa_serial = ${DOUG_SERIAL}
region = eu-central-1
duration_seconds = 3600
`;

test('a new profile is written after the key and the device are proved, and `env` right after needs no code', async () => {
  const world = await newWorld();
  try {
    const before = await files(world);
    const result = await scripted(world, ['--region', 'eu-central-1', '--duration', '1h', '--token-code', world.code()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '', 'nothing on stdout');
    assert.match(result.stderr, /the key belongs to arn:aws:iam::123456789012:user\/doug/);
    assert.match(result.stderr, /Next: awsmfa use work/);
    assert.ok(!result.stderr.includes(world.user.secretAccessKey), 'the secret is never printed');

    const after = await files(world);
    assert.equal(after.config, before.config + WORK_CONFIG, 'the config file gained [profile work] and nothing else changed');
    assert.equal(after.credentials, `${before.credentials}\n[work]\naws_access_key_id = ${world.user.accessKeyId}\naws_secret_access_key = ${world.user.secretAccessKey}\n`);
    assert.equal((await stat(world.credentialsPath)).mode & 0o777, 0o600);

    // The AWS SDK's loader reads back what was meant.
    const loaded = await loadSharedConfigFiles({ configFilepath: world.configPath, filepath: world.credentialsPath, ignoreCache: true });
    assert.deepEqual(loaded.configFile.work, { mfa_serial: DOUG_SERIAL, region: 'eu-central-1', duration_seconds: '3600' });
    assert.equal(loaded.credentialsFile.work?.aws_secret_access_key, world.user.secretAccessKey);
    assert.equal(world.count('GetCallerIdentity'), 1);
    assert.equal(world.count('GetSessionToken'), 1);

    const env = await awsmfa(['env', 'work', '--shell', 'bash'], { env: world.env });
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stderr, /work: cached session/);
    assert.match(env.stdout, /^export AWS_REGION='eu-central-1'$/m);
    assert.equal(world.count('GetSessionToken'), 1, 'the session proved by setup was reused');
  } finally {
    await world.close();
  }
});

test('files that do not exist yet are created private, and a credentials file others can read is made private', async () => {
  const world = await newWorld();
  try {
    await rm(world.configPath);
    await rm(world.credentialsPath);
    const created = await scripted(world, ['--token-code', world.code()]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await stat(world.configPath)).mode & 0o777, 0o600);
    assert.equal((await stat(world.credentialsPath)).mode & 0o777, 0o600);
    assert.equal(await readFile(world.configPath, 'utf8'), `[profile work]\nmfa_serial = ${DOUG_SERIAL}\n`);

    await chmod(world.credentialsPath, 0o644);
    const again = await scripted(world, ['--token-code', world.code()]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /made .*credentials private \(it was mode 0644, now 0600\)/);
    assert.equal((await stat(world.credentialsPath)).mode & 0o777, 0o600);
  } finally {
    await world.close();
  }
});

test('a wrong key, secret, MFA device, code, region or duration is refused, and nothing is written', async () => {
  const world = await newWorld();
  try {
    const before = await files(world);
    const cases: { name: string; run: () => ReturnType<typeof awsmfa>; error: RegExp; calls: string[] }[] = [
      { name: 'session key', run: () => awsmfa(['setup', 'work', '--access-key-id', 'ASIAEXAMPLEEXAMPLE00', '--secret-stdin', '--yes'], { env: world.env, stdin: 'x'.repeat(40) }), error: /is a temporary session key/, calls: [] },
      { name: 'unknown key', run: () => awsmfa(['setup', 'work', '--access-key-id', 'AKIAUNKNOWNUNEXAMPLE', '--secret-stdin', '--yes'], { env: world.env, stdin: world.user.secretAccessKey }), error: /AWS does not know the access key AKIAUNKNOWNUNEXAMPLE \(InvalidClientTokenId\); nothing was written/, calls: ['GetCallerIdentity'] },
      { name: 'wrong secret', run: () => scripted(world, [], 'wrongSecretEXAMPLE0123456789abcdefghijkl'), error: /AWS refused the secret: it does not belong to the access key/, calls: ['GetCallerIdentity'] },
      { name: 'device of another account', run: () => scripted(world, ['--mfa-serial', 'arn:aws:iam::999999999999:mfa/doug']), error: /is in account 999999999999, but the key belongs to arn:aws:iam::123456789012:user\/doug/, calls: ['GetCallerIdentity'] },
      { name: 'not a device', run: () => scripted(world, ['--mfa-serial', 'arn:aws:iam::123456789012:user/doug']), error: /is not an MFA device ARN/, calls: ['GetCallerIdentity'] },
      { name: 'unknown device', run: () => scripted(world, ['--mfa-serial', `arn:aws:iam::${ACCOUNT}:mfa/nobody`, '--token-code', wrongCode(world)]), error: /does not know the MFA device .*nothing was written/, calls: ['GetCallerIdentity', 'GetSessionToken'] },
      { name: 'wrong code', run: () => scripted(world, ['--token-code', wrongCode(world)]), error: /refused the MFA code .*; nothing was written/, calls: ['GetCallerIdentity', 'GetSessionToken'] },
      { name: 'malformed code', run: () => scripted(world, ['--token-code', '12345']), error: /has 5 digits/, calls: ['GetCallerIdentity'] },
      { name: 'region', run: () => scripted(world, ['--region', 'mars-1']), error: /"mars-1" is not an AWS region/, calls: [] },
      { name: 'duration', run: () => scripted(world, ['--duration', '600']), error: /outside what GetSessionToken allows/, calls: ['GetCallerIdentity'] },
    ];
    for (const { name, run, error, calls } of cases) {
      world.emulator.calls.length = 0;
      const result = await run();
      assert.equal(result.code, 1, `${name}: ${result.stderr}`);
      assert.match(result.stderr, error, name);
      assert.deepEqual(world.emulator.calls.map((call) => call.action), calls, `${name}: the calls made`);
      assert.ok(world.emulator.calls.every((call) => call.action !== 'GetSessionToken' || !call.ok), `${name}: no session was issued`);
      assert.deepEqual(await files(world), before, `${name}: both files unchanged`);
    }
  } finally {
    await world.close();
  }
});

test('re-running setup edits the profile in place: comments, other keys and the keys file stay', async () => {
  const world = await createWorld({
    config: () => `[profile work]  # my work account
mfa_serial = ${DOUG_SERIAL}
output = json
region = us-east-1
; was here first (the AWS CLI would read a comment on the region line as part of the region)

[profile later]
region = eu-west-1
`,
    credentials: (user) => `[work]
aws_access_key_id = ${user.accessKeyId}
aws_secret_access_key = ${user.secretAccessKey}
`,
  });
  try {
    const credentialsBefore = await readFile(world.credentialsPath, 'latin1');
    // No key and no secret given: the current ones are kept (and proved again).
    const result = await awsmfa(['setup', 'work', '--region', 'us-west-2', '--duration', '7200', '--token-code', world.code(), '--yes'], { env: world.env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /changing \[profile work\]/);
    assert.equal(
      await readFile(world.configPath, 'utf8'),
      `[profile work]  # my work account
mfa_serial = ${DOUG_SERIAL}
output = json
region = us-west-2
duration_seconds = 7200
; was here first (the AWS CLI would read a comment on the region line as part of the region)

[profile later]
region = eu-west-1
`,
    );
    assert.equal(await readFile(world.credentialsPath, 'latin1'), credentialsBefore, 'the same key: the credentials file is untouched');
    assert.match(result.stderr, /the access key and its secret in \[work\] of .*: unchanged/);
  } finally {
    await world.close();
  }
});

test('profiles that get credentials another way are refused before any question', async () => {
  const world = await newWorld();
  try {
    const result = await awsmfa(['setup', 'admin', '--yes'], { env: world.env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\[profile admin\] in .* has role_arn/);
    assert.match(result.stderr, /Run setup for the profile with the user's keys \(its source_profile doug\)/);
    assert.equal(world.emulator.calls.length, 0);
    const badName = await awsmfa(['setup', 'has space', '--yes'], { env: world.env });
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /"has space" cannot be a profile name/);
  } finally {
    await world.close();
  }
});

test('with no terminal, a missing answer names the flag that gives it; the secret is never a flag', async () => {
  const world = await newWorld();
  try {
    const before = await files(world);
    // setsid: a session with no controlling terminal, as under cron or CI.
    const noSecret = await runProgram('setsid', ['-w', process.execPath, CLI, 'setup', 'work', '--access-key-id', world.user.accessKeyId], { env: world.env });
    assert.equal(noSecret.code, 1);
    assert.match(noSecret.stderr, /no secret access key for \[work\], and there is no terminal to ask on\n.*--secret-stdin/);
    const noKey = await runProgram('setsid', ['-w', process.execPath, CLI, 'setup', 'work'], { env: world.env });
    assert.match(noKey.stderr, /no access key ID for \[work\].*\n.*--access-key-id/);
    const emptyStdin = await awsmfa(['setup', 'work', '--access-key-id', world.user.accessKeyId, '--secret-stdin', '--yes'], { env: world.env, stdin: '' });
    assert.match(emptyStdin.stderr, /standard input holds no secret/);
    const asFlag = await awsmfa(['setup', 'work', '--secret', world.user.secretAccessKey], { env: world.env });
    assert.notEqual(asFlag.code, 0, 'there is no --secret flag');
    assert.deepEqual(await files(world), before);
    assert.equal(world.emulator.calls.length, 0);
  } finally {
    await world.close();
  }
});

test('on a terminal: each question in turn, the secret not shown, the proposals taken with Enter', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await newWorld();
  try {
    const secret = world.user.secretAccessKey;
    const run = await converse(world.env, ['setup', 'work'], [
      { question: 'Access key ID: ', keys: `${world.user.accessKeyId}\r` },
      { question: 'Secret access key: ', keys: `${secret}\r` },
      { question: 'Region [us-east-1]: ', keys: 'mars\r' },
      // A wrong answer is explained and asked again.
      { question: 'Region [us-east-1]: ', keys: 'eu-west-1\r' },
      { question: `MFA device ARN [${DOUG_SERIAL}]: `, keys: '\r' },
      { question: 'Session duration (seconds, or e.g. 12h) [12h]: ', keys: '2h\r' },
      { question: `MFA code for ${DOUG_SERIAL}: `, keys: `${world.code()}\r` },
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /"mars" is not an AWS region/);
    assert.match(run.stderr, /Secret access key: \*{41}\n/);
    assert.ok(!run.screen.includes(secret) && !run.stderr.includes(secret), 'the secret never appeared');
    assert.ok(run.screen.includes(world.user.accessKeyId), 'the key id is echoed as it is typed');
    assert.match(run.stty, /(^|\s)echo(\s|$)/);
    const loaded = await loadSharedConfigFiles({ configFilepath: world.configPath, filepath: world.credentialsPath, ignoreCache: true });
    assert.deepEqual(loaded.configFile.work, { mfa_serial: DOUG_SERIAL, region: 'eu-west-1', duration_seconds: '7200' });
    assert.equal(loaded.credentialsFile.work?.aws_secret_access_key, secret);
  } finally {
    await world.close();
  }
});

test('Ctrl-C at any question writes nothing and leaves the terminal sane', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await newWorld();
  try {
    const before = await files(world);
    const steps = [
      { question: 'Access key ID: ', keys: `${world.user.accessKeyId}\r` },
      { question: 'Secret access key: ', keys: `${world.user.secretAccessKey}\r` },
      { question: 'Region [us-east-1]: ', keys: '\r' },
      { question: `MFA device ARN [${DOUG_SERIAL}]: `, keys: '\r' },
      { question: 'Session duration (seconds, or e.g. 12h) [12h]: ', keys: '\r' },
      { question: `MFA code for ${DOUG_SERIAL}: `, keys: '\r' },
    ];
    // At the key id (the terminal's line mode: Ctrl-C is SIGINT), at the secret (raw mode: Ctrl-C is a
    // byte), after the key was checked with AWS, and at the MFA code.
    for (const at of [0, 1, 3, 5]) {
      const run = await converse(world.env, ['setup', 'work'], [...steps.slice(0, at), { question: steps[at]!.question, keys: '12\x03' }]);
      assert.equal(run.status, 130, `Ctrl-C at ${JSON.stringify(steps[at]!.question)}: ${run.stderr}`);
      assert.match(run.stderr, /interrupted; nothing was written/);
      assert.match(run.stty, /(^|\s)echo(\s|$)/);
      assert.match(run.stty, /(^|\s)icanon(\s|$)/);
      assert.deepEqual(await files(world), before, `Ctrl-C at ${JSON.stringify(steps[at]!.question)}: nothing written`);
    }
    assert.equal(world.count('GetSessionToken'), 0);
  } finally {
    await world.close();
  }
});

test('a second key for the profile replaces the first; the other profiles keep theirs', async () => {
  const world = await newWorld();
  try {
    await writeFile(world.credentialsPath, `${credentials(world)}\n[work]\naws_access_key_id = AKIAOLDOLDOL0EXAMPLE\naws_secret_access_key = oldSecretEXAMPLE0123456789abcdefghijklmn\naws_session_token = stale\n`, { mode: 0o600 });
    const result = await scripted(world, ['--token-code', world.code()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      await readFile(world.credentialsPath, 'utf8'),
      `${credentials(world)}\n[work]\naws_access_key_id = ${world.user.accessKeyId}\naws_secret_access_key = ${world.user.secretAccessKey}\n`,
    );
  } finally {
    await world.close();
  }
});
