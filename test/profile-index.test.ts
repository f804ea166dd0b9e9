/**
 * The profile index the shells load instead of parsing the AWS config: in real bash, zsh, fish and
 * PowerShell, after a profile is added, renamed or removed (by an editor's rename of a new file over
 * the config, dated in the past, and by a write in place within the same second), the next shell has
 * exactly the new aliases and completes exactly the new names; a shell start with an unchanged config
 * starts no process (strace -f); a config that cannot be read leaves the shell working and silent; an
 * alias never hides a command on PATH or a function the user defined first.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { ShellName } from '../src/shell/dialect.js';
import { initFile } from './helpers/integration.js';
import { requireShell } from './helpers/shells.js';

const run = promisify(execFile);
const PWSH = join(homedir(), '.dotnet', 'tools', 'pwsh');
const MFA = 'arn:aws:iam::123456789012:mfa/doug';

interface Home {
  readonly dir: string;
  readonly config: string;
  readonly env: Record<string, string>;
}

async function makeHome(t: TestContext, config: string): Promise<Home> {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-index-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, '.aws'));
  await mkdir(join(dir, 'bin'));
  // A real aws-vault on PATH, which a profile named `vault` must not hide.
  await writeFile(join(dir, 'bin', 'aws-vault'), '#!/bin/sh\necho real-aws-vault\n', { mode: 0o755 });
  await writeFile(join(dir, '.aws', 'config'), config);
  const env = {
    HOME: dir,
    XDG_CACHE_HOME: join(dir, '.cache'),
    XDG_CONFIG_HOME: join(dir, '.config'),
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
  };
  return { dir, config: join(dir, '.aws', 'config'), env };
}

function profiles(names: readonly string[]): string {
  // Every name but `plain` has an MFA device or a role, so gets an alias.
  return names.map((name) => (name === 'plain' ? `[profile plain]\nregion = eu-west-1\n` : `[profile ${name}]\nmfa_serial = ${MFA}\n`)).join('\n');
}

async function requireEngine(t: TestContext, shell: ShellName): Promise<boolean> {
  if (shell !== 'pwsh') return requireShell(t, shell);
  if (existsSync(PWSH)) return true;
  t.skip(`PowerShell not installed at ${PWSH}`);
  return false;
}

/** What a shell started with the integration knows: its aliases among `candidates`, and what Tab offers after `awsmfa env `. */
const REPORT: Record<ShellName, (init: string, candidates: readonly string[]) => string> = {
  bash: (init, candidates) => `source '${init}'
for n in ${candidates.join(' ')}; do alias "$n" >/dev/null 2>&1 && echo "alias:$n"; done
COMP_WORDS=(awsmfa env ''); COMP_CWORD=2; COMP_LINE='awsmfa env '; COMP_POINT=11
__awsmfa_complete; printf 'tab:%s\\n' "\${COMPREPLY[@]}"
`,
  zsh: (init, candidates) => `source '${init}'
for n in ${candidates.join(' ')}; do (( \${+aliases[$n]} )) && echo "alias:$n"; done
__awsmfa_load_index aws-; printf 'tab:%s\\n' "\${__awsmfa_index_profiles[@]}"
`,
  fish: (init, candidates) => `source '${init}'
for n in ${candidates.join(' ')}; functions -q $n; and echo "alias:$n"; end
complete -C 'awsmfa env ' | string replace -r '\\t.*' '' | string replace -r '^' 'tab:'
`,
  pwsh: (init, candidates) => `. '${init}'
__awsmfa_load
foreach ($n in '${candidates.join("','")}') { if ($null -ne (__awsmfa_alias_profile $n)) { "alias:$n" } }
foreach ($m in (TabExpansion2 'awsmfa env ' 11).CompletionMatches) { 'tab:' + $m.CompletionText }
`,
};

const EXTENSION: Record<ShellName, string> = { bash: 'bash', zsh: 'zsh', fish: 'fish', pwsh: 'ps1' };

function shellCommand(shell: ShellName, script: string): [string, string[]] {
  switch (shell) {
    case 'bash':
      return ['bash', ['--norc', '--noprofile', script]];
    case 'zsh':
      return ['zsh', ['-f', script]];
    case 'fish':
      return ['fish', ['--no-config', script]];
    case 'pwsh':
      return [PWSH, ['-NoProfile', '-NonInteractive', '-File', script]];
  }
}

async function startShell(shell: ShellName, home: Home, body: string, name = 'report'): Promise<{ stdout: string; stderr: string }> {
  const script = join(home.dir, `${name}.${EXTENSION[shell]}`);
  await writeFile(script, body);
  const [command, args] = shellCommand(shell, script);
  // The status of the script's last command says nothing here; what it printed does.
  const result = await run(command, args, { env: home.env, cwd: home.dir, timeout: 120_000 }).catch((error: { stdout?: string; stderr?: string; killed?: boolean }) => {
    if (error.killed || error.stdout === undefined) throw error;
    return { stdout: error.stdout, stderr: error.stderr ?? '' };
  });
  return { stdout: result.stdout, stderr: result.stderr };
}

async function knows(shell: ShellName, home: Home, init: string, candidates: readonly string[]) {
  const { stdout, stderr } = await startShell(shell, home, REPORT[shell](init, candidates));
  // An empty list prints one empty `tab:` line in bash and zsh; no profile is named ''.
  const take = (kind: string) => stdout.split('\n').filter((l) => l.startsWith(`${kind}:`)).map((l) => l.slice(kind.length + 1)).filter((v) => v !== '').sort();
  return { aliases: take('alias'), tab: take('tab'), stderr };
}

const SHELLS: readonly ShellName[] = ['bash', 'zsh', 'fish', 'pwsh'];
const CANDIDATES = ['aws-doug', 'aws-old', 'aws-new', 'aws-plain', 'aws-added', 'aws-later'];

for (const shell of SHELLS) {
  test(`${shell}: after profiles are added, renamed and removed, the next shell has exactly the new aliases and Tab offers exactly the new names`, async (t) => {
    if (!(await requireEngine(t, shell))) return;
    const home = await makeHome(t, profiles(['doug', 'old', 'plain']));
    const init = await initFile(shell, home.env, home.dir);

    const first = await knows(shell, home, init, CANDIDATES);
    assert.equal(first.stderr, '');
    assert.deepEqual(first.aliases, ['aws-doug', 'aws-old']);
    assert.deepEqual(first.tab, ['doug', 'old', 'plain']);

    // An editor's save: a new file renamed over the config, dated an hour ago (older than the index),
    // right after the index was made. `old` becomes `new`, `plain` goes, `added` comes.
    const replacement = join(home.dir, '.aws', 'config.tmp');
    await writeFile(replacement, profiles(['doug', 'new', 'added']));
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(replacement, anHourAgo, anHourAgo);
    await rename(replacement, home.config);
    const second = await knows(shell, home, init, CANDIDATES);
    assert.equal(second.stderr, '');
    assert.deepEqual(second.aliases, ['aws-added', 'aws-doug', 'aws-new']);
    assert.deepEqual(second.tab, ['added', 'doug', 'new']);

    // Written in place straight after, within the same second as the index that shell made.
    await writeFile(home.config, profiles(['doug', 'later']));
    const third = await knows(shell, home, init, CANDIDATES);
    assert.equal(third.stderr, '');
    assert.deepEqual(third.aliases, ['aws-doug', 'aws-later']);
    assert.deepEqual(third.tab, ['doug', 'later']);
  });

  test(`${shell}: a config that cannot be read leaves the shell working, with no message`, async (t) => {
    if (!(await requireEngine(t, shell))) return;
    const home = await makeHome(t, profiles(['doug']));
    // A directory where the config should be: awsmfa cannot read it, whoever runs the test.
    await rm(home.config);
    await mkdir(home.config);
    const init = await initFile(shell, home.env, home.dir);
    const report = await knows(shell, home, init, CANDIDATES);
    assert.equal(report.stderr, '');
    assert.deepEqual(report.aliases, []);
    // PowerShell offers file names when a completer has nothing; no profile name in any shell.
    if (shell === 'pwsh') assert.ok(!report.tab.includes('doug'), report.tab.join(' '));
    else assert.deepEqual(report.tab, []);
    // The wrapper still runs the program.
    const version = {
      bash: `source '${init}'; awsmfa --version >/dev/null; echo "status:$?"`,
      zsh: `source '${init}'; awsmfa --version >/dev/null; echo "status:$?"`,
      fish: `source '${init}'; awsmfa --version >/dev/null; echo "status:$status"`,
      pwsh: `. '${init}'; $null = awsmfa --version; "status:$LASTEXITCODE"`,
    }[shell];
    const ran = await startShell(shell, home, version, 'version');
    assert.match(ran.stdout, /status:0/);
    assert.equal(ran.stderr, '');
  });

  test(`${shell}: no alias hides a command on PATH or a function defined before the integration`, async (t) => {
    if (!(await requireEngine(t, shell))) return;
    const home = await makeHome(t, profiles(['doug', 'vault', 'mine']));
    const init = await initFile(shell, home.env, home.dir);
    const script = {
      // Aliases expand in a script only with expand_aliases, as in an interactive shell.
      bash: `shopt -s expand_aliases\naws-mine() { echo own-function; }\nsource '${init}'\naws-vault\naws-mine\nalias aws-doug >/dev/null && echo alias\n`,
      zsh: `aws-mine() { echo own-function; }\nsource '${init}'\neval aws-vault\neval aws-mine\nwhence -w aws-doug\n`,
      fish: `function aws-mine; echo own-function; end\nsource '${init}'\naws-vault\naws-mine\ntype -t aws-doug\n`,
      pwsh: `function global:aws-mine { 'own-function' }\n. '${init}'\naws-vault\naws-mine\n__awsmfa_load\nif ($null -ne (__awsmfa_alias_profile aws-doug)) { 'alias' }\n`,
    }[shell];
    const ran = await startShell(shell, home, script, 'shadow');
    assert.equal(ran.stderr, '');
    const out = ran.stdout.split('\n');
    assert.ok(out.includes('real-aws-vault'), ran.stdout);
    assert.ok(out.includes('own-function'), ran.stdout);
    // aws-doug is still an alias (bash `alias`, zsh `aws-doug: alias`, fish `function`).
    assert.match(ran.stdout, /^(alias|aws-doug: alias|function)$/m);
  });
}

async function straceAvailable(): Promise<boolean> {
  return run('strace', ['-V']).then(
    () => true,
    () => false,
  );
}

/** Processes a program started, from `strace -f`: forks and clones that are not threads, and execs after its own. */
function processesStarted(trace: string): string[] {
  const lines = trace.split('\n');
  const execs = lines.filter((l) => /\bexecve\(/.test(l) && !/= -1 /.test(l));
  const forks = lines.filter((l) => /\b(fork|vfork|clone|clone3)\(/.test(l) && !/CLONE_THREAD/.test(l) && !/= -1 /.test(l));
  return [...execs.slice(1), ...forks];
}

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: a shell start with an unchanged config starts no process (strace -f)`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    if (!(await straceAvailable())) {
      t.skip('strace not installed');
      return;
    }
    const home = await makeHome(t, profiles(['doug', 'plain', 'vault']));
    const init = await initFile(shell, home.env, home.dir);
    // The index is dated a second before the config was read, so a config written less than a second
    // before that makes it look stale once; this start settles it.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await startShell(shell, home, `source '${init}'\n`, 'settle');
    const script = join(home.dir, `start.${EXTENSION[shell]}`);
    await writeFile(script, `source '${init}'\n`);
    const traceFile = join(home.dir, 'trace');
    const [command, args] = shellCommand(shell, script);
    // Interactive, as a terminal's shell is: bash and zsh -i read the same code, fish -i too.
    const interactive = [...args.slice(0, -1), '-i', ...args.slice(-1)];
    await run('strace', ['-f', '-qq', '-e', 'trace=execve,fork,vfork,clone,clone3', '-o', traceFile, command, ...interactive], {
      env: home.env,
      cwd: home.dir,
      timeout: 60_000,
    });
    const started = processesStarted(await readFile(traceFile, 'utf8'));
    assert.deepEqual(started, [], started.join('\n'));
  });
}

test('bash: defining the aliases leaves globbing and IFS as the user had them', async (t) => {
  if (!(await requireShell(t, 'bash'))) return;
  const home = await makeHome(t, profiles(['doug', 'we*rd', 'old']));
  const init = await initFile('bash', home.env, home.dir);
  await writeFile(join(home.dir, 'we-match'), '');
  const script = `source '${init}'
echo "on:$-"
set -f; IFS=:
source '${init}'
echo "off:$-"; printf 'ifs:%q\\n' "$IFS"
alias aws-doug >/dev/null && echo alias
`;
  const ran = await startShell('bash', home, script, 'glob');
  assert.equal(ran.stderr, '');
  assert.doesNotMatch(ran.stdout, /^on:.*f/m);
  assert.match(ran.stdout, /^off:.*f/m);
  assert.match(ran.stdout, /^ifs::$/m);
  assert.match(ran.stdout, /^alias$/m);
});

test('zsh: the aliases are compiled once with zcompile, and later starts load that compiled code', async (t) => {
  if (!(await requireShell(t, 'zsh'))) return;
  const { stat } = await import('node:fs/promises');
  const home = await makeHome(t, profiles(['doug', 'old', 'plain']));
  const init = await initFile('zsh', home.env, home.dir);
  const compiled = join(home.dir, '.cache', 'awsmfa', 'shell', 'aliases-aws-.zsh.zwc');
  // A config written in the same second as the index is made again at the next start (a change in
  // that second could not be told apart): dated a minute back, the first start's index stands.
  const { readdir, utimes } = await import('node:fs/promises');
  const aMinuteAgo = new Date(Date.now() - 60_000);
  const awsDir = join(home.dir, '.aws');
  for (const name of await readdir(awsDir)) await utimes(join(awsDir, name), aMinuteAgo, aMinuteAgo);
  await utimes(awsDir, aMinuteAgo, aMinuteAgo);
  const first = await knows('zsh', home, init, CANDIDATES);
  assert.deepEqual(first.aliases, ['aws-doug', 'aws-old']);
  const made = await stat(compiled);
  assert.equal((await stat(join(home.dir, '.cache', 'awsmfa', 'shell', 'aliases-aws-.zsh'))).mode & 0o777, 0o600);
  // A later start, in another second, neither compiles again nor loses an alias.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const second = await knows('zsh', home, init, CANDIDATES);
  assert.deepEqual(second.aliases, ['aws-doug', 'aws-old']);
  const kept = await stat(compiled);
  assert.deepEqual([kept.ino, kept.mtimeMs], [made.ino, made.mtimeMs]);
  // A compiled file older than its text (the index made again with the same aliases) would make zsh
  // parse the text at every start: the next start compiles it again.
  const anHourAgo = new Date(Date.now() - 3600_000);
  await utimes(compiled, anHourAgo, anHourAgo);
  const third = await knows('zsh', home, init, CANDIDATES);
  assert.deepEqual(third.aliases, ['aws-doug', 'aws-old']);
  assert.ok((await stat(compiled)).mtimeMs > Date.now() - 60_000, 'compiled again');
});

test('zsh: an integration file sourced at start is compiled once, later starts load the copy, and a copy of another text never runs', async (t) => {
  if (!(await requireShell(t, 'zsh'))) return;
  const { stat } = await import('node:fs/promises');
  const home = await makeHome(t, profiles(['doug']));
  const init = await initFile('zsh', home.env, home.dir);
  const other = await initFile('zsh', home.env, home.dir, ['--cmd', 'mfa']);
  const text = await readFile(init, 'utf8');
  const zdotdir = join(home.dir, 'zdot');
  await mkdir(zdotdir);
  await writeFile(join(zdotdir, '.zshrc'), `source '${init}'\n`);
  const start = async (): Promise<string> => (await run('zsh', ['-i', '-c', 'whence -w awsmfa mfa aws-doug; true'], { env: { ...home.env, ZDOTDIR: zdotdir } })).stdout;
  const anHourAgo = new Date(Date.now() - 3600_000);
  await utimes(init, anHourAgo, anHourAgo);

  assert.match(await start(), /^awsmfa: function\nmfa: none\naws-doug: alias\n$/);
  const made = await stat(`${init}.zwc`);
  // What runs now is the copy: the text cut down to its first line (the digest), dated as before, still
  // defines everything.
  await writeFile(init, `${text.split('\n')[0]}\n`);
  await utimes(init, anHourAgo, anHourAgo);
  assert.match(await start(), /^awsmfa: function\nmfa: none\naws-doug: alias\n$/);
  assert.equal((await stat(`${init}.zwc`)).mtimeMs, made.mtimeMs, 'not compiled again');
  // Another text (another wrapper name) written in the copy's own second, which zsh still loads the
  // copy for: the copy sees the first line changed and the new text runs instead, and is compiled next.
  await writeFile(init, await readFile(other, 'utf8'));
  await utimes(init, made.mtime, made.mtime);
  assert.match(await start(), /^awsmfa: none\nmfa: function\naws-doug: alias\n$/);
  assert.equal(existsSync(`${init}.zwc`), false, 'the stale copy is removed');
  assert.match(await start(), /^awsmfa: none\nmfa: function\naws-doug: alias\n$/);
  assert.ok(existsSync(`${init}.zwc`), 'compiled again');
  assert.match(await start(), /^awsmfa: none\nmfa: function\naws-doug: alias\n$/);
});

test('zsh: init\'s output appended to a file of the user\'s own is never compiled, nor is a compiled copy the user made of it touched', async (t) => {
  if (!(await requireShell(t, 'zsh'))) return;
  const { stat } = await import('node:fs/promises');
  const home = await makeHome(t, profiles(['doug']));
  const init = await initFile('zsh', home.env, home.dir);
  const zdotdir = join(home.dir, 'zdot');
  await mkdir(zdotdir);
  const zshrc = join(zdotdir, '.zshrc');
  await writeFile(zshrc, `typeset -g mine=1\n${await readFile(init, 'utf8')}print -r -- "mine=$mine"\n`);
  const start = async (): Promise<string> => (await run('zsh', ['-i', '-c', 'whence -w awsmfa aws-doug; true'], { env: { ...home.env, ZDOTDIR: zdotdir } })).stdout;
  const anHourAgo = new Date(Date.now() - 3600_000);
  await utimes(zshrc, anHourAgo, anHourAgo);
  assert.equal(await start(), 'mine=1\nawsmfa: function\naws-doug: alias\n');
  assert.equal(existsSync(`${zshrc}.zwc`), false, 'the user\'s file is not compiled');
  // The user compiles it: the copy runs as it is, once, and stays.
  await run('zsh', ['-f', '-c', `zcompile ${zshrc}`], { env: home.env });
  const compiled = (await stat(`${zshrc}.zwc`)).mtimeMs;
  assert.equal(await start(), 'mine=1\nawsmfa: function\naws-doug: alias\n');
  assert.equal((await stat(`${zshrc}.zwc`)).mtimeMs, compiled, 'the user\'s copy is left alone');
});

test('the index file is private to the user and dated before the config was read', async (t) => {
  const home = await makeHome(t, profiles(['doug']));
  await initFile('bash', home.env, home.dir);
  const { stat } = await import('node:fs/promises');
  const index = join(home.dir, '.cache', 'awsmfa', 'shell', 'index-aws-.bash');
  const info = await stat(index);
  assert.equal(info.mode & 0o777, 0o600);
  assert.equal((await stat(join(home.dir, '.cache', 'awsmfa', 'shell'))).mode & 0o777, 0o700);
  assert.ok(info.mtimeMs < Date.now() - 1000 + 50, `index dated ${new Date(info.mtimeMs).toISOString()}`);
  // Nothing of the credentials file reaches the index: only names.
  await writeFile(join(home.dir, '.aws', 'credentials'), '[doug]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
  await chmod(join(home.dir, '.aws', 'credentials'), 0o600);
  await initFile('bash', home.env, home.dir);
  const text = await readFile(index, 'utf8');
  assert.doesNotMatch(text, /AKIA|wJalr/);
});

test('pwsh: an index in the layout before its version 2 is made again, not read as the new one', async (t) => {
  if (!(await requireEngine(t, 'pwsh'))) return;
  // No alias prefix and a profile named `1`: in the old layout the first alias, `1`, sits where the
  // new one has the number of names Tab offers, and the lines after it would pass for those names.
  const home = await makeHome(t, profiles(['1', 'doug', 'x']));
  const init = await initFile('pwsh', home.env, home.dir, ['--alias-prefix', '']);
  const index = join(home.dir, '.cache', 'awsmfa', 'shell', 'index-.pwsh');
  const lines = (await readFile(index, 'utf8')).split('\n');
  assert.equal(lines[0], 'awsmfa-index 2');
  // Version 1: the header, the profiles, then each alias's name and profile; dated as awsmfa dates it.
  const count = Number(lines[11]);
  const old = ['awsmfa-index 1', ...lines.slice(1, 12 + count), ...lines.slice(12 + count).slice(-7, -1)];
  assert.deepEqual(old.slice(-6), ['1', '1', 'doug', 'doug', 'x', 'x']);
  await writeFile(index, `${old.join('\n')}\n`);
  const past = new Date(Date.now() - 1000);
  await utimes(index, past, past);
  await utimes(home.config, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  const { stdout, stderr } = await startShell(
    'pwsh',
    home,
    `. '${init}'\nforeach ($m in (TabExpansion2 'awsmfa env ' 11).CompletionMatches) { 'tab:' + $m.CompletionText }\n'alias:' + (__awsmfa_alias_profile 'doug')\n`,
  );
  assert.equal(stderr, '');
  assert.deepEqual(stdout.split('\n').filter((l) => l.startsWith('tab:')), ['tab:1', 'tab:doug', 'tab:x']);
  assert.ok(stdout.split('\n').includes('alias:doug'), stdout);
  assert.equal((await readFile(index, 'utf8')).split('\n')[0], 'awsmfa-index 2');
});

test('fish: a prompt with a session starts no process, and counts down from the right time', async (t) => {
  if (!(await requireShell(t, 'fish'))) return;
  if (!(await straceAvailable())) {
    t.skip('strace not installed');
    return;
  }
  const home = await makeHome(t, profiles(['doug']));
  const init = await initFile('fish', home.env, home.dir, ['--no-aliases']);
  const script = join(home.dir, 'prompt.fish');
  await writeFile(script, `source '${init}'\n__awsmfa_prompt_segment\n`);
  const traceFile = join(home.dir, 'trace');
  // 41 minutes and a half left: the prompt can only say 41m if it knows the time.
  const expires = Math.floor(Date.now() / 1000) + 41 * 60 + 30;
  const { stdout } = await run('strace', ['-f', '-qq', '-e', 'trace=execve,fork,vfork,clone,clone3', '-o', traceFile, 'fish', '--no-config', script], {
    env: { ...home.env, AWSMFA_PROFILE: 'doug', AWSMFA_EXPIRES_AT: String(expires) },
    cwd: home.dir,
    timeout: 60_000,
  });
  assert.equal(stdout, '[doug 41m] ');
  const started = processesStarted(await readFile(traceFile, 'utf8'));
  assert.deepEqual(started, [], started.join('\n'));
});
