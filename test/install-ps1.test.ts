/**
 * install.ps1, the Windows installer, run by the real pwsh into a temporary HOME (on Linux, pwsh's
 * $PROFILE, %APPDATA% and %LOCALAPPDATA% are under HOME): the profile loads the integration, a second
 * run changes no byte, and -Uninstall leaves HOME as it was, the user's own profile lines included.
 * What only Windows has (the user PATH in the registry) is not exercised here; see README.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT, runProgram, type RunResult } from './helpers/fixture.js';
import { pwshPath } from './helpers/pwsh.js';

const INSTALL = join(ROOT, 'install.ps1');

async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  async function walk(path: string): Promise<void> {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const info = await lstat(full);
      if (info.isDirectory()) {
        entries.set(relative(dir, full), 'dir');
        await walk(full);
      } else entries.set(relative(dir, full), (await readFile(full)).toString('base64'));
    }
  }
  await walk(dir);
  return entries;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).map((k) => `${k}: ${before.has(k) ? (after.has(k) ? 'changed' : 'removed') : 'added'}`);
}

function run(pwsh: string, args: string[], home: string): Promise<RunResult> {
  const env = { PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: home, DOTNET_CLI_TELEMETRY_OPTOUT: '1', POWERSHELL_TELEMETRY_OPTOUT: '1' };
  return runProgram(pwsh, ['-NoLogo', ...args], { env, cwd: home, timeoutMs: 120_000 });
}

test('install.ps1 twice, then -Uninstall: the profile loads the integration, the second run changes nothing, uninstall restores HOME', async (t) => {
  const pwsh = await pwshPath();
  if (pwsh === undefined) return t.skip('pwsh not installed');
  const home = await mkdtemp(join(tmpdir(), 'awsmfa-install-ps1-'));
  try {
    const profile = join(home, '.config', 'powershell', 'Microsoft.PowerShell_profile.ps1');
    await mkdir(dirname(profile), { recursive: true });
    // The user's own profile, without a final newline.
    await writeFile(profile, "Set-Alias -Name ll -Value Get-ChildItem\r\n$global:mine = 'kept'");
    const before = await snapshot(home);
    const bin = join(home, 'bin');
    // pwsh keeps its own start-up cache and history under HOME; those are not the installer's.
    const ours = (changes: string[]) => changes.filter((change) => !/^\.(cache|local|local\/share|local\/share\/powershell)(\/.*)?: added$|^\.cache\//.test(change));

    const first = await run(pwsh, ['-NoProfile', '-File', INSTALL, '-BinDir', bin], home);
    assert.equal(first.code, 0, first.stderr);
    const text = await readFile(profile, 'utf8');
    assert.match(text, /^\$global:mine = 'kept'\r?\nif \(Test-Path -LiteralPath '.*init\.ps1'\) \{ \. '.*init\.ps1' \} # added by awsmfa install\.ps1\r?\n$/m);
    assert.match(await readFile(join(bin, 'awsmfa.cmd'), 'utf8'), /dist\/awsmfa\.js/);
    const installed = await snapshot(home);

    const second = await run(pwsh, ['-NoProfile', '-File', INSTALL, '-BinDir', bin], home);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(ours(diff(installed, await snapshot(home))), [], 'the second run changed nothing');

    // A new PowerShell, with its profile: the awsmfa wrapper is there and works.
    const loaded = await run(pwsh, ['-NonInteractive', '-Command', '(Get-Command awsmfa).CommandType; $global:mine; awsmfa --version'], home);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /^Function\r?\nkept\r?\nawsmfa \d+\.\d+\.\d+/);

    const removed = await run(pwsh, ['-NoProfile', '-File', INSTALL, '-Uninstall', '-BinDir', bin], home);
    assert.equal(removed.code, 0, removed.stderr);
    const after = await snapshot(home);
    assert.deepEqual(ours(diff(before, after)), [], 'uninstall put HOME back as it was');
    assert.equal(await readFile(profile, 'utf8'), "Set-Alias -Name ll -Value Get-ChildItem\r\n$global:mine = 'kept'");
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('install.ps1 keeps a profile in its own encoding: UTF-16 as Windows PowerShell writes it, and bytes that are not UTF-8', async (t) => {
  const pwsh = await pwshPath();
  if (pwsh === undefined) return t.skip('pwsh not installed');
  const cases: { name: string; bytes: Buffer; decode: (bytes: Buffer) => string }[] = [
    {
      name: 'UTF-16LE with a byte-order mark',
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("$global:mine = 'café'\r\n", 'utf16le')]),
      decode: (bytes) => {
        assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe], 'still UTF-16LE, its mark kept');
        return bytes.subarray(2).toString('utf16le');
      },
    },
    {
      name: 'Windows-1252 (é is one byte, 0xE9)',
      bytes: Buffer.from("$global:mine = 'caf\xe9'\r\n", 'latin1'),
      decode: (bytes) => {
        assert.ok(bytes.includes(Buffer.from("'caf\xe9'", 'latin1')), 'the byte 0xE9 is still there, alone');
        return bytes.toString('latin1');
      },
    },
  ];
  for (const { name, bytes, decode } of cases) {
    const home = await mkdtemp(join(tmpdir(), 'awsmfa-install-ps1-'));
    try {
      const profile = join(home, '.config', 'powershell', 'Microsoft.PowerShell_profile.ps1');
      await mkdir(dirname(profile), { recursive: true });
      await writeFile(profile, bytes);
      const installed = await run(pwsh, ['-NoProfile', '-File', INSTALL, '-BinDir', join(home, 'bin')], home);
      assert.equal(installed.code, 0, `${name}: ${installed.stderr}`);
      const text = decode(await readFile(profile));
      assert.match(text, /^\$global:mine = 'caf.'\r\nif \(Test-Path -LiteralPath '.*init\.ps1'\) \{ \. '.*init\.ps1' \} # added by awsmfa install\.ps1\r?\n$/, name);
      const removed = await run(pwsh, ['-NoProfile', '-File', INSTALL, '-Uninstall', '-BinDir', join(home, 'bin')], home);
      assert.equal(removed.code, 0, `${name}: ${removed.stderr}`);
      assert.deepEqual(await readFile(profile), bytes, `${name}: byte for byte as it was`);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }
});
