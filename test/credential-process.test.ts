/**
 * `awsmfa credential-process` as the real AWS CLI runs it: from `credential_process` in a temporary
 * config, with the emulator as STS. The CLI captures the process's stderr, so a question for the MFA
 * code must go to the terminal itself; that is checked on a real pseudo-terminal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, appendFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ACCOUNT, CLI, createWorld, runProgram, type World } from './helpers/fixture.js';

const AWS_CLI = '/usr/bin/aws';
const haveAws = () => access(AWS_CLI).then(() => true, () => false);

async function withWorld(body: (world: World) => Promise<void>) {
  const world = await createWorld();
  try {
    // Absolute paths: the AWS CLI splits the line into words and runs it with no shell and no PATH games.
    await appendFile(
      world.configPath,
      `\n[profile viaawsmfa]\ncredential_process = ${process.execPath} ${CLI} credential-process doug\nregion = us-east-1\n` +
        `\n[profile adminviaawsmfa]\ncredential_process = ${process.execPath} ${CLI} credential-process admin\nregion = us-east-1\n`,
    );
    await body(world);
  } finally {
    await world.close();
  }
}

const callerArn = (world: World, profile: string) =>
  runProgram(AWS_CLI, ['sts', 'get-caller-identity', '--profile', profile, '--endpoint-url', world.emulator.url, '--query', 'Arn', '--output', 'text'], { env: world.env });

test('prints Version 1 JSON from the cached session, and nothing else on stdout', async () => {
  await withWorld(async (world) => {
    const started = await runProgram(process.execPath, [CLI, 'env', 'doug', '--token-code', world.code(), '--shell', 'bash'], { env: world.env });
    assert.equal(started.code, 0, started.stderr);
    const result = await runProgram(process.execPath, [CLI, 'credential-process', 'doug'], { env: world.env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^\{.*\}\n$/);
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(output), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(output.Version, 1);
    assert.match(String(output.AccessKeyId), /^ASIA/);
    assert.match(String(output.Expiration), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(started.stdout.includes(`'${String(output.SecretAccessKey)}'`), 'the same session env exported');
    assert.equal(world.count('GetSessionToken'), 1);
  });
});

test('the real aws CLI uses it through credential_process, for a user and for a role', async (t) => {
  if (!(await haveAws())) {
    t.skip('no aws CLI at /usr/bin/aws');
    return;
  }
  await withWorld(async (world) => {
    const started = await runProgram(process.execPath, [CLI, 'env', 'admin', '--token-code', world.code()], { env: world.env });
    assert.equal(started.code, 0, started.stderr);
    const [user, role] = await Promise.all([callerArn(world, 'viaawsmfa'), callerArn(world, 'adminviaawsmfa')]);
    assert.equal(user.code, 0, user.stderr);
    assert.equal(user.stdout.trim(), `arn:aws:iam::${ACCOUNT}:user/doug`);
    assert.equal(role.code, 0, role.stderr);
    assert.equal(role.stdout.trim(), `arn:aws:sts::${ACCOUNT}:assumed-role/admin/awsmfa-doug`);
    assert.equal(world.count('GetSessionToken'), 1, 'both came from the one cached MFA session');
  });
});

test('with no session and no terminal, it fails with advice the AWS CLI passes on, and prints no JSON', async (t) => {
  await withWorld(async (world) => {
    const direct = await runProgram(process.execPath, [CLI, 'credential-process', 'doug'], { env: world.env });
    assert.equal(direct.code, 1);
    assert.equal(direct.stdout, '');
    assert.match(direct.stderr, /an MFA code is needed for \[doug\], and there is no terminal to ask for it on/);
    assert.match(direct.stderr, /awsmfa env doug/);

    const unknown = await runProgram(process.execPath, [CLI, 'credential-process', 'dgu'], { env: world.env });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /Did you mean "doug"/);

    if (!(await haveAws())) return t.diagnostic('no aws CLI at /usr/bin/aws; its part was skipped');
    const viaCli = await callerArn(world, 'viaawsmfa');
    assert.notEqual(viaCli.code, 0);
    assert.match(viaCli.stderr, /an MFA code is needed for \[doug\]/);
  });
});

test('on a terminal, the question goes to the terminal while the AWS CLI captures stderr', async (t) => {
  if (!(await haveAws()) || !(await access('/usr/bin/script').then(() => true, () => false))) {
    t.skip('needs /usr/bin/aws and util-linux script');
    return;
  }
  await withWorld(async (world) => {
    const command = `exec ${AWS_CLI} sts get-caller-identity --profile viaawsmfa --endpoint-url ${world.emulator.url} --query Arn --output text`;
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...world.env, SHELL: '/bin/sh', AWS_PAGER: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const asked = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        screen += text;
        if (/MFA code for arn:aws:iam::123456789012:mfa\/doug \(\[doug\]\): $/.test(screen)) resolve();
      });
    });
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.race([asked, ended]);
    const code = world.code();
    child.stdin.write(`${code}\r`);
    const status = await ended;
    clearTimeout(timer);
    assert.equal(status, 0, screen);
    assert.match(screen, /\*{6}\r?\n/, 'typed digits are not echoed');
    assert.ok(!screen.includes(code));
    assert.match(screen, new RegExp(`arn:aws:iam::${ACCOUNT}:user/doug`));
    assert.equal(world.count('GetSessionToken'), 1);
  });
});
