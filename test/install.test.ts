/**
 * install.sh into a temporary HOME, run by a POSIX sh: the launcher runs the CLI, each shell's rc file
 * loads the integration, a second run changes no byte, and --uninstall leaves HOME as it was (rc files
 * byte-identical, nothing added left behind). The user's own files are never taken over.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT, runProgram } from './helpers/fixture.js';
import { shellAvailable } from './helpers/shells.js';

const INSTALL = join(ROOT, 'install.sh');

/** Every path under `dir` with its type and content, to compare whole trees byte for byte. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  async function walk(path: string): Promise<void> {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const info = await lstat(full);
      const key = relative(dir, full);
      if (info.isSymbolicLink()) entries.set(key, `link ${await readlink(full)}`);
      else if (info.isDirectory()) {
        entries.set(key, 'dir');
        await walk(full);
      } else entries.set(key, `file ${(info.mode & 0o777).toString(8)} ${(await readFile(full)).toString('base64')}`);
    }
  }
  await walk(dir);
  return entries;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).map((k) => `${k}: ${before.has(k) ? (after.has(k) ? 'changed' : 'removed') : 'added'}`);
}

test('install.sh twice, then --uninstall: the launcher and integration work, the second run changes nothing, uninstall restores HOME', async (t) => {
  const shells = ['bash', 'zsh', 'fish'] as const;
  const available = await Promise.all(shells.map((s) => shellAvailable(s)));
  const use = shells.filter((_, i) => available[i]);
  if (!use.includes('bash')) return t.skip('bash not installed');

  const home = await mkdtemp(join(tmpdir(), 'awsmfa-install-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  // What a user may already have: an rc file without a final newline, one that is a symlink, an
  // unrelated file in ~/.local/bin, a fish config directory with no config.fish.
  await writeFile(join(home, '.bashrc'), 'export EDITOR=vi\n# the last line has no newline');
  await mkdir(join(home, 'dotfiles'));
  await writeFile(join(home, 'dotfiles', 'zshrc'), 'setopt autocd\n');
  await (await import('node:fs/promises')).symlink(join(home, 'dotfiles', 'zshrc'), join(home, '.zshrc'));
  await mkdir(join(home, '.local', 'bin'), { recursive: true });
  await writeFile(join(home, '.local', 'bin', 'other-tool'), '#!/bin/sh\n', { mode: 0o755 });
  await mkdir(join(home, '.config', 'fish'), { recursive: true });
  const before = await snapshot(home);

  // awsmfa's cache (sessions, the profile index `init` makes) is the program's, not what install.sh puts
  // in place or takes away: it is kept outside HOME here, so that it does not blur the comparisons.
  const cache = await mkdtemp(join(tmpdir(), 'awsmfa-install-cache-'));
  t.after(() => rm(cache, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SHELL: '/bin/bash', LANG: 'C.UTF-8', XDG_CACHE_HOME: cache };
  const install = (...args: string[]) => runProgram('sh', [INSTALL, ...args], { env, cwd: home });

  const first = await install('--shell', use.join(','));
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, '', 'messages go to stderr');
  const installed = await snapshot(home);

  const launcher = join(home, '.local', 'bin', 'awsmfa');
  const version = await runProgram(launcher, ['--version'], { env });
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^awsmfa /);
  const launcherText = await readFile(launcher, 'utf8');
  assert.match(launcherText, /exec node '.*\/dist\/awsmfa\.js' "\$@"/);

  const bashrc = await readFile(join(home, '.bashrc'), 'utf8');
  assert.equal(bashrc.split('\n').filter((l) => l.includes('awsmfa')).length, 1, 'one line in ~/.bashrc');
  assert.ok(bashrc.startsWith('export EDITOR=vi\n# the last line has no newline\nif [ -f '), bashrc);
  assert.ok((await lstat(join(home, '.zshrc'))).isSymbolicLink(), 'a symlinked rc file stays a symlink');
  assert.match(await readFile(join(home, 'dotfiles', 'zshrc'), 'utf8'), /^setopt autocd\nif \[ -f .*init\.zsh/);
  assert.ok(installed.has('.local/share/bash-completion/completions/awsmfa'));

  // A new interactive shell gets the wrapper from the rc file, without awsmfa on PATH.
  const checks: Record<string, [string, string[], RegExp]> = {
    bash: ['bash', ['-i', '-c', 'type -t awsmfa; complete -p awsmfa'], /^function\ncomplete .* awsmfa$/m],
    zsh: ['zsh', ['-i', '-c', 'whence -w awsmfa'], /^awsmfa: function$/m],
    fish: ['fish', ['-i', '-c', 'functions -q awsmfa; and echo loaded'], /^loaded$/m],
  };
  // fish keeps its own data under XDG_DATA_HOME; outside HOME, it does not blur the comparisons below.
  const scratch = await mkdtemp(join(tmpdir(), 'awsmfa-install-data-'));
  t.after(() => rm(scratch, { recursive: true, force: true }));
  for (const shell of use) {
    const [program, args, expected] = checks[shell]!;
    const run = await runProgram(program, args, { env: { ...env, XDG_DATA_HOME: scratch }, cwd: home });
    assert.match(run.stdout, expected, `${shell}: ${run.stdout}${run.stderr}`);
  }

  const second = await install('--shell', use.join(','));
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(diff(installed, await snapshot(home)), [], 'a second run changes nothing');

  const removed = await install('--uninstall');
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(diff(before, await snapshot(home)), [], 'uninstall leaves HOME as it was');
});

test('install.sh leaves a launcher that is not its own alone, and is plain POSIX sh (shellcheck)', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'awsmfa-install-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  await mkdir(join(home, '.local', 'bin'), { recursive: true });
  await writeFile(join(home, '.local', 'bin', 'awsmfa'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SHELL: '/bin/bash', LANG: 'C.UTF-8' };
  const run = await runProgram('sh', [INSTALL, '--shell', 'bash'], { env, cwd: home });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /exists and is not awsmfa's launcher/);
  assert.equal(await readFile(join(home, '.local', 'bin', 'awsmfa'), 'utf8'), '#!/bin/sh\necho mine\n');
  await runProgram('sh', [INSTALL, '--uninstall'], { env, cwd: home });
  assert.equal(await readFile(join(home, '.local', 'bin', 'awsmfa'), 'utf8'), '#!/bin/sh\necho mine\n');

  const shellcheck = await runProgram('shellcheck', ['--shell=sh', INSTALL], { env }).catch(() => undefined);
  if (shellcheck === undefined) return t.skip('shellcheck not installed');
  assert.equal(shellcheck.stdout + shellcheck.stderr, '');
  assert.equal(shellcheck.code, 0);
});
