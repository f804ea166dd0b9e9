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

test('on a terminal, a refused key id is asked for again and the typed secret is kept', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await newWorld();
  try {
    const run = await converse(world.env, ['setup', 'work'], [
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
