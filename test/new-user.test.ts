/**
 * Setup, login, doctor and help as a new user meets them, through the built CLI against the STS
 * emulator (and on a real terminal where the terminal matters): an answer AWS refuses is asked for
 * again alone, in setup's own words; a profile written by `login` works with the AWS CLI and is
 * described by `doctor` and `list` as the session it is; the advice given can be followed as written.
 */
import assert from 'node:assert/strict';
import { access, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ACCOUNT, CLI, DOUG_SERIAL, awsmfa, createWorld, runProgram, type World } from './helpers/fixture.js';
import { schemaErrors } from './helpers/schema.js';
import { converse, requireScript } from './helpers/terminal.js';

const CONFIG = `# hand-made
[default]
region = us-east-1

[profile doug]
mfa_serial = ${DOUG_SERIAL}
region = eu-central-1
`;

const credentials = (user: { accessKeyId: string; secretAccessKey: string }) => `[doug]
aws_access_key_id = ${user.accessKeyId}
aws_secret_access_key = ${user.secretAccessKey}
`;

function newWorld(): Promise<World> {
  return createWorld({ config: () => CONFIG, credentials });
}

/** A six-digit code that the device does not show in any window STS accepts now. */
function wrongCode(world: World): string {
  const now = Date.now() / 1000;
  const valid = new Set([-60, -30, 0, 30, 60].map((offset) => world.emulator.code(DOUG_SERIAL, now + offset)));
  return ['000000', '111111', '222222', '333333'].find((code) => !valid.has(code))!;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

test('on a terminal, a secret, a device or a code that AWS refuses is asked for again, alone', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await newWorld();
  try {
    const run = await converse(world.env, ['setup', 'work'], [
      { question: 'Access key ID: ', keys: `${world.user.accessKeyId}\r` },
      { question: 'Secret access key: ', keys: 'wrongSecretEXAMPLE0123456789abcdefghijkl\r' },
      // Checked with AWS before the region is asked: the secret alone is asked again.
      { question: 'Secret access key: ', keys: `${world.user.secretAccessKey}\r` },
      { question: 'Region [us-east-1]: ', keys: 'eu-west-1\r' },
      { question: `MFA device ARN [${DOUG_SERIAL}]: `, keys: `arn:aws:iam::${ACCOUNT}:mfa/nobody\r` },
      { question: 'Session duration (seconds, or e.g. 12h) [12h]: ', keys: '\r' },
      { question: `MFA code for arn:aws:iam::${ACCOUNT}:mfa/nobody: `, keys: `${wrongCode(world)}\r` },
      // The device is asked again (its refused answer proposed for editing), then a code for it.
      { question: `MFA device ARN [arn:aws:iam::${ACCOUNT}:mfa/nobody]: `, keys: `${DOUG_SERIAL}\r` },
      { question: `MFA code for ${DOUG_SERIAL}: `, keys: `${wrongCode(world)}\r` },
      // A wrong code: only the code is asked again.
      { question: `MFA code for ${DOUG_SERIAL}: `, keys: `${world.code()}\r` },
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(count(run.stderr, 'Access key ID: '), 1, 'the key id was asked once');
    assert.equal(count(run.stderr, 'Secret access key: '), 2);
    assert.equal(count(run.stderr, 'Region ['), 1, 'the region was asked once');
    assert.equal(count(run.stderr, 'Session duration'), 1, 'the duration was asked once');
    assert.ok(run.stderr.indexOf('AWS refused the secret') < run.stderr.indexOf('Region ['), 'the secret was checked before the region question');
    assert.match(run.stderr, /AWS does not know the MFA device arn:aws:iam::123456789012:mfa\/nobody/);
    assert.match(run.stderr, /Security credentials → Multi-factor authentication \(MFA\); copy the device's Identifier/);
    assert.doesNotMatch(run.stderr, /into mfa_serial of \[work\]/, "no advice about a file that was never written");
    assert.match(run.stderr, /AWS refused the MFA code/);
    assert.doesNotMatch(run.stderr, /nothing was written/);
    assert.doesNotMatch(run.stderr, / — [A-Z]/, 'no capital after a dash mid-sentence');
    assert.ok(!run.stderr.includes(world.user.secretAccessKey) && !run.screen.includes(world.user.secretAccessKey));
    const config = await readFile(world.configPath, 'utf8');
    assert.match(config, /\[profile work\]\nmfa_serial = arn:aws:iam::123456789012:mfa\/doug\nregion = eu-west-1\n/);
    assert.equal(world.count('GetSessionToken'), 1);
  } finally {
    await world.close();
  }
});

test('on a terminal, a malformed key id is refused in place, a key id AWS refuses is asked for again and the typed secret is kept', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await newWorld();
  try {
    const run = await converse(world.env, ['setup', 'work'], [
      // Not shaped like a key id: refused in place, with what it should look like on a line of its own.
      { question: 'Access key ID: ', keys: 'AKIA1234\r' },
      { question: 'Access key ID: ', keys: 'AKIAUNKNOWNUNEXAMPLE\r' },
      { question: 'Secret access key: ', keys: `${world.user.secretAccessKey}\r` },
      { question: 'Access key ID: ', keys: `${world.user.accessKeyId}\r` },
      { question: 'Region [us-east-1]: ', keys: '\r' },
      { question: `MFA device ARN [${DOUG_SERIAL}]: `, keys: '\r' },
      { question: 'Session duration (seconds, or e.g. 12h) [12h]: ', keys: '\r' },
      { question: `MFA code for ${DOUG_SERIAL}: `, keys: `${world.code()}\r` },
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /AWS does not know the access key AKIAUNKNOWNUNEXAMPLE \(InvalidClientTokenId\)\n/);
    assert.equal(count(run.stderr, 'Secret access key: '), 1, 'the secret was not asked again');
    assert.match(run.stderr, /that is not an access key ID\n  It is 20 capital letters and digits starting with AKIA/);
    assert.doesNotMatch(run.stderr, / — [A-Z]/, 'no capital after a dash mid-sentence');
  } finally {
    await world.close();
  }
});

test('scripted setup with no terminal and no code names --token-code, not a profile that does not exist; --yes says nothing about Enter; a refused first setup leaves no cache directory', async () => {
  const world = await newWorld();
  try {
    const before = { config: await readFile(world.configPath), credentials: await readFile(world.credentialsPath) };
    const noCode = await runProgram('setsid', ['-w', process.execPath, CLI, 'setup', 'work3', '--access-key-id', world.user.accessKeyId, '--secret-stdin', '--yes'], { env: world.env, stdin: `${world.user.secretAccessKey}\n` });
    assert.equal(noCode.code, 1, noCode.stderr);
    assert.match(noCode.stderr, /no MFA code to prove the device .*there is no terminal to ask on/);
    assert.match(noCode.stderr, /--token-code/);
    assert.doesNotMatch(noCode.stderr, /mfa_process in \[work3\]/);
    assert.doesNotMatch(noCode.stderr, /Enter takes the value in brackets/, '--yes and no terminal: nothing is asked, so no word about Enter');
    assert.deepEqual({ config: await readFile(world.configPath), credentials: await readFile(world.credentialsPath) }, before);

    const refused = await awsmfa(['setup', 'work3', '--access-key-id', world.user.accessKeyId, '--secret-stdin', '--yes', '--token-code', wrongCode(world)], { env: world.env, stdin: `${world.user.secretAccessKey}\n` });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /refused the MFA code .*nothing was written/);
    const cacheParent = world.env.XDG_CACHE_HOME!;
    const left = await readdir(cacheParent).catch(() => [] as string[]);
    assert.ok(!left.includes('awsmfa'), `a refused first setup leaves no cache directory (found ${left.join(', ')})`);
  } finally {
    await world.close();
  }
});

interface Check {
  check: string;
  status: string;
  message: string;
  fix: string | null;
}

test('login carries the region into the config file, and doctor, list and env describe the written profile as a session', async (t) => {
  const world = await newWorld();
  try {
    const configBefore = await readFile(world.configPath, 'utf8');
    const login = await awsmfa(['login', 'doug', '--to-profile', 'doug-mfa', '--token-code', world.code()], { env: world.env });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(await readFile(world.configPath, 'utf8'), `${configBefore}\n[profile doug-mfa]\nregion = eu-central-1\n`, 'only the new profile\'s region was added');
    assert.match(login.stderr, /wrote region = eu-central-1 to \[profile doug-mfa\]/);
    assert.match(login.stderr, /for a new session before this one ends: awsmfa login doug --to-profile doug-mfa --force/);
    assert.doesNotMatch(login.stderr, /run this again to renew/);

    // The command it names renews: a new session, not the cached one again.
    const token = () => readFile(world.credentialsPath, 'utf8').then((text) => /\[doug-mfa\][^[]*aws_session_token = (\S+)/.exec(text)![1]);
    const first = await token();
    const renewed = await awsmfa(['login', 'doug', '--to-profile', 'doug-mfa', '--force', '--token-code', world.code()], { env: world.env });
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.notEqual(await token(), first, '--force wrote a new session');
    assert.equal((await readFile(world.configPath, 'utf8')).match(/\[profile doug-mfa\]/g)?.length, 1, 'the region is not written twice');

    const doctor = await awsmfa(['doctor', 'doug-mfa', '--offline', '--json'], { env: world.env });
    const checks = (JSON.parse(doctor.stdout) as { checks: Check[] }).checks;
    const session = checks.find((check) => check.check === 'login-session');
    assert.equal(session?.status, 'ok', doctor.stdout);
    assert.match(session!.message, /\[doug-mfa\]: a session of \[doug\] written by awsmfa login in .*credentials, until .* left\)/);
    assert.ok(!doctor.stdout.includes('aws_session_token'), 'doctor never advises removing the token');
    assert.ok(!checks.some((check) => check.check === 'keys' && check.status === 'fail'));

    const list = await awsmfa(['list', '--json'], { env: world.env });
    assert.deepEqual(await schemaErrors('list.schema.json', JSON.parse(list.stdout)), []);
    assert.deepEqual(await schemaErrors('doctor.schema.json', JSON.parse(doctor.stdout)), []);
    const view = (JSON.parse(list.stdout) as { profiles: { name: string; problem: string | null; loginSession: { source: string; expired: boolean } | null }[] }).profiles.find((p) => p.name === 'doug-mfa');
    assert.equal(view?.problem, null);
    assert.deepEqual({ source: view?.loginSession?.source, expired: view?.loginSession?.expired }, { source: 'doug', expired: false });
    const table = await awsmfa(['list'], { env: world.env });
    assert.match(table.stdout, /^\s*doug-mfa\s+no\s+login\s+doug\s+eu-central-1\s+\S+.* left \(login\)/m);
    assert.doesNotMatch(table.stdout, /! doug-mfa/);

    const env = await awsmfa(['env', 'doug-mfa', '--shell', 'bash'], { env: world.env });
    assert.equal(env.code, 1);
    assert.match(env.stderr, /holds a session of \[doug\] written by awsmfa login, not an IAM user's long-term keys/);
    assert.match(env.stderr, /to renew it: awsmfa login doug --to-profile doug-mfa --force\./, 'a live session is renewed only with --force');

    // Expired: doctor says so and how to renew it, never to delete the token.
    const text = await readFile(world.credentialsPath, 'utf8');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(world.credentialsPath, text.replace(/x_security_token_expires = \S+/, 'x_security_token_expires = 2020-01-01T00:00:00Z'));
    const expired = await awsmfa(['doctor', 'doug-mfa', '--offline', '--json'], { env: world.env });
    const stale = (JSON.parse(expired.stdout) as { checks: Check[] }).checks.find((check) => check.check === 'login-session');
    assert.equal(stale?.status, 'fail');
    assert.match(stale!.message, /expired at/);
    assert.equal(stale!.fix, 'Renew it: awsmfa login doug --to-profile doug-mfa.');
    const staleList = await awsmfa(['list'], { env: world.env });
    assert.match(staleList.stdout, /! doug-mfa: the session written by awsmfa login has expired; renew it: awsmfa login doug --to-profile doug-mfa/);
    await writeFile(world.credentialsPath, text);

    const aws = await access('/usr/bin/aws').then(() => '/usr/bin/aws', () => undefined);
    if (aws === undefined) {
      t.skip('the aws CLI is not installed (Debian package awscli): the written profile was not tried with it');
      return;
    }
    // No --region: the profile itself must name one for the AWS CLI.
    const identity = await runProgram(aws, ['sts', 'get-caller-identity', '--profile', 'doug-mfa', '--endpoint-url', world.emulator.url, '--query', 'Arn', '--output', 'text'], { env: world.env });
    assert.equal(identity.code, 0, identity.stderr);
    assert.equal(identity.stdout.trim(), `arn:aws:iam::${ACCOUNT}:user/doug`);
  } finally {
    await world.close();
  }
});

test('a reused code that belonged to the next window: the wait named lasts until that window has passed', async () => {
  const world = await newWorld();
  try {
    // Started early in a window, so that the use and the refusal fall in the same one.
    const intoWindow = (Date.now() / 1000) % 30;
    if (intoWindow > 20) await new Promise((resolve) => setTimeout(resolve, (30 - intoWindow + 0.5) * 1000));
    const generatedStep = Math.floor(Date.now() / 30_000);
    world.code();
    const nextWindowCode = world.code();
    const used = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', nextWindowCode], { env: world.env });
    assert.equal(used.code, 0, used.stderr);
    const again = await awsmfa(['env', 'doug', '--shell', 'bash', '--force', '--token-code', nextWindowCode], { env: world.env });
    const refusedAt = Date.now() / 1000;
    assert.equal(again.code, 1);
    const wait = Number(/Wait for the next code \(at most (\d+) s\)/.exec(again.stderr)?.[1]);
    assert.ok(Number.isInteger(wait), again.stderr);
    // The device shows this code until the end of the window after the one it was generated in.
    const shownUntil = (generatedStep + 2) * 30;
    assert.ok(wait >= shownUntil - refusedAt - 1, `waited ${wait} s, but the code is shown for another ${Math.round(shownUntil - refusedAt)} s`);
    assert.ok(wait <= 60, `at most two windows: ${wait} s`);
  } finally {
    await world.close();
  }
});

test('--help shows where to start, an unknown profile points at setup, and doctor\'s fix for a missing integration fits how awsmfa was installed', async () => {
  const world = await newWorld();
  try {
    const help = await awsmfa(['--help'], { env: world.env });
    assert.match(help.stdout + help.stderr, /Start here: awsmfa setup NAME/);

    const unknown = await awsmfa(['env', 'newthing', '--shell', 'bash'], { env: world.env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /awsmfa setup newthing/);
    assert.doesNotMatch(unknown.stderr, /add one with mfa_serial/);

    // awsmfa as npm installs it: the package's files, without install.sh or a git checkout.
    const { cp, mkdir, symlink, writeFile } = await import('node:fs/promises');
    const installed = join(world.home, 'lib', 'node_modules', 'awsmfa');
    await mkdir(installed, { recursive: true });
    await cp(join(CLI, '..'), join(installed, 'dist'), { recursive: true });
    await cp(join(CLI, '..', '..', 'package.json'), join(installed, 'package.json'));
    await cp(join(CLI, '..', '..', 'shells'), join(installed, 'shells'), { recursive: true });
    await cp(join(CLI, '..', '..', 'install.sh'), join(installed, 'install.sh'));
    await symlink(join(CLI, '..', '..', 'node_modules'), join(installed, 'node_modules'));
    await writeFile(join(world.home, '.bashrc'), '# nothing of awsmfa\n');
    const env = { ...world.env, SHELL: '/bin/bash' };
    const fromNpm = await runProgram(process.execPath, [join(installed, 'dist', 'awsmfa.js'), 'doctor', 'doug', '--offline', '--json'], { env });
    const fix = (JSON.parse(fromNpm.stdout) as { checks: Check[] }).checks.find((check) => check.check === 'shell-integration')?.fix ?? '';
    assert.doesNotMatch(fix, /install\.sh|checkout/, `no checkout to run install.sh from: ${fix}`);
    assert.match(fix, /awsmfa init bash/);
    const fromCheckout = await awsmfa(['doctor', 'doug', '--offline', '--json'], { env });
    const checkoutFix = (JSON.parse(fromCheckout.stdout) as { checks: Check[] }).checks.find((check) => check.check === 'shell-integration')?.fix ?? '';
    assert.ok(checkoutFix.includes(join(CLI, '..', '..', 'install.sh')), `in a checkout, its install.sh by its path: ${checkoutFix}`);
  } finally {
    await world.close();
  }
});

test('policy without --profile starts its explanation on the first line of stderr', async () => {
  const world = await newWorld();
  try {
    const result = await awsmfa(['policy', 'deny-without-mfa'], { env: world.env });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.length > 0 && !result.stderr.startsWith('\n'), JSON.stringify(result.stderr.slice(0, 40)));
    const withProfile = await awsmfa(['policy', 'deny-without-mfa', '--profile', 'doug'], { env: world.env });
    assert.equal(withProfile.code, 0, withProfile.stderr);
    assert.match(withProfile.stderr, /^awsmfa: \[doug\]'s key belongs to arn:aws:iam::123456789012:user\/doug\n\nThis identity policy/);
  } finally {
    await world.close();
  }
});
