/**
 * `awsmfa login --to-profile` and the INI writer under it: the credentials file keeps every byte
 * outside the written section, the SDK's loader reads back exactly what was written, the file is
 * replaced atomically (a crash before the rename leaves the old file), and long-term keys are never
 * overwritten. The end-to-end test has the real `aws` CLI read the written profile.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, chmod, lstat, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { parseIni } from '../src/aws/config-files.js';
import { readIniSection, updateIniFile, updateIniText } from '../src/aws/ini-file.js';
import { ACCOUNT, CLI, ROOT, createWorld, runProgram, type World } from './helpers/fixture.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-ini-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function file(text: string | Buffer, mode = 0o600): Promise<string> {
  const path = join(dir, `credentials-${files++}`);
  await writeFile(path, text, { mode });
  await chmod(path, mode);
  return path;
}

/** What the AWS SDK's loader makes of a credentials file. */
async function sdkView(text: string): Promise<Record<string, Record<string, string | undefined>>> {
  const path = await file(Buffer.from(text, 'latin1'));
  return (await loadSharedConfigFiles({ filepath: path, configFilepath: join(dir, 'no-config'), ignoreCache: true })).credentialsFile;
}

const NEW = { aws_access_key_id: 'ASIANEWNEWNEW', aws_secret_access_key: 'new/secret+key', aws_session_token: 'TOKEN//abc==', x_security_token_expires: '2030-01-01T00:00:00Z' };

const MESSY = [
  '\uFEFF# credentials kept by hand',
  '[default]',
  'aws_access_key_id=AKIADEFAULT',
  '\taws_secret_access_key   =   spaced   ; a comment',
  '',
  '  ;  indented comment',
  '[doug]   # the real keys',
  'aws_access_key_id = AKIADOUG',
  'aws_secret_access_key = s#not-a-comment',
  's3 =',
  '  max_concurrent_requests = 20',
  '',
  '[doug-mfa] ; written by awsmfa',
  'aws_access_key_id = ASIAOLD',
  'aws_session_token = OLD # keep this comment',
  'aws_secret_access_key=old',
  'region = eu-west-1',
  '# trailing comment of doug-mfa',
  '',
  '[zeta]',
  'aws_access_key_id = AKIAZETA',
  'aws_secret_access_key = z',
];

test('a messy file round-trips byte for byte outside the written section', async () => {
  for (const eol of ['\n', '\r\n']) {
    const original = Buffer.from(MESSY.join(eol), 'utf8').toString('latin1');
    const updated = updateIniText(original, 'doug-mfa', NEW);
    const before = original.split(eol);
    const after = updated.split(eol);
    // The section's lines: the header is line 12; its keys follow; the comment and blank line stay put.
    assert.deepEqual(after.slice(0, 13), before.slice(0, 13), 'everything before the section');
    assert.deepEqual(after.slice(13), [
      'aws_access_key_id = ASIANEWNEWNEW',
      // The AWS CLI reads " # keep this comment" as part of the old token: it goes with the old value.
      'aws_session_token = TOKEN//abc==',
      'aws_secret_access_key=new/secret+key',
      'region = eu-west-1',
      'x_security_token_expires = 2030-01-01T00:00:00Z',
      '# trailing comment of doug-mfa',
      '',
      '[zeta]',
      'aws_access_key_id = AKIAZETA',
      'aws_secret_access_key = z',
    ]);
    if (eol === '\r\n') assert.ok(!updated.replaceAll('\r\n', '').includes('\n'), 'no bare LF in a CRLF file');
    const view = await sdkView(updated);
    assert.deepEqual(view['doug-mfa'], { ...NEW, region: 'eu-west-1' });
    const previous = await sdkView(original);
    assert.deepEqual({ ...view, 'doug-mfa': undefined }, { ...previous, 'doug-mfa': undefined });
    assert.equal(updateIniText(updated, 'doug-mfa', NEW), updated, 'writing the same values again changes nothing');
  }
});

test('a new section goes at the end, after a blank line, with the file\'s own line ending', () => {
  assert.equal(updateIniText('', 'x', { a: '1' }), '[x]\na = 1\n');
  assert.equal(updateIniText('[y]\r\nb = 2', 'x', { a: '1' }), '[y]\r\nb = 2\r\n\r\n[x]\r\na = 1\r\n');
  assert.equal(updateIniText('[y]\nb = 2\n\n', 'x', { a: '1' }), '[y]\nb = 2\n\n[x]\na = 1\n');
  // A header the loader reads as another section does not count: [profile x] in a credentials file is "profile.x".
  assert.equal(updateIniText('[profile x]\na = 0\n', 'x', { a: '1' }), '[profile x]\na = 0\n\n[x]\na = 1\n');
  // The last line of the file gains the line ending it lacked, and nothing else changes.
  assert.equal(updateIniText('[x]\na = 0', 'x', { b: '2' }), '[x]\na = 0\nb = 2\n');
});

test('repeated sections, sub-sections, removals and values the loader would misread', async () => {
  const repeated = '[x]\na = 1\n[y]\na = 9\n[x]\nb = 2\n';
  const updated = updateIniText(repeated, 'x', { a: '10', c: '3' });
  assert.equal(updated, '[x]\na = 10\n[y]\na = 9\n[x]\nb = 2\nc = 3\n');
  assert.deepEqual((await sdkView(updated)).x, { a: '10', b: '2', c: '3' });

  // "s3.aws_session_token" is not aws_session_token: the indented key belongs to the sub-section.
  const nested = '[x]\ns3 =\n  aws_session_token = inner\n';
  const withToken = updateIniText(nested, 'x', { aws_session_token: 'outer' });
  assert.equal(withToken, '[x]\ns3 =\n  aws_session_token = inner\naws_session_token = outer\n');
  assert.deepEqual((await sdkView(withToken)).x, { 's3.aws_session_token': 'inner', aws_session_token: 'outer' });

  assert.equal(updateIniText('[x]\na = 1\nb = 2\n# note\n[y]\n', 'x', { b: null, c: '3' }), '[x]\na = 1\nc = 3\n# note\n[y]\n');
  for (const bad of ['two\nlines', ' padded', 'a #comment', '', 'x ;y']) {
    assert.throws(() => updateIniText('', 'x', { a: bad }), /cannot be written to an INI file/, JSON.stringify(bad));
  }
  for (const bad of ['a b', 'x]', '', 'a\nb', ' x']) {
    assert.throws(() => updateIniText('', bad, { a: '1' }), /cannot be written as an INI section name/, JSON.stringify(bad));
  }
  assert.deepEqual(readIniSection('[x]\na=1\n[x]\na=2\n', 'x'), { a: '2' });
  assert.equal(readIniSection('[y]\n', 'x'), undefined);
});

test('any file of INI-like lines: the AWS CLI reads the written values, and every other section as before', async () => {
  const line = fc.oneof(
    fc.constantFrom('', '# c', ' ; c', '[t]', '[u]', '[profile t]', '[t] # h', 'junk', '=x', 's3 =', '  nested = 1', '\tk = v', 'k=v # c', 'aws_session_token = OLD', 'Aws_Session_Token: OLD'),
    fc.tuple(fc.constantFrom('k', 'key', 'aws_access_key_id', 'x'), fc.constantFrom(' = ', '=', '  =\t', ': '), fc.stringMatching(/^[a-z0-9/+#;]{1,6}$/)).map(([k, s, v]) => `${k}${s}${v}`),
  );
  /** The AWS CLI's reading (config-files.ts, proven against botocore in config-files-differential.test.ts). */
  const cliView = (text: string) => {
    const parsed = parseIni(text);
    return parsed.problem === undefined ? Object.fromEntries([...parsed.sections].map(([name, keys]) => [name, { ...keys }])) : undefined;
  };
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 14 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), async (lines, eol, finalEol) => {
      const original = lines.join(eol) + (finalEol && lines.length > 0 ? eol : '');
      const values = { aws_access_key_id: 'ASIAX', aws_session_token: 'T0K/EN=' };
      const updated = updateIniText(original, 't', values);
      const before = cliView(original);
      if (before !== undefined) {
        const after = cliView(updated);
        assert.ok(after !== undefined, 'a file the CLI reads stays readable');
        assert.deepEqual(after.t, { ...before.t, ...values });
        assert.deepEqual({ ...after, t: undefined }, { ...before, t: undefined });
      }
      // Lines are only ever changed in place or added: the old lines, but for the keys set (and the
      // indented lines that continue them), come in the same order.
      // A file with no line break yet has no style of its own; new lines then end in LF.
      const style = original.includes('\r\n') ? '\r\n' : '\n';
      const linesOf = (text: string) => (text === '' ? [] : text.split(style));
      const newLines = linesOf(updated);
      let at = 0;
      for (const old of linesOf(original).filter((l) => !/^\s*(aws_access_key_id|aws_session_token)\s*[=:]/i.test(l) && !/^\s/.test(l))) {
        while (at < newLines.length && newLines[at] !== old) at++;
        assert.ok(at < newLines.length, `line ${JSON.stringify(old)} survives, in order`);
        at++;
      }
    }),
    { numRuns: 150 },
  );
});

test('the file is replaced atomically; mode kept, 0600 when new; a symbolic link stays a link', async () => {
  const shared = await file('[x]\na = 1\n', 0o640);
  const result = await updateIniFile(shared, 'x', { a: '2' });
  assert.equal(result.mode, 0o640);
  assert.equal((await stat(shared)).mode & 0o777, 0o640);
  assert.equal(await readFile(shared, 'utf8'), '[x]\na = 2\n');

  const fresh = join(dir, 'new-dir', 'credentials');
  const created = await updateIniFile(fresh, 'x', { a: '1' });
  assert.equal(created.created, true);
  assert.equal((await stat(fresh)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'new-dir'))).mode & 0o777, 0o700);

  const real = await file('[x]\na = 1\n');
  const link = join(dir, 'link-to-credentials');
  await symlink(real, link);
  await updateIniFile(link, 'x', { a: '3' });
  assert.ok((await lstat(link)).isSymbolicLink());
  assert.equal(await readlink(link), real);
  assert.equal(await readFile(real, 'utf8'), '[x]\na = 3\n');
  assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.awsmfa-')), [], 'no temporary file left');
});

test('a failure just before the rename leaves the old file and no temporary file', async () => {
  const original = '# mine\n[x]\na = 1\n';
  const path = await file(original);
  let seen = '';
  await assert.rejects(
    updateIniFile(path, 'x', { a: '2' }, {
      beforeReplace: async (temporary) => {
        seen = await readFile(temporary, 'utf8');
        throw new Error('disk full');
      },
    }),
    /disk full/,
  );
  assert.equal(seen, '# mine\n[x]\na = 2\n', 'the new file was complete before the rename');
  assert.equal(await readFile(path, 'utf8'), original);
  assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.awsmfa-')), []);
});

test('a process killed between writing and renaming leaves the old file; the next write cleans up', async () => {
  const original = '# mine\r\n[x]\r\na = 1\r\n';
  const path = await file(original);
  const script = join(dir, 'crash.mts');
  await writeFile(
    script,
    `import { updateIniFile } from ${JSON.stringify(join(ROOT, 'src/aws/ini-file.ts'))};\n` +
      `await updateIniFile(${JSON.stringify(path)}, 'x', { a: '2' }, { beforeReplace: () => { process.kill(process.pid, 'SIGKILL'); } });\n`,
  );
  const ended = await new Promise<NodeJS.Signals | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'ignore' });
    child.on('close', (_code, signal) => resolve(signal));
  });
  assert.equal(ended, 'SIGKILL');
  assert.equal(await readFile(path, 'utf8'), original, 'the old file, byte for byte');
  const leftovers = (await readdir(dir)).filter((name) => name.includes('.awsmfa-'));
  assert.equal(leftovers.length, 1);
  assert.equal((await stat(join(dir, leftovers[0]!))).mode & 0o777, 0o600, 'the leftover (with keys in it) was private');

  await updateIniFile(path, 'x', { a: '3' });
  assert.equal(await readFile(path, 'utf8'), '# mine\r\n[x]\r\na = 3\r\n');
  assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.awsmfa-')), [], 'the dead writer\'s file was removed');
});

test('a change made by someone else while we write is not lost', async () => {
  const path = await file('[x]\na = 1\n');
  let first = true;
  await updateIniFile(path, 'x', { a: '2' }, {
    beforeReplace: async () => {
      if (!first) return;
      first = false;
      await writeFile(path, '[other]\nk = v\n\n[x]\na = 1\n');
    },
  });
  assert.equal(await readFile(path, 'utf8'), '[other]\nk = v\n\n[x]\na = 2\n');
});

async function withWorld(body: (world: World) => Promise<void>, credentials?: (user: World['user']) => string) {
  const world = await createWorld(credentials === undefined ? {} : { credentials });
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

const MESSY_CREDENTIALS = (user: World['user']) =>
  [
    '# my keys -- do not share',
    '[doug]',
    `aws_access_key_id=${user.accessKeyId}`,
    // Not indented, and its comment on a line of its own: the AWS CLI reads an indented line as the
    // continuation of the key above, and a comment after a value as part of the value.
    `aws_secret_access_key =    ${user.secretAccessKey}   `,
    '  ; rotated in May',
    '',
    '[nomfa]',
    `aws_access_key_id = ${user.accessKeyId}`,
    `aws_secret_access_key = ${user.secretAccessKey}`,
    '',
    '[longterm]',
    'aws_access_key_id = AKIAOTHEROTHEEXAMPLE',
    'aws_secret_access_key = other',
    '',
    '; the end',
  ].join('\r\n') + '\r\n';

test('login writes the session as a profile the real aws CLI uses; run again, it updates in place', async () => {
  await withWorld(async (world) => {
    const original = await readFile(world.credentialsPath, 'latin1');
    await chmod(world.credentialsPath, 0o640);
    const first = await runProgram(process.execPath, [CLI, 'login', 'doug', '--to-profile', 'doug-mfa', '--token-code', world.code()], { env: world.env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, '');
    assert.match(first.stderr, /doug: session written to \[doug-mfa\] in .*credentials, until/);
    assert.match(first.stderr, /can be read by other users \(mode 0640\)/);
    const written = await readFile(world.credentialsPath, 'latin1');
    assert.ok(written.startsWith(`${original}\r\n[doug-mfa]\r\n`), 'the old bytes untouched, the new section after a blank line');
    assert.equal((await stat(world.credentialsPath)).mode & 0o777, 0o640);
    const section = readIniSection(written, 'doug-mfa')!;
    assert.deepEqual(Object.keys(section), ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'x_security_token_expires', 'x_awsmfa_profile']);
    assert.match(section.x_security_token_expires!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    if (await access('/usr/bin/aws').then(() => true, () => false)) {
      const identity = await runProgram('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'doug-mfa', '--region', 'us-east-1', '--endpoint-url', world.emulator.url, '--query', 'Arn', '--output', 'text'], { env: world.env });
      assert.equal(identity.code, 0, identity.stderr);
      assert.equal(identity.stdout.trim(), `arn:aws:iam::${ACCOUNT}:user/doug`);
    }

    const second = await runProgram(process.execPath, [CLI, 'login', 'doug', '--to-profile', 'doug-mfa', '--force', '--token-code', world.code()], { env: world.env });
    assert.equal(second.code, 0, second.stderr);
    const rewritten = await readFile(world.credentialsPath, 'latin1');
    assert.equal(rewritten.match(/\[doug-mfa\]/g)?.length, 1, 'no second section');
    assert.ok(rewritten.startsWith(`${original}\r\n[doug-mfa]\r\n`));
    assert.notEqual(readIniSection(rewritten, 'doug-mfa')!.aws_session_token, section.aws_session_token);

    const cached = await runProgram(process.execPath, [CLI, 'login', 'doug', '--to-profile', 'doug-mfa'], { env: world.env });
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stderr, /the session is already in \[doug-mfa\]/);
    assert.equal(await readFile(world.credentialsPath, 'latin1'), rewritten);
    assert.equal(updateIniText(rewritten, 'doug-mfa', section), written, 'only the values changed, in place');
  }, MESSY_CREDENTIALS);
});

test('login refuses long-term keys, the profile\'s own chain, and names the loader would misread, before asking for a code', async () => {
  await withWorld(async (world) => {
    await writeFile(world.configPath, `${await readFile(world.configPath, 'utf8')}\n[profile configkeys]\naws_access_key_id = AKIAINCONFIGEXAMPLE\naws_secret_access_key = x\n`);
    const original = await readFile(world.credentialsPath, 'latin1');
    const cases: [string[], RegExp][] = [
      [['doug', '--to-profile', 'longterm'], /\[longterm\] in .*credentials holds long-term keys .* will not overwrite them/],
      [['doug', '--to-profile', 'configkeys'], /\[configkeys\] in .*config holds long-term keys/],
      [['doug', '--to-profile', 'doug'], /--to-profile doug is the profile itself/],
      [['admin', '--to-profile', 'doug'], /--to-profile doug is part of \[admin\]'s source_profile chain \(\[admin\] -> \[doug\]\)/],
      [['doug', '--to-profile', 'my profile'], /"my profile" cannot be a profile name in the credentials file/],
      [['doug', '--to-profile', 'x]'], /cannot be a profile name/],
    ];
    for (const [args, expected] of cases) {
      const result = await runProgram(process.execPath, [CLI, 'login', ...args], { env: world.env });
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, expected);
      assert.doesNotMatch(result.stderr, /no terminal/, 'refused before a code was asked for');
    }
    const noTarget = await runProgram(process.execPath, [CLI, 'login', 'doug'], { env: world.env });
    assert.notEqual(noTarget.code, 0);
    assert.equal(await readFile(world.credentialsPath, 'latin1'), original);
    assert.equal(world.emulator.calls.length, 0);
  }, MESSY_CREDENTIALS);
});
