/**
 * The INI writer edge by edge: each value and name it refuses (and the exact words of the refusal),
 * where removed sections and blank lines go, and the file's side: nothing written when nothing
 * changes, a file that keeps changing left alone, leftovers of dead writers removed and those of live
 * ones kept. The byte-for-byte round trips, the crash tests and the AWS CLI's reading are in
 * login.test.ts and config-files.test.ts.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AwsmfaError } from '../src/errors.js';
import { readIniSection, sectionId, updateIniFile, updateIniText, withoutEmptySection } from '../src/aws/ini-file.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-ini-writer-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function file(text: string, mode = 0o600): Promise<string> {
  const path = join(dir, `credentials-${files++}`);
  await writeFile(path, text, { mode });
  await chmod(path, mode);
  return path;
}

describe('the INI writer, edge by edge', () => {
  test('every character that would end or hide a value is refused, with the rule in the hint', () => {
    const bad = ['a\rb', 'a\nb', 'a\vb', 'a\fb', 'a\x1cb', 'a\x1db', 'a\x1eb', 'a\x85b', 'a\u2028b', 'a\u2029b', '', ' a', 'a ', '\ta', 'a\t', 'a\u00a0', 'a #b', 'a\t;b', 'a ;b', '\x1fa', '\ufeffa'];
    for (const value of bad) {
      assert.throws(
        () => updateIniText('', 'x', { aws_session_token: value }),
        (error: AwsmfaError) =>
          error instanceof AwsmfaError &&
          error.message === 'the value for aws_session_token cannot be written to an INI file as it is' &&
          error.hint === 'Values must be on one line, without surrounding spaces, and without " #" or " ;" (they start a comment).',
        JSON.stringify(value),
      );
    }
    // \x1f: Python's strip() removes it, the SDKs' trim() does not; \ufeff the other way round.
    // What a value may hold: inner spaces, # and ; not after a space, = and :, any other character.
    for (const value of ['a b', 'a#b', 'a;b', '#a', ';a', 'a=b:c', 'x/y+z==', 'é']) {
      assert.equal(readIniSection(updateIniText('', 'x', { k: value }), 'x')?.k, value, JSON.stringify(value));
    }
  });

  test('a key name outside letters, digits, _ . - is a programming error, refused before anything is written', () => {
    for (const key of ['', 'a b', 'a=b', '[x]', 'a\n']) {
      assert.throws(() => updateIniText('', 'x', { [key]: 'v' }), (error: Error) => !(error instanceof AwsmfaError) && error.message === `not a key for an INI file: ${JSON.stringify(key)}`, JSON.stringify(key));
    }
    assert.equal(updateIniText('', 'x', { 'Aws.Key-1_x': 'v' }), '[x]\nAws.Key-1_x = v\n');
  });

  test('a section name is refused with the characters that are allowed', () => {
    for (const section of ['a b', 'x]', '', 'a\nb', ' x', 'profile ', 'a;b', 'a#b', '[x', 'a"b']) {
      assert.throws(
        () => updateIniText('', section, { a: '1' }),
        (error: AwsmfaError) =>
          error instanceof AwsmfaError &&
          error.message === `${JSON.stringify(section)} cannot be written as an INI section name` &&
          error.hint === 'Use letters, digits and - _ . @ + = , : / only.',
        JSON.stringify(section),
      );
    }
    for (const section of ['a', 'profile a', 'a@b+c.d%e:f/g=h,i-j_k']) assert.equal(readIniSection(updateIniText('', section, { a: '1' }), section)?.a, '1', section);
  });

  test('sectionId: [] is no section; [default] and other names are themselves; profile and sso-session headers by their kind', () => {
    assert.equal(sectionId(''), undefined);
    assert.equal(sectionId('default'), 'default');
    assert.equal(sectionId('doug'), 'doug');
    assert.equal(sectionId('profile doug'), 'profile.doug');
    assert.equal(sectionId('profile  "doug"'), 'profile.doug');
    // [] is a section the AWS CLI reads, but it is not the one asked for by any name.
    assert.equal(readIniSection('[]\na = 1\n', ''), undefined);
  });

  test('a replaced value keeps the spaces around it, whichever delimiter', () => {
    assert.equal(updateIniText('[x]\na=1\n', 'x', { a: '2' }), '[x]\na=2\n');
    assert.equal(updateIniText('[x]\na \t=  1 \t\n', 'x', { a: '2' }), '[x]\na \t=  2 \t\n');
    assert.equal(updateIniText('[x]\na:1\n', 'x', { a: '2' }), '[x]\na:2\n');
    assert.equal(updateIniText('[x]\na : 1 = 0\n', 'x', { a: '2' }), '[x]\na : 2\n');
    assert.equal(updateIniText('[x]\nA = 1\n', 'x', { a: '2' }), '[x]\nA = 2\n');
  });

  test('removing keys: their continuation lines go too, the next key and other sections stay', () => {
    assert.equal(updateIniText('[x]\na = 1\n  more\n  more\nb = 2\n[y]\na = 1\n', 'x', { a: null }), '[x]\nb = 2\n[y]\na = 1\n');
    assert.equal(updateIniText('[x]\na = 1\n  more\n', 'x', { a: null, b: null }), '[x]\n');
    // A key that is not there is not added when it is to be removed.
    assert.equal(updateIniText('[x]\na = 1\n', 'x', { b: null }), '[x]\na = 1\n');
    assert.equal(updateIniText('', 'x', { b: null, c: '3' }), '[x]\nc = 3\n');
    // Lines of another section with the same key, and the key's continuation in it, are not touched.
    assert.equal(updateIniText('[y]\na = 1\n  more\n[x]\na = 1\n', 'x', { a: '2' }), '[y]\na = 1\n  more\n[x]\na = 2\n');
  });

  test('new keys go after the last key of the section, before the comments and blank lines that follow it', () => {
    assert.equal(updateIniText('[x]\na = 1\n\n# about y\n[y]\n', 'x', { b: '2' }), '[x]\na = 1\nb = 2\n\n# about y\n[y]\n');
    assert.equal(updateIniText('[x]\n\n[y]\n', 'x', { b: '2' }), '[x]\nb = 2\n\n[y]\n');
    assert.equal(updateIniText('[x]', 'x', { b: '2' }), '[x]\nb = 2\n');
    assert.equal(updateIniText('[x]\r\n', 'x', { b: '2', c: '3' }), '[x]\r\nb = 2\r\nc = 3\r\n');
    assert.equal(updateIniText('[x]\ra = 1\r', 'x', { b: '2' }), '[x]\ra = 1\rb = 2\r');
    // A file with no section of that name: one blank line before the new one, none at the very start.
    assert.equal(updateIniText('# only a comment', 'x', { a: '1' }), '# only a comment\n\n[x]\na = 1\n');
    assert.equal(updateIniText('\n', 'x', { a: '1' }), '\n[x]\na = 1\n');
    assert.equal(updateIniText('[y]\n  \n', 'x', { a: '1' }), '[y]\n  \n[x]\na = 1\n');
  });

  test('line endings: a replaced line and the last line keep their own; a file without a last one gains one only when a line is added', () => {
    assert.equal(updateIniText('[x]\na = 0', 'x', { a: '1' }), '[x]\na = 1');
    assert.equal(updateIniText('[y]\n', 'x', { a: null }), '[y]\n');
    assert.equal(updateIniText('[y]\nb = 2\n[x]\r\na = 1\r\n', 'x', { c: '3' }), '[y]\nb = 2\n[x]\r\na = 1\r\nc = 3\n');
    assert.equal(updateIniText('[y]\r\nb = 2\n', 'x', { a: '1' }), '[y]\r\nb = 2\n\r\n[x]\r\na = 1\r\n');
  });

  test('withoutEmptySection removes a section left with its header and blank lines only, and nothing else', () => {
    assert.equal(withoutEmptySection('[y]\nb = 2\n\n[x]\n\n', 'x'), '[y]\nb = 2\n');
    assert.equal(withoutEmptySection('[x]\n[y]\nb = 2\n', 'x'), '[y]\nb = 2\n');
    assert.equal(withoutEmptySection('[x]\n\n[y]\nb = 2\n\n[x]\n', 'x'), '[y]\nb = 2\n');
    for (const kept of ['[x]\na = 1\n', '[x]\n# mine\n', '[x]\n  nested\n', '[y]\nb = 2\n', '', '[]\n']) {
      assert.equal(withoutEmptySection(kept, 'x'), kept, JSON.stringify(kept));
    }
    assert.equal(withoutEmptySection('[]\n', ''), '[]\n');
    // Lines before the first header belong to no section, not to one named ''.
    assert.equal(withoutEmptySection('\n\n[x]\na = 1\n', ''), '\n\n[x]\na = 1\n');
    // Lines of spaces are blank; the blank lines at the end go only when the removed section was last.
    assert.equal(withoutEmptySection('[y]\nb = 2\n[x]\n  \n', 'x'), '[y]\nb = 2\n');
    assert.equal(withoutEmptySection('[y]\nb = 2\n  \n[x]\n', 'x'), '[y]\nb = 2\n');
    assert.equal(withoutEmptySection('[x]\n[y]\nb = 2\n\n', 'x'), '[y]\nb = 2\n\n');
    assert.equal(withoutEmptySection('[x]\n\n', 'x'), '');
  });
});

describe('the INI writer, the file', () => {
  test('writing what is already there changes nothing on disk', async () => {
    const path = await file('[x]\na = 1\n', 0o640);
    const before = await stat(path);
    const result = await updateIniFile(path, 'x', { a: '1' });
    assert.deepEqual(result, { path, created: false, changed: false, mode: 0o640 });
    const now = await stat(path);
    assert.equal(now.ino, before.ino, 'not replaced');
    assert.equal(now.mtimeMs, before.mtimeMs);
  });

  test('a new file is created 0600 by default, or with the mode asked for; an existing one keeps its own', async () => {
    const fresh = join(dir, 'fresh', 'config');
    assert.deepEqual(await updateIniFile(fresh, 'x', { a: '1' }), { path: fresh, created: true, changed: true, mode: 0o600 });
    assert.equal((await stat(fresh)).mode & 0o7777, 0o600);
    const shared = join(dir, 'fresh', 'shared');
    assert.equal((await updateIniFile(shared, 'x', { a: '1' }, { newFileMode: 0o644 })).mode, 0o644);
    assert.equal((await stat(shared)).mode & 0o7777, 0o644);
    assert.deepEqual(await updateIniFile(shared, 'x', { a: '2' }, { newFileMode: 0o600 }), { path: shared, created: false, changed: true, mode: 0o644 });
    assert.equal((await stat(shared)).mode & 0o7777, 0o644);
  });

  test('values may be a function of the section as it is, read in the same pass', async () => {
    const path = await file('[x]\na = 1\n');
    const seen: unknown[] = [];
    await updateIniFile(path, 'x', (current) => (seen.push(current), { a: String(Number(current?.a) + 1) }));
    await updateIniFile(path, 'y', (current) => (seen.push(current), { b: '1' }));
    assert.deepEqual(seen, [{ a: '1' }, undefined]);
    assert.equal(await readFile(path, 'utf8'), '[x]\na = 2\n\n[y]\nb = 1\n');
  });

  test('dropEmptySection: a section emptied by the write is removed; without it, kept', async () => {
    const path = await file('[y]\nb = 2\n\n[x]\na = 1\n');
    await updateIniFile(path, 'x', { a: null });
    assert.equal(await readFile(path, 'utf8'), '[y]\nb = 2\n\n[x]\n');
    await updateIniFile(path, 'x', { a: null }, { dropEmptySection: true });
    assert.equal(await readFile(path, 'utf8'), '[y]\nb = 2\n');
  });

  test('a file another program keeps changing is left alone after three tries, with the reason', async () => {
    const path = await file('[x]\na = 1\n');
    let tries = 0;
    let written = '';
    await assert.rejects(
      updateIniFile(path, 'x', { a: '2' }, {
        beforeReplace: async () => {
          tries += 1;
          written = `[x]\na = 1\n# edited ${tries}\n`;
          await writeFile(path, written);
        },
      }),
      (error: AwsmfaError) =>
        error.message === `${path} kept changing while awsmfa was updating [x] in it; nothing was written` &&
        error.hint === 'Another program is writing to it (aws configure, an editor?): let it finish, then run this again.',
    );
    assert.equal(tries, 3);
    assert.equal(await readFile(path, 'utf8'), written, 'what the other program wrote');
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.awsmfa-')), [], 'no temporary file left');
  });

  test('leftovers of dead writers are removed; those of live writers and other files are kept', async () => {
    const sub = join(dir, 'leftovers');
    await mkdir(sub);
    const path = join(sub, 'credentials');
    await writeFile(path, '[x]\na = 1\n', { mode: 0o600 });
    const dead = 2 ** 22 + 1;
    const names = [
      `.credentials.awsmfa-${dead}-0a1b2c.tmp`, // a dead writer's: removed
      `.credentials.awsmfa-1-0a1b2c.tmp`, // pid 1 is alive: kept
      `.credentials.awsmfa-${process.pid}-0a1b2c.tmp`, // this process's own (another write under way): kept
      `.credentials.awsmfa-${dead}-0a1b2c.tmp.bak`, // not a name the writer makes: kept
      `.credentials.awsmfa-${dead}-XYZ.tmp`,
      `.credentials.awsmfa-x${dead}-0a1b2c.tmp`,
      `.config.awsmfa-${dead}-0a1b2c.tmp`, // another file's
      `credentials.awsmfa-${dead}-0a1b2c.tmp`,
    ];
    for (const name of names) await writeFile(join(sub, name), 'keys', { mode: 0o600 });
    await updateIniFile(path, 'x', { a: '2' });
    assert.deepEqual((await readdir(sub)).sort(), ['credentials', ...names.slice(1)].sort());
  });

  test('refusals: a link to nothing, a directory, and a file the AWS CLI cannot read', async () => {
    const link = join(dir, 'dangling');
    await symlink(join(dir, 'nothing-here'), link);
    await assert.rejects(updateIniFile(link, 'x', { a: '1' }), (error: AwsmfaError) => error.message === `${link} is a symbolic link to a file that does not exist` && error.hint === 'Create the file it points to, or remove the link.');
    const directory = join(dir, 'a-directory');
    await mkdir(directory);
    await assert.rejects(updateIniFile(directory, 'x', { a: '1' }), (error: AwsmfaError) => error.message === `${directory} is not a regular file` && error.hint === 'Move whatever is there out of the way.');
    const broken = await file('[x]\na = 1\n[x]\nb = 2\n');
    await assert.rejects(
      updateIniFile(broken, 'x', { a: '2' }),
      (error: AwsmfaError) =>
        error.message === `the AWS CLI cannot read ${broken} ("Unable to parse config file"): line 3: section [x] appears twice (the AWS CLI refuses a repeated section); awsmfa changes nothing in it` &&
        error.hint === `Fix line 3 of ${broken} first; \`aws configure list-profiles\` reads it without error once it is right.`,
    );
    assert.equal(await readFile(broken, 'utf8'), '[x]\na = 1\n[x]\nb = 2\n');
  });
});

describe('the INI writer, the file, further', () => {
  test('a file another awsmfa is changing is waited for, and the wait says what it is doing', async (t) => {
    const { lockDevice } = await import('../src/session/lock.js');
    const { SessionCache } = await import('../src/session/cache.js');
    const path = await file('[x]\na = 1\n');
    const held = await lockDevice(SessionCache.forEnvironment(process.env), `file:${path}`, { env: {}, stderr: process.stderr, what: path });
    t.after(() => held.release());
    const saved = process.env.AWSMFA_LOCK_TIMEOUT;
    process.env.AWSMFA_LOCK_TIMEOUT = '0';
    t.after(() => (saved === undefined ? delete process.env.AWSMFA_LOCK_TIMEOUT : (process.env.AWSMFA_LOCK_TIMEOUT = saved)));
    await assert.rejects(updateIniFile(path, 'x', { a: '2' }), (error: AwsmfaError) => error.message === `another awsmfa (pid ${process.pid}) is changing ${path}, and this one stopped waiting after 0 s`);
    // Another file is another lock.
    await updateIniFile(await file('[x]\na = 1\n'), 'x', { a: '2' });
    assert.equal(await readFile(path, 'utf8'), '[x]\na = 1\n');
  });

  test('a file that is not UTF-8, or a link that loops, is refused and left as it is', async () => {
    const latin = join(dir, 'latin1');
    await writeFile(latin, Buffer.from('[x]\na = caf\xe9\n', 'latin1'), { mode: 0o600 });
    await assert.rejects(updateIniFile(latin, 'x', { a: '2' }), (error: AwsmfaError) => error.message === `the AWS CLI cannot read ${latin} ("Unable to parse config file"): line 2: it is not valid UTF-8 text; awsmfa changes nothing in it`);
    assert.deepEqual(await readFile(latin), Buffer.from('[x]\na = caf\xe9\n', 'latin1'));
    const loop = join(dir, 'loop');
    await symlink(loop, loop);
    await assert.rejects(updateIniFile(loop, 'x', { a: '1' }), { code: 'ELOOP' });
  });

  test('a write closes every file it opens', async () => {
    const path = await file('[x]\na = 1\n');
    const open = async () => (await readdir('/proc/self/fd')).length;
    const before = await open();
    for (let i = 0; i < 10; i += 1) await updateIniFile(path, 'x', { a: String(i) });
    assert.equal(await open(), before);
  });

  test('as root, a file of another user keeps its owner', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('giving a file to another user needs root (chown)');
    const { chown } = await import('node:fs/promises');
    const theirs = await file('[x]\na = 1\n');
    await chown(theirs, 4242, 4343);
    await updateIniFile(theirs, 'x', { a: '2' });
    const info = await stat(theirs);
    assert.deepEqual([info.uid, info.gid, info.mode & 0o777], [4242, 4343, 0o600]);
    assert.equal(await readFile(theirs, 'utf8'), '[x]\na = 2\n');
  });
});
