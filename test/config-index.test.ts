/**
 * The index of a large config or credentials file (src/aws/config-index.ts): a run that reads a file
 * through its index answers exactly as one that parses it whole, and a changed file is never read
 * through the index of its old version: a same-size edit dated back to the old time, an editor's
 * rename, a symbolic link put in its place, a permission change, a write just before the run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { INDEX_POLICY, runAfterSuccess, settled, type FileIdentity } from '../src/aws/config-index.js';
import { loadProfiles, type ProfileSet } from '../src/aws/profiles.js';
import { SessionCache } from '../src/session/cache.js';
import { awsmfa, CLI, createWorld, DEFAULT_CONFIG, runProgram } from './helpers/fixture.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-config-index-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COUNT = 400;
const SECRET = (i: number) => `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${String(i).padStart(6, '0')}EXAMPLE`;
const KEY_ID = (i: number) => `AKIAFILL${String(i).padStart(6, '0')}EXAMPLE`.slice(0, 20);

/** A config of COUNT profiles (well over the index's 32 KiB) ending with a role chain, and credentials for each user. */
function bigConfig(region = 'us-east-1'): string {
  let text = '# many accounts\n';
  for (let i = 0; i < COUNT; i++) text += `[profile filler${i}]\nregion = ${region}\nmfa_serial = arn:aws:iam::123456789012:mfa/filler${i}\n\n`;
  text += '[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = filler7\nmfa_serial = arn:aws:iam::123456789012:mfa/filler7\ns3 =\n  addressing_style = path\n';
  return text;
}
function bigCredentials(): string {
  let text = '';
  for (let i = 0; i < COUNT; i++) text += `[filler${i}]\naws_access_key_id = ${KEY_ID(i)}\naws_secret_access_key = ${SECRET(i)}\n\n`;
  return text;
}

let n = 0;
async function world(config = bigConfig(), credentials = bigCredentials()) {
  const home = join(dir, String(n++));
  await mkdir(join(home, '.aws'), { recursive: true });
  const env = {
    HOME: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  await writeFile(env.AWS_CONFIG_FILE, config);
  await writeFile(env.AWS_SHARED_CREDENTIALS_FILE, credentials, { mode: 0o600 });
  return env;
}

type Env = Awaited<ReturnType<typeof world>>;
const indexOf = (env: Env, path: string) => SessionCache.forEnvironment(env).fileFor(path, 'config-index', 'txt');
const exists = (path: string) => lstat(path).then(() => true, () => false);
/** The index written as soon as the files are read (the CLI writes it once the command has succeeded). */
const AT_ONCE = { index: { ...INDEX_POLICY, writeAtOnce: true } };
/** The same files read with no index at all: what every answer must equal. */
const whole = (env: Env) => loadProfiles(env, { index: { ...INDEX_POLICY, minBytes: Number.POSITIVE_INFINITY } });

/** What a command can learn of the files: names, every profile's keys, and what some profiles resolve to. */
function view(set: ProfileSet, names: readonly string[] = ['admin', 'filler7', `filler${COUNT - 1}`]) {
  return {
    names: set.names(),
    resolved: names.map((name) => {
      const profile = set.resolve(name);
      return { ...profile, keys: { ...profile.keys } };
    }),
    keys: names.map((name) => set.sectionKeys(name)),
  };
}

/** Files are indexed only once their times are over two seconds old: worlds are made, then this waits once for all. */
const settle = () => new Promise((resolve) => setTimeout(resolve, Number(INDEX_POLICY.settledNs / 1_000_000n) + 300));

test('a large settled file is indexed (names and offsets only, private), and a run through the index answers as a whole parse', async () => {
  const env = await world();
  const fresh = await loadProfiles(env, AT_ONCE);
  // Written a moment ago: too recent to index (a same-size write in the same clock tick would go unseen).
  assert.deepEqual(fresh.indexedFiles(), []);
  assert.equal(await exists(indexOf(env, env.AWS_CONFIG_FILE)), false, 'no index of a file changed just now');
  await settle();
  const cold = await loadProfiles(env, AT_ONCE);
  assert.deepEqual(cold.indexedFiles(), [], 'the run that writes the index parsed the files whole');
  for (const path of [env.AWS_CONFIG_FILE, env.AWS_SHARED_CREDENTIALS_FILE]) {
    const index = indexOf(env, path);
    assert.equal((await stat(index)).mode & 0o777, 0o600);
    assert.equal((await stat(join(env.XDG_CACHE_HOME, 'awsmfa'))).mode & 0o777, 0o700);
    const text = await readFile(index, 'utf8');
    // No value of either file: no key id, no secret, no ARN, no region.
    for (const value of [KEY_ID(3), SECRET(3), 'wJalrXUtnFEMI', 'AKIA', 'arn:aws', 'us-east-1', 'addressing_style']) assert.ok(!text.includes(value), `${value} is in the index of ${path}`);
  }
  const warm = await loadProfiles(env, AT_ONCE);
  assert.deepEqual(warm.indexedFiles(), [env.AWS_CONFIG_FILE, env.AWS_SHARED_CREDENTIALS_FILE]);
  const expected = view(await whole(env));
  assert.deepEqual(view(warm), expected);
  assert.equal(warm.value('admin', 's3.addressing_style'), undefined);
  assert.deepEqual(warm.sectionKeys('admin')!['s3.addressing_style'], 'path');
  // A command that looks at every profile ends up parsing the file whole: the same answers.
  const every = await loadProfiles(env, AT_ONCE);
  for (const name of every.names()) assert.deepEqual(every.sectionKeys(name), (await whole(env)).sectionKeys(name));
  assert.deepEqual(every.indexedFiles(), []);
});

test('a changed file is never read through the index of its old version', async () => {
  const sameSize = await world();
  const renamed = await world();
  const linked = await world();
  const chmodded = await world();
  const duplicated = await world();
  const other = join(dir, 'other-config');
  await writeFile(other, bigConfig('eu-west-9'));
  await settle();
  const all = [sameSize, renamed, linked, chmodded, duplicated];
  for (const env of all) await loadProfiles(env, AT_ONCE);
  for (const env of all) assert.deepEqual((await loadProfiles(env, AT_ONCE)).indexedFiles(), [env.AWS_CONFIG_FILE, env.AWS_SHARED_CREDENTIALS_FILE], 'indexed');
  const region = async (env: Env) => (await loadProfiles(env, AT_ONCE)).resolve(`filler${COUNT - 1}`).region;

  // The same number of bytes written in place, the modification time set back as a coarse clock would leave it.
  const before = await stat(sameSize.AWS_CONFIG_FILE);
  await writeFile(sameSize.AWS_CONFIG_FILE, bigConfig('eu-west-9'));
  await utimes(sameSize.AWS_CONFIG_FILE, before.atime, before.mtime);
  assert.equal((await stat(sameSize.AWS_CONFIG_FILE)).size, before.size);
  assert.equal(await region(sameSize), 'eu-west-9');

  // An editor's save: a new file of the same size, dated as the old one, renamed over it.
  const old = await stat(renamed.AWS_CONFIG_FILE);
  await writeFile(`${renamed.AWS_CONFIG_FILE}.swp`, bigConfig('eu-west-9'));
  await utimes(`${renamed.AWS_CONFIG_FILE}.swp`, old.atime, old.mtime);
  await rename(`${renamed.AWS_CONFIG_FILE}.swp`, renamed.AWS_CONFIG_FILE);
  assert.equal(await region(renamed), 'eu-west-9');

  // A symbolic link to another file of the same size put in its place.
  await rm(linked.AWS_CONFIG_FILE);
  await symlink(other, linked.AWS_CONFIG_FILE);
  assert.equal(await region(linked), 'eu-west-9');

  // A permission change is a change: the index is not trusted, the answers are the same.
  await chmod(chmodded.AWS_SHARED_CREDENTIALS_FILE, 0o640);
  const afterChmod = await loadProfiles(chmodded, AT_ONCE);
  assert.deepEqual(afterChmod.indexedFiles(), [chmodded.AWS_CONFIG_FILE]);
  assert.deepEqual(view(afterChmod), view(await whole(chmodded)));

  // A header renamed to repeat another, same size, time set back: refused exactly as a whole parse refuses it.
  const dated = await stat(duplicated.AWS_CONFIG_FILE);
  await writeFile(duplicated.AWS_CONFIG_FILE, bigConfig().replace('[profile filler12]', '[profile filler13]'));
  await utimes(duplicated.AWS_CONFIG_FILE, dated.atime, dated.mtime);
  const refusal = await whole(duplicated).then(() => 'read', (error: Error) => error.message);
  assert.match(refusal, /section \[profile filler13\] appears twice/);
  await assert.rejects(loadProfiles(duplicated, AT_ONCE), (error: Error) => error.message === refusal);
});

test('an index that is damaged or not of this file is not used', async () => {
  const env = await world();
  await settle();
  await loadProfiles(env, AT_ONCE);
  const index = indexOf(env, env.AWS_CONFIG_FILE);
  const good = await readFile(index, 'utf8');
  const [header, ...lines] = good.split('\n');
  const stored = JSON.parse(header!) as Record<string, unknown>;
  const expected = view(await whole(env));
  // Entries changed in place, the header's length of them made to match: only reading the sections can tell.
  const rewritten = (body: string[]) => [JSON.stringify({ ...stored, body: body.join('\n').length }), ...body].join('\n');
  const shifted = lines.map((line) => line.replace(/\t(\d+)\t(\d+)$/, (_, start: string, end: string) => `\t${Number(start) + 1}\t${Number(end) + 1}`));
  const variants = [
    'not json',
    // Every section one byte later: none reads as its profile.
    rewritten(shifted),
    // Two profiles' places swapped.
    good.replace('"filler7"\t', '"filler#"\t').replace('"filler8"\t', '"filler7"\t').replace('"filler#"\t', '"filler8"\t'),
    // Cut short at a line's end, and with a line more: profiles missing, or one too many.
    good.slice(0, good.lastIndexOf('\n', good.length / 2) + 1),
    `${good}"ghost"\t0\t10\n`,
    // Another file's, and another format's.
    [JSON.stringify({ ...stored, path: '/elsewhere' }), ...lines].join('\n'),
    [JSON.stringify({ ...stored, format: 1 }), ...lines].join('\n'),
    // An entry that is not numbers.
    rewritten(lines.map((line) => line.replace(/^("filler3"\t)\d+/, '$1x'))),
  ];
  for (const variant of variants) {
    await writeFile(index, variant, { mode: 0o600 });
    const set = await loadProfiles(env, AT_ONCE);
    assert.deepEqual(view(set), expected, variant.slice(0, 80));
  }
});

test('git\'s racily-clean rule: a file is indexed only when both its times are safely older than the read', () => {
  // Times of a file system that keeps whole seconds: a write in the same second keeps them.
  const second = 1_800_000_000n * 1_000_000_000n;
  const identity: FileIdentity = { dev: 1n, ino: 2n, size: 3n, mtimeNs: second, ctimeNs: second };
  assert.equal(settled(identity, second + 500_000_000n, INDEX_POLICY.settledNs), false, 'read within the same second');
  assert.equal(settled(identity, second + 2_000_000_000n, INDEX_POLICY.settledNs), false, 'exactly the margin is not enough');
  assert.equal(settled(identity, second + 2_000_000_001n, INDEX_POLICY.settledNs), true);
  // touch -d can set the modification time back, never the change time.
  assert.equal(settled({ ...identity, mtimeNs: 0n }, second + 500_000_000n, INDEX_POLICY.settledNs), false);
  assert.equal(settled({ ...identity, ctimeNs: second + 3_000_000_000n }, second + 3_000_000_000n, INDEX_POLICY.settledNs), false);
});

test('a cached awsmfa env reads through the index on the run after the one that wrote it, with the same shell code (--debug says which)', async () => {
  const big = await createWorld({ config: (user) => `[profile doug]\nmfa_serial = ${user.mfaSerial}\nregion = eu-west-1\n\n${bigConfig()}` });
  try {
    const made = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', big.code()], { env: big.env });
    assert.equal(made.code, 0, made.stderr);
    await settle();
    // A command that fails changes nothing: not even an index of the files it read.
    const failed = await awsmfa(['env', 'nobody', '--shell', 'bash', '--debug'], { env: big.env });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /config: \d+ sections, parsed whole; its index is kept if the command succeeds/);
    assert.equal(await exists(indexOf(big.env as Env, big.configPath)), false, 'a failed run wrote an index');
    const run = () => awsmfa(['env', 'doug', '--shell', 'bash', '--debug'], { env: big.env });
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /config: \d+ sections, parsed whole; its index is kept if the command succeeds/);
    assert.match(first.stderr, /config: index written/);
    const second = await run();
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /config: \d+ sections, read through its index/);
    assert.equal(second.stdout, first.stdout);
    // The code does in bash what it did before the index: the session and the profile's region.
    const applied = await runProgram('bash', ['-c', 'eval "$(cat)" && printf "%s %s" "$AWS_REGION" "${AWS_ACCESS_KEY_ID:0:4}"'], { env: big.env, stdin: second.stdout });
    assert.equal(applied.stdout, 'eu-west-1 ASIA', applied.stderr);
    // list looks at every profile: it parses the files whole and neither reads nor writes an index.
    const listed = await awsmfa(['list', '--debug'], { env: big.env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /config: \d+ sections, parsed whole\n/);
  } finally {
    await big.close();
  }
});

test('through the index too, each AWS file is opened once per run, and the index once (strace)', async (t) => {
  if (spawnSync('strace', ['-V']).status !== 0) {
    t.skip('strace is not installed (apt-get install strace)');
    return;
  }
  const big = await createWorld({ config: (user) => `${DEFAULT_CONFIG(user)}\n${bigConfig().replace('[profile admin]', '[profile big-admin]')}` });
  try {
    const made = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', big.code()], { env: big.env });
    assert.equal(made.code, 0, made.stderr);
    await settle();
    const trace = join(big.home, 'strace.txt');
    const index = indexOf(big.env as Env, big.configPath);
    // The run that parses the file whole and keeps its index, then runs through it: a plain profile and a role.
    for (const [args, through] of [[['env', 'doug'], false], [['env', 'doug'], true], [['env', 'admin'], true]] as const) {
      const run = await runProgram('strace', ['-f', '-e', 'trace=open,openat', '-o', trace, process.execPath, CLI, ...args, '--shell', 'bash', '--debug'], { env: big.env });
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(/config: \d+ sections, read through its index/.test(run.stderr), through, run.stderr);
      const opens = (await readFile(trace, 'utf8')).split('\n').filter((line) => !line.includes('ENOENT'));
      for (const path of [big.configPath, big.credentialsPath]) assert.equal(opens.filter((line) => line.includes(`"${path}"`)).length, 1, `${args.join(' ')} opens ${path} once`);
      if (through) assert.equal(opens.filter((line) => line.includes(`"${index}"`)).length, 1, `${args.join(' ')} opens the index once`);
    }
  } finally {
    await big.close();
  }
});

test('by default the index is kept only after success; a caller that ends the process itself keeps it with runAfterSuccess()', async () => {
  const env = await world();
  await settle();
  await loadProfiles(env);
  assert.equal(await exists(indexOf(env, env.AWS_CONFIG_FILE)), false, 'written before the command succeeded');
  await runAfterSuccess();
  assert.equal(await exists(indexOf(env, env.AWS_CONFIG_FILE)), true);
  assert.deepEqual((await loadProfiles(env)).indexedFiles(), [env.AWS_CONFIG_FILE, env.AWS_SHARED_CREDENTIALS_FILE]);
});
