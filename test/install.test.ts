/**
 * install.sh into a temporary HOME, run by a POSIX sh: the launcher runs the CLI, each shell's rc file
 * loads the integration, a second run changes no byte, and --uninstall leaves HOME as it was (rc files
 * byte-identical, nothing added left behind). The user's own files are never taken over.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT, awsmfa, createWorld, runProgram } from './helpers/fixture.js';
import { pwshPath } from './helpers/pwsh.js';
import { shellAvailable } from './helpers/shells.js';
import { TmuxSession, tmuxAvailable } from './helpers/tmux.js';

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
  const shells = ['bash', 'zsh', 'fish', 'pwsh'] as const;
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
  const install = (...args: string[]) => runProgram(INSTALL, [...args], { env, cwd: home });

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
    // Without -NoProfile: pwsh loads $PROFILE, which install.sh wrote.
    pwsh: [(await pwshPath()) ?? 'pwsh', ['-NoLogo', '-NonInteractive', '-Command', '(Get-Command awsmfa).CommandType; $PROFILE'], /^Function\n.*\/\.config\/powershell\/Microsoft\.PowerShell_profile\.ps1$/m],
  };
  // fish keeps its own data under XDG_DATA_HOME; outside HOME, it does not blur the comparisons below.
  const scratch = await mkdtemp(join(tmpdir(), 'awsmfa-install-data-'));
  t.after(() => rm(scratch, { recursive: true, force: true }));
  for (const shell of use) {
    const [program, args, expected] = checks[shell]!;
    // pwsh keeps caches under XDG_CACHE_HOME; outside HOME too.
    const run = await runProgram(program, args, { env: { ...env, XDG_DATA_HOME: scratch, XDG_CACHE_HOME: scratch, POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off', DOTNET_NOLOGO: '1' }, cwd: home });
    assert.match(run.stdout, expected, `${shell}: ${run.stdout}${run.stderr}`);
  }

  // zsh compiled the integration file it sourced into a copy beside it, which uninstall removes too.
  const started = await snapshot(home);
  assert.deepEqual(diff(installed, started), use.includes('zsh') ? ['.config/awsmfa/init.zsh.zwc: added'] : []);
  const second = await install('--shell', use.join(','));
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(diff(started, await snapshot(home)), [], 'a second run changes nothing');

  const removed = await install('--uninstall');
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(diff(before, await snapshot(home)), [], 'uninstall leaves HOME as it was');

  // Without --shell: PowerShell is set up wherever pwsh is installed, though it has no $PROFILE yet.
  if (!use.includes('pwsh')) return t.skip('pwsh not installed: the default selection of PowerShell is not checked');
  const pwshHome = { ...env, PATH: `${dirname((await pwshPath())!)}:${env.PATH}` };
  const chosen = await runProgram('sh', [INSTALL], { env: pwshHome, cwd: home });
  assert.equal(chosen.code, 0, chosen.stderr);
  assert.match(chosen.stderr, /pwsh: .*Microsoft\.PowerShell_profile\.ps1 loads/);
  const again = await runProgram('sh', [INSTALL, '--uninstall'], { env: pwshHome, cwd: home });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(diff(before, await snapshot(home)), [], 'uninstall after the default selection leaves HOME as it was');
});

test('install.sh is executable, in git and in this checkout, so that the README\'s `./install.sh` runs', async (t) => {
  const index = await runProgram('git', ['ls-files', '--stage', '--', 'install.sh'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: ROOT } }).catch(() => undefined);
  if (index === undefined || index.code !== 0 || index.stdout === '') return t.skip('not a git checkout');
  assert.match(index.stdout, /^100755 /, `git records install.sh as ${index.stdout.slice(0, 6)}; run \`git update-index --chmod=+x install.sh\``);
  assert.ok(((await lstat(INSTALL)).mode & 0o111) !== 0, 'install.sh in this checkout has no execute bit');
  const help = await runProgram(INSTALL, ['--help'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: ROOT } });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: \.\/install\.sh/);
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

test('zsh after install.sh: Tab completes awsmfa in a new zsh, with compinit run by the user, later by a framework, or not at all', async (t) => {
  if (!(await shellAvailable('zsh'))) return t.skip('zsh not installed');
  if (!(await tmuxAvailable())) return t.skip('tmux not installed');
  const compinit = 'autoload -Uz compinit && compinit -i\n';
  // Where the user's .zshrc sets up completion relative to the line install.sh adds at its end.
  const cases: Record<string, { before: string; after: string }> = {
    'no compinit at all': { before: '', after: '' },
    'compinit before the awsmfa line': { before: compinit, after: '' },
    'compinit after it (as a framework loaded later does)': { before: '', after: compinit },
  };
  for (const [what, { before, after }] of Object.entries(cases)) {
    const home = await mkdtemp(join(tmpdir(), 'awsmfa-install-zsh-'));
    t.after(() => rm(home, { recursive: true, force: true }));
    await writeFile(join(home, '.zshrc'), `PS1='zsh> '\n${before}`);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SHELL: '/usr/bin/zsh', LANG: 'C.UTF-8' };
    const installed = await runProgram(INSTALL, ['--shell', 'zsh'], { env, cwd: home });
    assert.equal(installed.code, 0, installed.stderr);
    if (after !== '') await writeFile(join(home, '.zshrc'), `${await readFile(join(home, '.zshrc'), 'utf8')}${after}`);
    const session = await TmuxSession.start(['zsh', '-i'], { env: { ...env, TERM: 'xterm' }, cwd: home });
    try {
      await session.waitFor(/zsh> $/m);
      await session.type('awsmfa us', 'Tab');
      const screen = await session.waitFor(/awsmfa use ?$/m, { timeoutMs: 10_000 }).catch(async () => session.screen());
      assert.match(screen, /awsmfa use ?$/m, `${what}: Tab completes \`use\`; the terminal shows:\n${screen}`);
    } finally {
      await session.close();
    }
    // doctor, run from zsh, agrees.
    const doctor = await runProgram('zsh', ['-fc', `'${join(home, '.local', 'bin', 'awsmfa')}' doctor --offline; true`], { env: { ...env, NO_COLOR: '1' }, cwd: home });
    assert.match(doctor.stdout, /^ok {4}zsh: Tab completes awsmfa in a new zsh$/m, `${what}: ${doctor.stdout}`);
  }

  // A .zshrc that drops every precmd hook after loading awsmfa, with no compinit of its own: Tab
  // cannot complete awsmfa, and doctor says so with the fix.
  const home = await mkdtemp(join(tmpdir(), 'awsmfa-install-zsh-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  await writeFile(join(home, '.zshrc'), "PS1='zsh> '\n");
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SHELL: '/usr/bin/zsh', LANG: 'C.UTF-8', NO_COLOR: '1' };
  assert.equal((await runProgram(INSTALL, ['--shell', 'zsh'], { env, cwd: home })).code, 0);
  await writeFile(join(home, '.zshrc'), `${await readFile(join(home, '.zshrc'), 'utf8')}precmd_functions=()\n`);
  const doctor = await runProgram('zsh', ['-fc', `'${join(home, '.local', 'bin', 'awsmfa')}' doctor --offline; true`], { env, cwd: home });
  assert.match(doctor.stdout, /^WARN {2}zsh: Tab does not complete awsmfa in a new zsh: its completion system is not started — fix: add `autoload -Uz compinit && compinit` to ~\/\.zshrc, before the line that loads awsmfa$/m, doctor.stdout);
});

test('--uninstall says that live sessions remain in the cache, and offers awsmfa clear --all', async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  const env = { ...world.env, SHELL: '/bin/bash' };
  assert.equal((await runProgram(INSTALL, ['--shell', 'bash'], { env, cwd: world.home })).code, 0);
  const session = await awsmfa(['env', 'doug', '--token-code', world.code()], { env });
  assert.equal(session.code, 0, session.stderr);
  const cache = join(world.home, '.cache', 'awsmfa');

  // No terminal: it says so and gives the command.
  const removed = await runProgram(INSTALL, ['--uninstall'], { env, cwd: world.home });
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, new RegExp(`^awsmfa install: 1 session is still in awsmfa's cache \\(${cache}\\), valid until it expires$`, 'm'));
  assert.match(removed.stderr, /^awsmfa install: to forget them: awsmfa clear --all \(with the launcher gone: node '.*dist\/awsmfa\.js' clear --all\)$/m);
  const sessions = async () => (await readdir(cache)).filter((name) => name.startsWith('session-'));
  assert.equal((await sessions()).length, 1, 'nothing was removed unasked');

  // On a terminal it asks; yes forgets them.
  if (!(await tmuxAvailable())) return t.skip('tmux not installed');
  assert.equal((await runProgram(INSTALL, ['--shell', 'bash'], { env, cwd: world.home })).code, 0);
  const terminal = await TmuxSession.start(['sh', '-c', `'${INSTALL}' --uninstall; echo "status=$?"; sleep 60`], { env, cwd: world.home });
  t.after(() => terminal.close());
  await terminal.waitFor(/forget them now \(awsmfa clear --all\)\? \[y\/N\] $/m);
  await terminal.type('y', 'Enter');
  const screen = await terminal.waitFor(/status=\d/);
  assert.match(screen, /status=0/);
  assert.match(screen, /removed the MFA session of \[doug\]/);
  assert.deepEqual(await sessions(), [], screen);
});
