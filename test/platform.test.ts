/**
 * The platform layer on its own: the Windows part's decisions (paths, ACL listings, replacement under
 * a busy reader, the default shell) tested here on any system, and the POSIX part's checks, which must
 * still refuse what is open to others. The Windows part is run for real in win32-wine.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AwsmfaError } from '../src/errors.js';
import { othersIn, principalsOf } from '../src/platform/acl.js';
import { platform } from '../src/platform/index.js';
import { posix } from '../src/platform/posix.js';
import { accountName, findOnPath, privateAclArguments, replaceWithRetry, win32 } from '../src/platform/win32.js';
import { detectShell } from '../src/shell/index.js';

test('this system is POSIX here, and its part keeps the owner and mode checks', () => {
  assert.equal(platform, process.platform === 'win32' ? win32 : posix);
  assert.equal(posix.openToOthers({ mode: 0o100644 }), true);
  assert.equal(posix.openToOthers({ mode: 0o100600 }), false);
  assert.equal(posix.openToOthers({ mode: 0o40700 }), false);
  assert.equal(posix.writableByOthers({ mode: 0o100664 }), true);
  assert.equal(posix.writableByOthers({ mode: 0o100644 }), false);
  if (typeof process.getuid === 'function') {
    assert.equal(posix.foreignOwner({ uid: process.getuid() }), undefined);
    assert.equal(posix.foreignOwner({ uid: process.getuid() + 1 }), `uid ${process.getuid() + 1}`);
  }
});

test('POSIX paths: XDG_CACHE_HOME when absolute, else ~/.cache; the AWS home is HOME', () => {
  assert.equal(posix.cacheBase({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/doug' }), '/x/cache');
  assert.equal(posix.cacheBase({ XDG_CACHE_HOME: 'relative', HOME: '/home/doug' }), '/home/doug/.cache');
  assert.equal(posix.home({ HOME: '/home/doug', USERPROFILE: 'C:\\Users\\doug' }), '/home/doug');
});

test('Windows paths: %LOCALAPPDATA% for the cache, %USERPROFILE% (not HOME) for the AWS files', () => {
  const env = { LOCALAPPDATA: 'C:\\Users\\doug\\AppData\\Local', USERPROFILE: 'C:\\Users\\doug', HOME: '/c/Users/doug', XDG_CACHE_HOME: '/tmp/x' };
  assert.equal(win32.cacheBase(env), 'C:\\Users\\doug\\AppData\\Local');
  assert.equal(win32.cacheBase({ USERPROFILE: 'C:\\Users\\doug' }), 'C:\\Users\\doug\\AppData\\Local');
  assert.equal(win32.home(env), 'C:\\Users\\doug');
  assert.equal(win32.terminalInput, '\\\\.\\CONIN$');
});

test('Windows: modes mean nothing there, so they are not judged; the ACL is set once instead', () => {
  // What Node reports for every file on Windows: refusing it would refuse everything.
  assert.equal(win32.openToOthers({ mode: 0o100666 }), false);
  assert.equal(win32.foreignOwner({ uid: 0 }), undefined);
  assert.deepEqual(privateAclArguments('C:\\Users\\doug\\AppData\\Local\\awsmfa', 'PC\\doug', true), [
    'C:\\Users\\doug\\AppData\\Local\\awsmfa', '/inheritance:r', '/grant:r', 'PC\\doug:(OI)(CI)F',
  ]);
  assert.equal(accountName({ USERNAME: 'doug', USERDOMAIN: 'PC' }), 'PC\\doug');
  const account = accountName(process.env);
  assert.equal(win32.privateCommand('C:\\x', false), `icacls "C:\\x" /inheritance:r /grant:r "${account}:F"`);
  assert.equal(win32.privateCommand('C:\\x', true), `icacls "C:\\x" /inheritance:r /grant:r "${account}:(OI)(CI)F"`);
});

test('Windows ACL listings: the principals are read, and anyone but the user and the system is named', () => {
  const target = 'C:\\Users\\doug\\.aws\\credentials';
  const listing = [
    `${target} PC\\doug:(F)`,
    '                              NT AUTHORITY\\SYSTEM:(I)(F)',
    '                              BUILTIN\\Administrators:(I)(F)',
    '                              BUILTIN\\Users:(I)(RX)',
    '                              Everyone:(R)',
    '',
    'Successfully processed 1 files; Failed processing 0 files',
  ].join('\r\n');
  const principals = principalsOf(listing, target);
  assert.deepEqual(principals, ['PC\\doug', 'NT AUTHORITY\\SYSTEM', 'BUILTIN\\Administrators', 'BUILTIN\\Users', 'Everyone']);
  assert.deepEqual(othersIn(principals, 'PC\\doug'), ['BUILTIN\\Users', 'Everyone']);
  assert.deepEqual(othersIn(principals.slice(0, 3), 'PC\\doug'), []);
  // Wine's icacls lists nothing: that is "cannot tell", never "private".
  assert.deepEqual(principalsOf('', target), []);
});

test('Windows replacement waits out a reader that holds the target, and no longer than its patience', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-platform-'));
  try {
    const temporary = join(dir, 'new');
    const target = join(dir, 'target');
    await writeFile(temporary, 'new');
    await writeFile(target, 'old');
    let refusals = 3;
    const busy = async (from: string, to: string) => {
      if (refusals-- > 0) throw Object.assign(new Error('busy'), { code: 'EPERM' });
      const { rename } = await import('node:fs/promises');
      await rename(from, to);
    };
    await replaceWithRetry(temporary, target, busy);
    assert.equal(await readFile(target, 'utf8'), 'new');

    await writeFile(temporary, 'newer');
    const never = async () => {
      throw Object.assign(new Error('busy'), { code: 'EBUSY' });
    };
    await assert.rejects(replaceWithRetry(temporary, target, never, 200), (error: unknown) => {
      assert.ok(error instanceof AwsmfaError);
      assert.match(error.message, /another program keeps it open \(EBUSY\)/);
      assert.match(error.hint!, /Close the program/);
      return true;
    });
    assert.equal(await readFile(target, 'utf8'), 'new', 'the old file is left whole');

    const missing = Object.assign(new Error('gone'), { code: 'ENOENT' });
    await assert.rejects(replaceWithRetry(temporary, target, async () => Promise.reject(missing)), missing, 'other errors are not retried');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the default shell: PowerShell on Windows, bash elsewhere, after the parent, PSModulePath and SHELL', () => {
  const none = () => undefined;
  assert.equal(detectShell({}, none, win32.defaultShell), 'pwsh');
  assert.equal(detectShell({}, none, posix.defaultShell), 'bash');
  assert.equal(detectShell({ SHELL: '/usr/bin/bash' }, none, win32.defaultShell), 'bash', 'Git Bash says so in SHELL');
  assert.equal(detectShell({}, () => 'fish', win32.defaultShell), 'fish');
});

test('exec without a command: SHELL where set, else the interactive shell of the system', () => {
  assert.equal(posix.interactiveShell({ SHELL: '/usr/bin/zsh' }), '/usr/bin/zsh');
  assert.equal(posix.interactiveShell({}), '/bin/sh');
  assert.equal(win32.interactiveShell({ SHELL: '/usr/bin/bash' }), '/usr/bin/bash');
  assert.equal(win32.interactiveShell({ Path: 'Z:\\nowhere' }), 'powershell.exe');
  // Never the current folder, where Windows itself would look first (package.json is in it here).
  assert.equal(findOnPath('package.json', { Path: '.;;test' }), undefined);
});
