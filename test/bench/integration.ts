/**
 * The shell integration against the size of the AWS config: a new interactive shell with the
 * integration against the same shell without it, at 10, 1,000 and 5,000 profiles and with a 10 MB
 * config; the processes such a start runs (none when the config is unchanged, one awsmfa run after a
 * change); Tab on profile names with 5,000 profiles; the processes a prompt with a session runs; and,
 * without targets, what the shells themselves take for the same work (their own aliases, fish's own
 * Tab, PowerShell's start with the integration's hooks left empty).
 * Every figure is against a floor measured in the same run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { awsmfa } from '../helpers/fixture.js';
import { timePair, type Command, type Sample } from './measure.js';
import type { Row } from './run.js';

const run = promisify(execFile);
const PWSH = join(homedir(), '.dotnet', 'tools', 'pwsh');

type Shell = 'bash' | 'zsh' | 'fish' | 'pwsh';

/** The rows of the integration's cases: the benchmark table's own. */
export type IntegrationRow = Row;

export interface IntegrationOptions {
  readonly runs: number;
  readonly warmup: number;
  readonly quick: boolean;
  readonly fmt: (s: Sample) => string;
}

/** The budget over the bare shell, per the targets. */
const BUDGET_MS: Record<Shell, number> = { bash: 5, zsh: 5, fish: 10, pwsh: 50 };
const EXTENSION: Record<Shell, string> = { bash: 'bash', zsh: 'zsh', fish: 'fish', pwsh: 'ps1' };

function config(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `[profile acct${i}-admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/base\n\n`;
  return `[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/base\n\n${text}`;
}

/** About 10 MB: 200 profiles and, in one of them, comment lines of 1 MB each. */
function hugeConfig(): string {
  const line = `# ${'x'.repeat(1024 * 1024)}\n`;
  return `${config(200)}[profile padded]\nregion = eu-west-1\n${line.repeat(10)}`;
}

async function available(shell: Shell): Promise<boolean> {
  if (shell === 'pwsh') return existsSync(PWSH);
  return run(shell, ['--version']).then(
    () => true,
    () => false,
  );
}

interface Home {
  readonly dir: string;
  readonly env: Record<string, string>;
}

async function makeHome(configText: string): Promise<Home> {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-bench-int-'));
  await mkdir(join(dir, '.aws'));
  await writeFile(join(dir, '.aws', 'config'), configText);
  const env = { HOME: dir, XDG_CACHE_HOME: join(dir, '.cache'), XDG_CONFIG_HOME: join(dir, '.config'), PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
  // The config is older than the index the first `init` makes, as a config in use is.
  const old = new Date(Date.now() - 3600_000);
  await utimes(join(dir, '.aws', 'config'), old, old);
  await utimes(join(dir, '.aws'), old, old);
  return { dir, env };
}

/** The integration written to a file, as install.sh does; running `init` also makes the index. */
async function integrationFile(shell: Shell, home: Home): Promise<string> {
  const init = await awsmfa(['init', shell], { env: home.env });
  if (init.code !== 0) throw new Error(init.stderr);
  const file = join(home.dir, `init.${EXTENSION[shell]}`);
  await writeFile(file, init.stdout);
  return file;
}

/** An interactive start of `shell` running `rc` (empty for the bare shell), then exiting. */
async function startCommand(shell: Shell, home: Home, name: string, rc: string): Promise<Command> {
  const dir = join(home.dir, `rc-${name}`);
  await mkdir(dir, { recursive: true });
  switch (shell) {
    case 'bash':
      await writeFile(join(dir, '.bashrc'), rc);
      return { argv: ['bash', '--rcfile', join(dir, '.bashrc'), '-i', '-c', 'exit'], env: home.env };
    case 'zsh':
      await writeFile(join(dir, '.zshrc'), rc);
      return { argv: ['zsh', '-i', '-c', 'exit'], env: { ...home.env, ZDOTDIR: dir } };
    case 'fish':
      await mkdir(join(dir, 'fish'), { recursive: true });
      await writeFile(join(dir, 'fish', 'config.fish'), rc);
      return { argv: ['fish', '-i', '-c', 'exit'], env: { ...home.env, XDG_CONFIG_HOME: dir } };
    case 'pwsh':
      // Up to the first prompt drawn, as an interactive start goes before anything can be typed:
      // PowerShell compiles a prompt function at its first call (the bare shell's own prompt too), and
      // that costs milliseconds, where the other shells' first prompt costs microseconds.
      // PowerShell keeps a profile of what its start compiled in $XDG_CACHE_HOME/powershell and has
      // it compiled ahead at the next start: each command keeps its own, as a user's shell does, so that
      // the runs taken in turns do not each start from the other's (awsmfa's own cache is shared).
      await writeFile(join(dir, 'profile.ps1'), rc);
      await mkdir(join(dir, 'cache'), { recursive: true });
      await symlink(join(home.dir, '.cache', 'awsmfa'), join(dir, 'cache', 'awsmfa')).catch(() => undefined);
      return { argv: [PWSH, '-NoLogo', '-NoProfile', '-Command', `. '${join(dir, 'profile.ps1')}'; $null = prompt; exit 0`], env: { ...home.env, XDG_CACHE_HOME: join(dir, 'cache') } };
  }
}

function sourceLine(shell: Shell, file: string): string {
  return shell === 'pwsh' ? `. '${file}'\n` : `source '${file}'\n`;
}

/** Processes started by a command (strace -f): forks and clones that are not threads, and execs after its own. */
async function processesStarted(command: Command, traceFile: string): Promise<string[]> {
  await run('strace', ['-f', '-qq', '-e', 'trace=execve,fork,vfork,clone,clone3', '-o', traceFile, ...command.argv], { env: command.env, timeout: 120_000 }).catch(() => undefined);
  const lines = (await readFile(traceFile, 'utf8')).split('\n');
  const execs = lines.filter((l) => /\bexecve\(/.test(l) && !/= -1 /.test(l));
  const forks = lines.filter((l) => /\b(fork|vfork|clone|clone3)\(/.test(l) && !/CLONE_THREAD/.test(l) && !/= -1 /.test(l));
  return [...execs.slice(1), ...forks];
}

export async function integrationBenchmarks(options: IntegrationOptions): Promise<IntegrationRow[]> {
  const rows: IntegrationRow[] = [];
  const sizes: { label: string; text: () => string }[] = [
    { label: '10 profiles', text: () => config(10) },
    { label: '1,000 profiles', text: () => config(1000) },
    { label: '5,000 profiles', text: () => config(5000) },
    { label: 'a 10 MB config', text: hugeConfig },
  ];
  const strace = await run('strace', ['-V']).then(
    () => true,
    () => false,
  );
  // BENCH_SHELLS=bash,zsh measures only those shells (the whole table is every shell).
  const wanted = process.env.BENCH_SHELLS?.split(',');
  for (const shell of ['bash', 'zsh', 'fish', 'pwsh'] as const) {
    if (wanted !== undefined && !wanted.includes(shell)) continue;
    if (!(await available(shell))) {
      rows.push({ case: `new interactive ${shell}, integration loaded`, floor: '—', value: '—', floorValue: '—', measured: NaN, target: `+ ≤ ${BUDGET_MS[shell]} ms`, met: null, note: `${shell} not installed` });
      continue;
    }
    // As many runs of PowerShell as of the others, though it takes a second to start: the difference
    // of two of its starts varies by tens of milliseconds from one pair to the next (its own start-up
    // work runs on threads of its own, on the same cores), and a third of the runs left the medians
    // that far apart between runs of the bench.
    const runs = options.runs;
    for (const size of sizes) {
      const home = await makeHome(size.text());
      try {
        const file = await integrationFile(shell, home);
        const loaded = await startCommand(shell, home, 'loaded', sourceLine(shell, file));
        const bare = await startCommand(shell, home, 'bare', '');
        const [value, base] = await timePair(() => loaded, () => bare, runs, options.warmup);
        const measured = value.medianMs - base.medianMs;
        rows.push({ case: `new interactive ${shell}, integration loaded, ${size.label}`, floor: `the same ${shell} without it`, value: options.fmt(value), floorValue: options.fmt(base), measured, target: `+ ≤ ${BUDGET_MS[shell]} ms`, met: measured <= BUDGET_MS[shell] });
        console.error(`${shell} start, ${size.label}: +${measured.toFixed(1)} ms`);

        if (size.label === '5,000 profiles') {
          if (strace) {
            // Against the bare shell: PowerShell's own start runs a process or two of its own.
            const unchanged = await processesStarted(loaded, join(home.dir, 'trace-unchanged'));
            const own = await processesStarted(bare, join(home.dir, 'trace-bare'));
            const extra = unchanged.length - own.length;
            rows.push({ case: `processes a new ${shell} starts with the integration, config unchanged (strace -f)`, floor: `the same ${shell} without it`, value: String(unchanged.length), floorValue: String(own.length), measured: extra, target: '0 processes', met: extra <= 0 });
            // A change to the config: the next start runs awsmfa once to make the index again.
            await writeFile(join(home.dir, '.aws', 'config'), `${size.text()}[profile added]\nmfa_serial = arn:aws:iam::123456789012:mfa/base\n`);
            const changed = await processesStarted(loaded, join(home.dir, 'trace-changed'));
            const runsOfAwsmfa = changed.filter((line) => /execve\(.*awsmfa\.js/.test(line)).length;
            rows.push({ case: `awsmfa runs in the first ${shell} after the config changed (strace -f)`, floor: '—', value: String(runsOfAwsmfa), floorValue: '—', measured: runsOfAwsmfa, target: '≤ 1 process', met: runsOfAwsmfa <= 1 });
            console.error(`${shell}: ${extra} processes unchanged, ${runsOfAwsmfa} awsmfa runs after a change`);
          }
          await tabRow(shell, home, file, options, runs, rows);
          if (shell === 'bash' || shell === 'zsh') await aliasFloorRow(shell, home, options, runs, rows);
          if (shell === 'pwsh') await hooksFloorRow(home, options, runs, rows);
        }
      } finally {
        await rm(home.dir, { recursive: true, force: true });
      }
    }
    if (strace) await promptProcesses(shell, options, rows);
  }
  return rows;
}

/** Tab on profile names with 5,000 profiles: the shell asked for them, against the same shell not asked. */
async function tabRow(shell: Shell, home: Home, file: string, options: IntegrationOptions, runs: number, rows: IntegrationRow[]): Promise<void> {
  const script = async (name: string, body: string): Promise<Command> => {
    const path = join(home.dir, `${name}.${EXTENSION[shell]}`);
    await writeFile(path, body);
    switch (shell) {
      case 'bash':
        return { argv: ['bash', '--norc', path], env: home.env };
      case 'zsh':
        return { argv: ['zsh', '-f', path], env: home.env };
      case 'fish':
        return { argv: ['fish', '--no-config', path], env: home.env };
      case 'pwsh':
        return { argv: [PWSH, '-NoProfile', '-File', path], env: home.env };
    }
  };
  const ask: Record<Shell, string> = {
    bash: `COMP_WORDS=(awsmfa use ''); COMP_CWORD=2; COMP_LINE='awsmfa use '; COMP_POINT=11; __awsmfa_complete; ((\${#COMPREPLY[@]} > 5000))\n`,
    zsh: `__awsmfa_load_index aws-; (( \${#\${(M)__awsmfa_index_profiles:#acct*}} >= 5000 ))\n`,
    // Counted as lines: `count (…)` would make 5,000 arguments of them, which costs fish more than
    // the completion it measures.
    fish: `test (complete -C 'awsmfa use ' | count) -gt 5000\n`,
    pwsh: '',
  };
  if (shell === 'pwsh') {
    // PowerShell's own clock around TabExpansion2, in one session: its start is too slow to subtract.
    const body = `. '${file}'\n$null = TabExpansion2 'awsmfa use ' 11\n$times = foreach ($i in 1..${options.quick ? 2 : 10}) { $w = [Diagnostics.Stopwatch]::StartNew(); $r = TabExpansion2 'awsmfa use ' 11; $w.Stop(); if ($r.CompletionMatches.Count -lt 5000) { throw 'too few' }; $w.Elapsed.TotalMilliseconds }\n($times | Sort-Object)[[int][Math]::Floor($times.Count / 2)]\n`;
    const command = await script('tab-pwsh', body);
    const { stdout } = await run(command.argv[0]!, command.argv.slice(1), { env: command.env, timeout: 300_000 });
    const ms = Number(stdout.trim().split('\n').pop());
    rows.push({ case: 'Tab on profile names, 5,000 profiles, pwsh (TabExpansion2, median in one session)', floor: '—', value: `${ms.toFixed(1)} ms`, floorValue: '—', measured: ms, target: '≤ 20 ms', met: ms <= 20 });
    console.error(`pwsh Tab: ${ms.toFixed(1)} ms`);
    return;
  }
  if (shell === 'fish') {
    // fish's own Tab on as many candidates, without awsmfa: one `complete` offering the names of a
    // variable, which the Tab reads from a file by fish's cheapest builtin for it, as a completion that
    // does not hold the names from the shell's start has to (the index's own `read`).
    const list = join(home.dir, 'floor-names.txt');
    await writeFile(list, `${FLOOR_NAMES.join('\n')}\n`);
    const setup = `complete -c floortab -f -a '$__floor'\n`;
    const floorAsked = await script('floor-tab-fish', `${setup}read -g -z -d \\n -a __floor < '${list}'\ntest (complete -C 'floortab ' | count) -gt 4999\n`);
    const floorNotAsked = await script('floor-notab-fish', setup);
    const [value, base] = await timePair(() => floorAsked, () => floorNotAsked, runs, options.warmup);
    const measured = value.medianMs - base.medianMs;
    rows.push({ case: "fish's own Tab on 5,000 candidates of one `complete`, read from a file at the Tab, no awsmfa (the shell's floor)", floor: 'the same script, no Tab', value: options.fmt(value), floorValue: options.fmt(base), measured, target: '—', met: null, note: 'no target: what the shell itself takes', unit: ' ms' });
    console.error(`fish Tab floor, 5,000: +${measured.toFixed(1)} ms`);
  }
  const asked = await script(`tab-${shell}`, `${sourceLine(shell, file)}${ask[shell]}`);
  const notAsked = await script(`notab-${shell}`, sourceLine(shell, file));
  const [value, base] = await timePair(() => asked, () => notAsked, runs, options.warmup);
  const measured = value.medianMs - base.medianMs;
  rows.push({ case: `Tab on profile names, 5,000 profiles, ${shell}`, floor: 'the same shell, integration loaded, no Tab', value: options.fmt(value), floorValue: options.fmt(base), measured, target: '+ ≤ 20 ms', met: measured <= 20 });
  console.error(`${shell} Tab: +${measured.toFixed(1)} ms`);
}

/** The 5,000 profile names of config(5000), as `alias` and Tab see them. */
const FLOOR_NAMES = Array.from({ length: 5000 }, (_, i) => `acct${i}-admin`);

/**
 * What defining the same 5,000 aliases costs the shell itself, without awsmfa, each in the cheapest way
 * it has: bash one `mapfile` and one `alias` (as the integration does), zsh one `alias` from a compiled
 * file. No target: it is the floor under the integration's row at 5,000 profiles, measured in the same run.
 */
async function aliasFloorRow(shell: 'bash' | 'zsh', home: Home, options: IntegrationOptions, runs: number, rows: IntegrationRow[]): Promise<void> {
  const definitions = FLOOR_NAMES.map((name) => `aws-${name}=__awsmfa_use ${name}`);
  let rc: string;
  if (shell === 'bash') {
    const list = join(home.dir, 'floor-aliases.txt');
    await writeFile(list, `${definitions.join('\n')}\n`);
    rc = `mapfile -t __floor <'${list}'\nIFS=$'\\n'; set -f\nalias -- \${__floor[@]}\nset +f; unset IFS __floor\n`;
  } else {
    const file = join(home.dir, 'floor-aliases.zsh');
    await writeFile(file, `alias -- \\\n${definitions.map((definition) => `    '${definition}'`).join(' \\\n')}\n`);
    await run('zsh', ['-fc', `zcompile '${file}'`]);
    rc = `source '${file}'\n`;
  }
  const defined = await startCommand(shell, home, 'floor', rc);
  const bare = await startCommand(shell, home, 'bare', '');
  const [value, base] = await timePair(() => defined, () => bare, runs, options.warmup);
  const measured = value.medianMs - base.medianMs;
  rows.push({ case: `${shell}'s own \`alias\` defining the same 5,000 aliases, no awsmfa (the shell's floor)`, floor: `the same ${shell} without it`, value: options.fmt(value), floorValue: options.fmt(base), measured, target: '—', met: null, note: 'no target: what the shell itself takes', unit: ' ms' });
  console.error(`${shell} alias floor, 5,000: +${measured.toFixed(1)} ms`);
}

/**
 * What PowerShell itself takes to start with the hooks the integration needs, each with an empty body
 * and no awsmfa: a command that is an advanced function (so that `&&` and `||` see it fail), TabExpansion2
 * and the prompt wrapped (the wrapped one called), and a CommandNotFoundAction (the aliases). No target:
 * it is the floor under the integration's start rows, measured in the same run, first prompt included.
 */
async function hooksFloorRow(home: Home, options: IntegrationOptions, runs: number, rows: IntegrationRow[]): Promise<void> {
  const rc = [
    'function global:awsmfa { [CmdletBinding(PositionalBinding = $false)] param([Parameter(ValueFromRemainingArguments = $true)] [object[]] $Arguments) }',
    '${function:global:__floor_tab} = ${function:TabExpansion2}',
    'function global:TabExpansion2 { __floor_tab @args }',
    '${function:global:__floor_prompt} = ${function:prompt}',
    'function global:prompt { __floor_prompt }',
    '$ExecutionContext.InvokeCommand.CommandNotFoundAction = { param($name, $lookup) }',
    '',
  ].join('\n');
  const hooked = await startCommand('pwsh', home, 'hooks', rc);
  const bare = await startCommand('pwsh', home, 'bare', '');
  const [value, base] = await timePair(() => hooked, () => bare, runs, options.warmup);
  const measured = value.medianMs - base.medianMs;
  rows.push({ case: "PowerShell's own start with the integration's four hooks, empty, no awsmfa (the shell's floor)", floor: 'the same pwsh without them', value: options.fmt(value), floorValue: options.fmt(base), measured, target: '—', met: null, note: 'no target: what the shell itself takes', unit: ' ms' });
  console.error(`pwsh hooks floor: +${measured.toFixed(1)} ms`);
}

/** Processes started by 100 prompts with a session, against none. */
async function promptProcesses(shell: Shell, options: IntegrationOptions, rows: IntegrationRow[]): Promise<void> {
  const home = await makeHome(config(10));
  try {
    const file = await integrationFile(shell, home);
    const expires = Math.floor(Date.now() / 1000) + 2400;
    const env = { ...home.env, AWSMFA_PROFILE: 'base', AWSMFA_EXPIRES_AT: String(expires) };
    const body = (n: number): string =>
      ({
        bash: `source '${file}'; PS1='> '; for ((i = 0; i < ${n}; i++)); do __awsmfa_prompt; done\n`,
        zsh: `source '${file}'; PS1='> '; for ((i = 0; i < ${n}; i++)); do for f in $precmd_functions; do $f; done; done\n`,
        // The indicator alone: fish's default prompt runs git and the like, which are not awsmfa's.
        fish: `source '${file}'; for i in (seq ${n}); __awsmfa_prompt_segment >/dev/null; end\n`,
        pwsh: `. '${file}'; foreach ($i in 1..${n}) { $null = prompt }\n`,
      })[shell];
    const count = async (n: number): Promise<number> => {
      const path = join(home.dir, `prompt-${n}.${EXTENSION[shell]}`);
      // fish's `seq` is a process of its own: the loop counter comes from the file instead.
      await writeFile(path, shell === 'fish' ? body(n).replace(`(seq ${n})`, Array.from({ length: n }, (_, i) => String(i)).join(' ')) : body(n));
      const argv = { bash: ['bash', '--norc', path], zsh: ['zsh', '-f', path], fish: ['fish', '--no-config', path], pwsh: [PWSH, '-NoProfile', '-File', path] }[shell];
      return (await processesStarted({ argv, env }, join(home.dir, `trace-prompt-${n}`))).length;
    };
    const extra = (await count(100)) - (await count(0));
    rows.push({ case: `processes started by 100 prompts with a session, ${shell} (strace -f)`, floor: 'the same shell showing none', value: String(extra), floorValue: '0', measured: extra, target: '0 processes', met: extra === 0, ...(shell === 'fish' ? { note: 'fish 3.5+: the time from `path mtime`' } : {}) });
    console.error(`${shell}: ${extra} processes for 100 prompts`);
  } finally {
    await rm(home.dir, { recursive: true, force: true });
  }
  void options;
}
