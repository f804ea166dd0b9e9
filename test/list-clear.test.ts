/**
 * `awsmfa list` and `awsmfa clear` through the built CLI against sessions made through the emulator:
 * which profiles need MFA, which are roles and through which source, which have a live session (text
 * and JSON checked against schemas/list.schema.json); what clear removes, what it says, and that it
 * never touches the AWS files.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

const cacheFiles = async (world: World) => (await readdir(join(world.env.XDG_CACHE_HOME!, 'awsmfa')).catch(() => [] as string[])).sort();

async function awsFilesDigest(world: World): Promise<string> {
  const hash = createHash('sha256');
  for (const path of [world.configPath, world.credentialsPath]) hash.update(await readFile(path));
  return hash.digest('hex');
}

test('list shows MFA, roles with their source, problems, and live sessions, in text and valid JSON', async () => {
  await withWorld(async (world) => {
    await makeSessions(world);
    await writeExpiredSession(world);
    const text = await awsmfa(['list'], { env: world.env });
    assert.equal(text.code, 0, text.stderr);
    const row = (name: string) => text.stdout.split('\n').find((line) => line.startsWith(`  ${name} `)) ?? '';
    assert.match(row('doug'), /^ {2}doug +yes +user +- +eu-west-1 +(?:12h|11h 59m) left$/);
    assert.match(row('admin'), /^ {2}admin +yes +role +doug +eu-west-1 +(?:1h|59m(?: \d+s)?) left +arn:aws:iam::123456789012:role\/admin$/);
    assert.match(row('audit'), /^ {2}audit +yes +role +doug +eu-west-1 +- +arn:aws:iam::123456789012:role\/audit$/, 'its only session has expired');
    assert.match(row('nomfa'), /^ {2}nomfa +no +user +- +eu-west-1 +-$/);
    assert.match(row('default'), /^ {2}default +no +- +- +us-east-1 +-$/);
    assert.match(text.stdout, /! nomfa: profile \[nomfa\] has no mfa_serial/);
    assert.ok(!/default:/.test(text.stdout), 'a profile not meant for awsmfa is not a problem');

    const json = await awsmfa(['list', '--json'], { env: world.env });
    const report = JSON.parse(json.stdout);
    assert.deepEqual(await schemaErrors('list.schema.json', report), []);
    assert.equal(report.configFile, world.configPath);
    const byName = Object.fromEntries(report.profiles.map((p: { name: string }) => [p.name, p]));
    assert.deepEqual(Object.keys(byName), ['admin', 'audit', 'default', 'doug', 'nomfa']);
    assert.deepEqual(byName.admin.chain, ['admin', 'doug']);
    assert.equal(byName.admin.sourceProfile, 'doug');
    assert.equal(byName.admin.roleArn, 'arn:aws:iam::123456789012:role/admin');
    assert.equal(byName.admin.session.kind, 'role');
    assert.equal(byName.doug.needsMfa, true);
    assert.equal(byName.doug.usable, true);
    assert.deepEqual(byName.doug.files.sort(), [world.configPath, world.credentialsPath].sort());
    assert.equal(byName.audit.session, null);
    assert.equal(byName.nomfa.usable, false);
    assert.equal(byName.default.kind, 'other');
    assert.equal(byName.default.problem, null);
    assert.ok(!/EXAMPLE|ASIA/.test(json.stdout), 'no key of any kind');
  });
});

test('list of a broken source_profile names the problem; with no profiles it says how to add one', async () => {
  const world = await createWorld({
    config: () => '[profile lost]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = dougg\nmfa_serial = arn:aws:iam::123456789012:mfa/doug\n',
    credentials: () => '[doug]\naws_access_key_id = AKIADOUGDOUG0EXAMPLE\naws_secret_access_key = s\n',
  });
  try {
    const text = await awsmfa(['list'], { env: world.env });
    assert.match(text.stdout, /! lost: profile \[lost\] names source_profile "dougg", which does not exist/);
    await writeFile(world.configPath, '');
    await writeFile(world.credentialsPath, '');
    const empty = await awsmfa(['list'], { env: world.env });
    assert.equal(empty.code, 0);
    assert.match(empty.stdout, /^No profiles in /);
  } finally {
    await world.close();
  }
});

test('clear <profile> removes only that profile\'s sessions, says so, and leaves the AWS files alone', async () => {
  await withWorld(async (world) => {
    await makeSessions(world);
    const before = await awsFilesDigest(world);
    const result = await awsmfa(['clear', 'admin'], { env: world.env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^awsmfa: removed the role session of \[admin\] \((?:1h|59m(?: \d+s)?) left\)\n$/);
    const status = JSON.parse((await awsmfa(['status', '--json'], { env: world.env })).stdout);
    assert.deepEqual(status.sessions.map((s: { profile: string }) => s.profile), ['doug']);
    assert.equal(await awsFilesDigest(world), before);

    const again = await awsmfa(['clear', 'admin'], { env: world.env });
    assert.match(again.stderr, /nothing to remove: no cached session of \[admin\]/);
    assert.equal(again.code, 0);

    const typo = await awsmfa(['clear', 'dougg'], { env: world.env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /profile "dougg" is not in .*config or .*credentials/);
    assert.match(typo.stderr, /Did you mean "doug"/);
  });
});

test('clear removes every session (expired and unreadable ones too); --all also the code records', async () => {
  await withWorld(async (world) => {
    await makeSessions(world);
    await writeExpiredSession(world);
    const dir = join(world.env.XDG_CACHE_HOME!, 'awsmfa');
    await writeFile(join(dir, 'session-0000000000000000000000000000000000000000.json'), '{"truncated', { mode: 0o600 });
    const before = await awsFilesDigest(world);
    assert.equal((await cacheFiles(world)).filter((f) => f.startsWith('session-')).length, 4);
    assert.equal((await cacheFiles(world)).filter((f) => f.startsWith('codes-')).length, 1);

    const result = await awsmfa(['clear'], { env: world.env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /removed the role session of \[admin\]/);
    assert.match(result.stderr, /removed the role session of \[audit\] \(expired\)/);
    assert.match(result.stderr, /removed the MFA session of \[doug\] \((?:12h|11h 59m) left\)/);
    assert.match(result.stderr, /removed 1 cache file that could not be read as a session/);
    assert.deepEqual((await cacheFiles(world)).filter((f) => f.startsWith('session-')), []);
    assert.equal((await cacheFiles(world)).filter((f) => f.startsWith('codes-')).length, 1, 'code records stay without --all');

    const all = await awsmfa(['clear', '--all'], { env: world.env });
    assert.match(all.stderr, /removed 1 record of used MFA codes/);
    assert.deepEqual(await cacheFiles(world), []);
    assert.equal(await awsFilesDigest(world), before);

    const nothing = await awsmfa(['clear'], { env: world.env });
    assert.match(nothing.stderr, /nothing to remove: the cache .* holds no sessions/);
  });
});

test('clearing the session exported in this shell says that its keys still work until they expire', async () => {
  await withWorld(async (world) => {
    await makeSessions(world);
    const result = await bash(world, 'eval "$(awsmfa env doug --shell bash)" 2>/dev/null && awsmfa clear doug');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /removed the MFA session of \[doug\]/);
    assert.match(result.stderr, /this shell still has the keys of \[doug\]; they work until they expire \(`awsmfa unset` removes them\)/);
  });
});

test('clear refuses a cache directory others can open, as every command does', async () => {
  await withWorld(async (world) => {
    await makeSessions(world);
    const { chmod } = await import('node:fs/promises');
    await chmod(join(world.env.XDG_CACHE_HOME!, 'awsmfa'), 0o755);
    const result = await awsmfa(['clear'], { env: world.env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the cache directory .* is open to other users \(mode 0755\)/);
    assert.match(result.stderr, /chmod 700/);
  });
});
