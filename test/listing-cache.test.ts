/**
 * The listing `list` keeps of large AWS files (src/report/listing-cache.ts), through the built CLI: the
 * output is byte for byte the one made from the files (text, colours, JSON, sessions, written
 * sessions), and a listing is never used for files that changed since it was made: an edit within
 * the same second dated back, an editor's rename, the credentials file changed, added or removed, a
 * damaged or foreign listing. Files changed less than two seconds before a run are not listed.
 */
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { INDEX_POLICY } from '../src/aws/config-index.js';
import { EXPIRATION_KEY, SOURCE_KEY } from '../src/aws/login-session.js';
import { SessionCache } from '../src/session/cache.js';
import { awsmfa, createWorld, DEFAULT_CONFIG, DEFAULT_CREDENTIALS, type World } from './helpers/fixture.js';

const COUNT = 400;

/** COUNT profiles (the config well over 32 KiB) with some of everything list tells apart. */
function bigConfig(region = 'us-east-1'): string {
  let text = '';
  for (let i = 0; i < COUNT; i++) {
    const kind = i % 4;
    text += `[profile filler${i}]\nregion = ${region}\n`;
    if (kind === 0) text += `mfa_serial = arn:aws:iam::123456789012:mfa/filler${i}\n`;
    if (kind === 1) text += `role_arn = arn:aws:iam::123456789012:role/r${i}\nsource_profile = doug\n`;
    if (kind === 2) text += `role_arn = arn:aws:iam::123456789012:role/r${i}\nsource_profile = missing${i}\n`;
    if (kind === 3) text += 'sso_session = corp\n';
    text += '\n';
  }
  return `${text}[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/chained\nsource_profile = admin\n\n[profile badduration]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = doug\nduration_seconds = soon\n`;
}

/** A written session that lasts (its renew command says --force) and one that has ended. */
function loginSections(): string {
  const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
  return `
[written]
aws_access_key_id = ASIAWRITTEN0EXAMPLE0
aws_secret_access_key = writtenSecretEXAMPLE
aws_session_token = writtenTokenEXAMPLE
${EXPIRATION_KEY} = ${later}
${SOURCE_KEY} = doug

[ended]
aws_access_key_id = ASIAENDED0000EXAMPLE
aws_secret_access_key = endedSecretEXAMPLE
aws_session_token = endedTokenEXAMPLE
${EXPIRATION_KEY} = 2020-01-01T00:00:00Z
`;
}

const worlds: World[] = [];
after(async () => {
  for (const world of worlds) await world.close();
});

async function bigWorld(credentials: ((world: World) => string) | null = (world) => DEFAULT_CREDENTIALS(world.user) + loginSections()): Promise<World> {
  const world = await createWorld({ config: (user) => `${DEFAULT_CONFIG(user)}\n${bigConfig()}` });
  worlds.push(world);
  if (credentials === null) await rm(world.credentialsPath);
  else await writeFile(world.credentialsPath, credentials(world), { mode: 0o600 });
  return world;
}

/** Files are listed only once their times are over two seconds old: worlds are made, then this waits once for all. */
const settle = () => new Promise((resolve) => setTimeout(resolve, Number(INDEX_POLICY.settledNs / 1_000_000n) + 300));

const cacheDir = (world: World) => join(world.env.XDG_CACHE_HOME!, 'awsmfa');
async function listingFile(world: World): Promise<string | undefined> {
  const names = await readdir(cacheDir(world)).catch(() => [] as string[]);
  const name = names.find((each) => each.startsWith('listing-'));
  return name === undefined ? undefined : join(cacheDir(world), name);
}

const FROM_FILES = /list: \d+ profiles from the files/;
const FROM_LISTING = /list: \d+ profiles from the listing kept for these versions of both files/;

async function list(world: World, args: readonly string[] = [], env: Record<string, string> = {}) {
  const run = await awsmfa(['list', '--debug', ...args], { env: { ...world.env, ...env } });
  assert.equal(run.code, 0, run.stderr);
  return { stdout: run.stdout, fromListing: FROM_LISTING.test(run.stderr), fromFiles: FROM_FILES.test(run.stderr), stderr: run.stderr };
}

/** Cached sessions that end in 10 days and a half hour: what list says of them is the same for a while. */
async function longSessions(world: World): Promise<string> {
  const cache = new SessionCache(cacheDir(world));
  const ends = new Date(Date.now() + 10 * 86_400_000 + 1_800_000).toISOString();
  const base = { version: 1 as const, sourceKeyId: world.user.accessKeyId, mfaSerial: world.user.mfaSerial, secretAccessKey: 'longSecretEXAMPLE', sessionToken: 'longTokenEXAMPLE', expiration: ends, createdAt: new Date().toISOString() };
  await cache.write(JSON.stringify(['mfa', 'doug']), { ...base, kind: 'mfa', profile: 'doug', accessKeyId: 'ASIALONGDOUG0EXAMPLE' });
  await cache.write(JSON.stringify(['role', 'admin']), { ...base, kind: 'role', profile: 'admin', roleArn: 'arn:aws:iam::123456789012:role/admin', assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/admin/awsmfa-doug', accessKeyId: 'ASIALONGADMINEXAMPLE' });
  return 'ASIALONGDOUG0EXAMPLE';
}

test('list prints byte for byte the same from its kept listing as from the files (text, colours, JSON, this shell\'s session), and the listing is private and holds no key', async () => {
  const world = await bigWorld();
  const shellKey = await longSessions(world);
  const variants: [string[], Record<string, string>][] = [
    [[], {}],
    [['--json'], {}],
    [[], { FORCE_COLOR: '1', NO_COLOR: '' }],
    [[], { AWS_ACCESS_KEY_ID: shellKey }],
    [['--json'], { AWS_ACCESS_KEY_ID: shellKey }],
  ];
  const fresh = await list(world);
  assert.ok(fresh.fromFiles && !fresh.fromListing, fresh.stderr);
  assert.match(fresh.stderr, /no listing kept: a file changed too recently/);
  assert.equal(await listingFile(world), undefined, 'a listing of files changed a moment ago');
  await settle();
  const made = await list(world);
  assert.match(made.stderr, /listing is kept if the command succeeds/);
  assert.match(made.stderr, /list: listing written/);
  const path = (await listingFile(world))!;
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(cacheDir(world))).mode & 0o777, 0o700);
  const kept = await readFile(path, 'utf8');
  for (const secret of [world.user.accessKeyId, world.user.secretAccessKey, 'writtenSecretEXAMPLE', 'writtenTokenEXAMPLE', 'ASIAWRITTEN', 'AKIA']) assert.ok(!kept.includes(secret), `${secret} is in the listing`);

  for (const [args, env] of variants) {
    const cached = await list(world, args, env);
    assert.ok(cached.fromListing, cached.stderr);
    // The same run made from the files: the listing moved aside, then put back.
    await rename(path, `${path}.aside`);
    const parsed = await list(world, args, env);
    await rename(`${path}.aside`, path);
    assert.ok(parsed.fromFiles, parsed.stderr);
    // The one figure that moves between two runs: the seconds a session has left (text says "10d").
    const still = (text: string) => text.replace(/"secondsLeft": \d+/g, '"secondsLeft": N');
    assert.equal(still(cached.stdout), still(parsed.stdout), `list ${args.join(' ')} ${JSON.stringify(env)}`);
  }
  // What the variants cover is there.
  const json = JSON.parse((await list(world, ['--json'], { AWS_ACCESS_KEY_ID: shellKey })).stdout) as { profiles: { name: string; session: { inThisShell: boolean } | null; loginSession: { expired: boolean; renew: string } | null; problem: string | null }[] };
  const byName = new Map(json.profiles.map((profile) => [profile.name, profile]));
  assert.equal(byName.get('doug')!.session!.inThisShell, true);
  assert.equal(byName.get('written')!.loginSession!.expired, false);
  assert.match(byName.get('written')!.loginSession!.renew, /--force$/);
  assert.equal(byName.get('ended')!.loginSession!.expired, true);
  assert.match(byName.get('filler2')!.problem!, /missing2/);
  assert.match(byName.get('badduration')!.problem!, /duration_seconds/);
  const colour = await list(world, [], { FORCE_COLOR: '1', NO_COLOR: '' });
  assert.ok(colour.stdout.includes('\u001b['), 'coloured');
});

test('a listing is not used once either file has changed, however it changed, nor when it is damaged or not of these files', async () => {
  const sameSecond = await bigWorld();
  const renamed = await bigWorld();
  const credentialsEdited = await bigWorld();
  const credentialsAdded = await bigWorld(null);
  const credentialsRemoved = await bigWorld();
  const damaged = await bigWorld();
  const small = await createWorld();
  worlds.push(small);
  await settle();
  for (const world of [sameSecond, renamed, credentialsEdited, credentialsAdded, credentialsRemoved, damaged, small]) await list(world);
  for (const world of [sameSecond, renamed, credentialsEdited, credentialsAdded, credentialsRemoved, damaged]) assert.ok((await list(world)).fromListing, 'listed');
  const small2 = await list(small);
  assert.match(small2.stderr, /no listing kept\)|under \d+ bytes together/);
  assert.equal(await listingFile(small), undefined, 'a listing of small files');

  /** What a run made from the files says: what every run after a change must say. */
  const truth = async (world: World) => {
    const path = (await listingFile(world))!;
    await rename(path, `${path}.aside`);
    const parsed = await list(world, ['--json']);
    await rename(`${path}.aside`, path);
    return parsed.stdout;
  };
  const changed = async (world: World, what: string, expected: RegExp) => {
    const run = await list(world, ['--json']);
    assert.ok(run.fromFiles && !run.fromListing, `${what}: ${run.stderr}`);
    assert.match(run.stdout, expected, what);
    assert.equal(run.stdout, await truth(world), what);
  };

  // The same number of bytes written in place, the modification time set back as a coarse clock would leave it.
  const before = await stat(sameSecond.configPath);
  const sameSize = (await readFile(sameSecond.configPath, 'utf8')).replaceAll('region = us-east-1', 'region = us-east-9');
  await writeFile(sameSecond.configPath, sameSize);
  await utimes(sameSecond.configPath, before.atime, before.mtime);
  assert.equal((await stat(sameSecond.configPath)).size, before.size);
  await changed(sameSecond, 'edited in place', /us-east-9/);

  // An editor's save: a new file of the same size, dated as the old one, renamed over it.
  const old = await stat(renamed.configPath);
  await writeFile(`${renamed.configPath}.swp`, (await readFile(renamed.configPath, 'utf8')).replaceAll('region = us-east-1', 'region = us-east-9'));
  await utimes(`${renamed.configPath}.swp`, old.atime, old.mtime);
  await rename(`${renamed.configPath}.swp`, renamed.configPath);
  await changed(renamed, 'renamed over', /us-east-9/);

  // The credentials file: edited (same size, dated back), created, removed.
  const dated = await stat(credentialsEdited.credentialsPath);
  await writeFile(credentialsEdited.credentialsPath, (await readFile(credentialsEdited.credentialsPath, 'utf8')).replace('[nomfa]', '[nomfb]'), { mode: 0o600 });
  await utimes(credentialsEdited.credentialsPath, dated.atime, dated.mtime);
  await changed(credentialsEdited, 'credentials edited', /"nomfb"/);
  await writeFile(credentialsAdded.credentialsPath, DEFAULT_CREDENTIALS(credentialsAdded.user).replace('[nomfa]', '[nomfb]'), { mode: 0o600 });
  await changed(credentialsAdded, 'credentials added', /"nomfb"/);
  await rm(credentialsRemoved.credentialsPath);
  await changed(credentialsRemoved, 'credentials removed', /"nomfa"/);
  assert.ok(!(await list(credentialsRemoved, ['--json'])).stdout.includes('"written"'));

  // A damaged listing, or one made by another awsmfa or for other files, is not used, and is made again.
  const path = (await listingFile(damaged))!;
  const good = JSON.parse(await readFile(path, 'utf8')) as { rows: unknown[][]; version: string };
  const expected = await truth(damaged);
  const variants = [
    'not json',
    '[]',
    JSON.stringify({ ...good, version: `${good.version}-other` }),
    JSON.stringify({ ...good, format: 0 }),
    JSON.stringify({ ...good, configPath: '/elsewhere/config' }),
    JSON.stringify({ ...good, credentials: null }),
    JSON.stringify({ ...good, rows: good.rows.map((row, at) => (at === 3 ? [...row.slice(0, 1), 'admin', ...row.slice(2)] : row)) }),
    JSON.stringify({ ...good, rows: good.rows.map((row, at) => (at === 3 ? [...row.slice(0, 8), '2', ...row.slice(9)] : row)) }),
    JSON.stringify({ ...good, rows: good.rows.slice(1).concat([good.rows[0]!.slice(1)]) }),
  ];
  for (const variant of variants) {
    await writeFile(path, variant, { mode: 0o600 });
    const run = await list(damaged, ['--json']);
    assert.ok(run.fromFiles, `${variant.slice(0, 60)}: ${run.stderr}`);
    assert.equal(run.stdout, expected, variant.slice(0, 60));
    assert.match(run.stderr, /list: listing written/, 'made again');
    assert.ok((await list(damaged, ['--json'])).fromListing, 'used again once made again');
  }
  // One open to others is refused as a session file would be: the list is made from the files.
  await writeFile(path, JSON.stringify(good));
  await chmod(path, 0o644);
  const shared = await list(damaged, ['--json']);
  assert.ok(shared.fromFiles, shared.stderr);
  assert.equal(shared.stdout, expected);
});
