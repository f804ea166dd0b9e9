/**
 * `awsmfa status` through the built CLI, against sessions made through the emulator: this shell's
 * session, the cached ones with their time left, an expired one, text and JSON (checked against
 * schemas/status.schema.json), colour only when wanted, and --verify asking STS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awsmfa, createWorld, type World } from './helpers/fixture.js';
import { bash, makeSessions, writeExpiredSession } from './helpers/reports.js';
import { schemaErrors } from './helpers/schema.js';

async function withWorld(body: (world: World) => Promise<void>) {
  const world = await createWorld();
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

const ESC = '\u001b[';
/** A local time as status shows it: HH:mm today, with the day when it is another day. */
const UNTIL = String.raw`(?:\w{3} \d{1,2} \w{3} )?\d\d:\d\d`;

test('with no session and an empty cache, status says so, in text and in valid JSON', async () => {
  await withWorld(async (world) => {
    const text = await awsmfa(['status'], { env: world.env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^This shell: no session/);
    assert.match(text.stdout, /No cached sessions/);
    assert.equal(text.stderr, '');

    const json = await awsmfa(['status', '--json'], { env: world.env });
    const report = JSON.parse(json.stdout);
    assert.deepEqual(await schemaErrors('status.schema.json', report), []);
    assert.equal(report.shell, null);
    assert.deepEqual(report.sessions, []);
  });
});

test("status shows this shell's session, every cached one with its time left, and marks the expired one", async () => {
  await withWorld(async (world) => {
    await makeSessions(world);
    await writeExpiredSession(world);
    const result = await bash(world, `eval "$(awsmfa env doug --shell bash)" && awsmfa status && echo --- && awsmfa status --json`);
    assert.equal(result.code, 0, result.stderr);
    const [text = '', json = ''] = result.stdout.split('---\n');

    assert.match(text, new RegExp(`^This shell: doug, (?:12h|11h 59m) left, until ${UNTIL}\n`));
    assert.match(text, /account 123456789012, MFA session of an IAM user/);
    const rows = text.split('\n').filter((line) => /^ {2}(admin|audit|doug) /.test(line));
    assert.equal(rows.length, 3, text);
    assert.match(rows[0]!, new RegExp(`^ {2}admin +role +123456789012 +(?:1h|59m(?: \\d+s)?) +${UNTIL}$`));
    assert.match(rows[1]!, new RegExp(`^ {2}audit +role +123456789012 +expired +${UNTIL}$`));
    assert.match(rows[2]!, new RegExp(`^ {2}doug +mfa +123456789012 +(?:12h|11h 59m) +${UNTIL} +\\(this shell\\)$`));
    assert.ok(!text.includes(ESC), 'no colour when stdout is not a terminal');
    assert.ok(!/ASIA|EXAMPLE/.test(result.stdout), 'no key of any kind is shown');

    const report = JSON.parse(json);
    assert.deepEqual(await schemaErrors('status.schema.json', report), []);
    assert.equal(report.shell.profile, 'doug');
    assert.equal(report.shell.managedByAwsmfa, true);
    assert.equal(report.shell.cached, true);
    assert.equal(report.shell.kind, 'mfa');
    assert.equal(report.shell.account, '123456789012');
    assert.equal(report.shell.expired, false);
    assert.ok(report.shell.secondsLeft > 43_000 && report.shell.secondsLeft <= 43_200);
    const byProfile = Object.fromEntries(report.sessions.map((s: { profile: string }) => [s.profile, s]));
    assert.deepEqual(Object.keys(byProfile).sort(), ['admin', 'audit', 'doug']);
    assert.equal(byProfile.audit.expired, true);
    assert.equal(byProfile.audit.secondsLeft, 0);
    assert.equal(byProfile.audit.reusable, false);
    assert.equal(byProfile.admin.kind, 'role');
    assert.equal(byProfile.admin.arn, 'arn:aws:sts::123456789012:assumed-role/admin/awsmfa-doug');
    assert.equal(byProfile.admin.inThisShell, false);
    assert.equal(byProfile.doug.inThisShell, true);
    assert.equal(byProfile.doug.reusable, true);
  });
});

test('--verify asks STS with the keys of this shell and shows the identity AWS names', async () => {
  await withWorld(async (world) => {
    await makeSessions(world);
    const calls = world.count('GetCallerIdentity');
    const result = await bash(world, `eval "$(awsmfa env admin --shell bash)" && awsmfa status --verify && awsmfa status --verify --json`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /account 123456789012, arn:aws:sts::123456789012:assumed-role\/admin\/awsmfa-doug, confirmed by AWS/);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    assert.deepEqual(await schemaErrors('status.schema.json', report), []);
    assert.equal(report.shell.verified, true);
    assert.equal(report.shell.arn, 'arn:aws:sts::123456789012:assumed-role/admin/awsmfa-doug');
    assert.equal(world.count('GetCallerIdentity'), calls + 2);
    // Without --verify, nothing is sent.
    await bash(world, `eval "$(awsmfa env admin --shell bash)" && awsmfa status >/dev/null`);
    assert.equal(world.count('GetCallerIdentity'), calls + 2);
  });
});

test('--verify with no keys in the shell, or keys AWS refuses, fails with what to do', async () => {
  await withWorld(async (world) => {
    const none = await awsmfa(['status', '--verify'], { env: world.env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /there are no AWS keys in this shell to verify/);
    assert.match(none.stderr, /awsmfa use <profile>/);

    const foreign = await awsmfa(['status', '--verify'], {
      env: { ...world.env, AWS_ACCESS_KEY_ID: 'AKIANOTKNOWN0EXAMPLE', AWS_SECRET_ACCESS_KEY: 'nope' },
    });
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /AWS did not accept the keys in this shell: InvalidClientTokenId/);
    assert.match(foreign.stderr, /not set by awsmfa; unset AWS_ACCESS_KEY_ID/);
  });
});

test('keys not set by awsmfa, and an expired session, are told apart', async () => {
  await withWorld(async (world) => {
    const foreign = await awsmfa(['status'], { env: { ...world.env, AWS_ACCESS_KEY_ID: 'AKIAOTHER0000EXAMPLE', AWS_SECRET_ACCESS_KEY: 's' } });
    assert.match(foreign.stdout, /^This shell: AWS keys not set by awsmfa\n/);
    assert.match(foreign.stdout, /awsmfa doctor/);
    const json = JSON.parse((await awsmfa(['status', '--json'], { env: { ...world.env, AWS_ACCESS_KEY_ID: 'AKIAOTHER0000EXAMPLE' } })).stdout);
    assert.equal(json.shell.managedByAwsmfa, false);
    assert.equal(json.shell.profile, null);

    const past = String(Math.floor(Date.now() / 1000) - 600);
    const expired = await awsmfa(['status'], { env: { ...world.env, TZ: 'UTC', AWSMFA_PROFILE: 'doug', AWSMFA_EXPIRES_AT: past, AWS_ACCESS_KEY_ID: 'ASIAGONE' } });
    assert.match(expired.stdout, new RegExp(`^This shell: doug, expired at ${UNTIL}\n`));
    assert.match(expired.stdout, /renew with `awsmfa use doug`/);
    assert.match(expired.stdout, /^ {2}account 123456789012\n/m, 'not in the cache: the account comes from the profile');
  });
});

test('colour: off without a terminal and with NO_COLOR, on with FORCE_COLOR', async () => {
  await withWorld(async (world) => {
    await writeExpiredSession(world);
    const { NO_COLOR: _, ...plain } = world.env;
    assert.ok(!(await awsmfa(['status'], { env: plain })).stdout.includes(ESC));
    assert.ok(!(await awsmfa(['status'], { env: { ...plain, NO_COLOR: '1' } })).stdout.includes(ESC));
    const forced = await awsmfa(['status'], { env: { ...plain, FORCE_COLOR: '1' } });
    assert.ok(forced.stdout.includes(`${ESC}31mexpired`), 'the expired session in red');
    assert.ok(!(await awsmfa(['status', '--json'], { env: { ...plain, FORCE_COLOR: '1' } })).stdout.includes(ESC), 'never in JSON');
  });
});
