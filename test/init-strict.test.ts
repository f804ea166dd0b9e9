/**
 * Every rendered `awsmfa init`, for every combination of its options, loaded into a clean shell under
 * the strictest settings the shell has: `set -eu` in bash (with pipefail) and zsh, Set-StrictMode
 * -Version Latest with $ErrorActionPreference = 'Stop' in PowerShell (fish has no such settings; it
 * is held to a status of 0). Loading prints nothing; the hooks a prompt runs and the completion
 * function then run under the same settings, and the options did what they say: the wrapper has its
 * name, the prompt hook is there or not, the aliases are there (with their prefix) or not.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ShellName } from '../src/shell/dialect.js';
import { quotePwsh } from '../src/shell/pwsh.js';
import { createWorld, type World } from './helpers/fixture.js';
import { AWKWARD_PREFIX, INIT_VARIANTS, renderVariant, type InitVariant } from './helpers/init-variants.js';
import { PWSH_UNAVAILABLE, pwshAvailable, runPwsh } from './helpers/pwsh.js';
import { requireShell, runShell } from './helpers/shells.js';

/** Everything before it was printed by loading the integration; everything after it is the report. */
const MARK = '\x1e';

/** The profiles of the test config, and those with mfa_serial or role_arn (which get aliases). */
const PROFILES = ['admin', 'audit', 'default', 'doug', 'nomfa'];
const MFA_PROFILES = ['admin', 'audit', 'doug'];

function expectedAliases(variant: InitVariant): string[] {
  // The awkward prefix makes names no shell takes, so every one is skipped.
  if (!variant.aliases || variant.aliasPrefix === AWKWARD_PREFIX) return [];
  return MFA_PROFILES.map((profile) => variant.aliasPrefix + profile);
}

/** The variants that differ in what zsh's completion registration depends on. */
function loadsCompinit(variant: InitVariant): boolean {
  return variant.aliases && variant.aliasPrefix === 'aws-';
}

/** Whether the wrapper itself is run for this variant (it starts node, so not for all of them). */
function runsWrapper(variant: InitVariant): boolean {
  return variant.args.length === 0 || (!variant.prompt && !variant.aliases && variant.command !== 'awsmfa' && variant.aliasPrefix === AWKWARD_PREFIX);
}

function report(stdout: string): { loading: string; values: Map<string, string> } {
  const at = stdout.indexOf(MARK);
  const loading = at === -1 ? stdout : stdout.slice(0, at);
  const values = new Map<string, string>();
  for (const line of (at === -1 ? '' : stdout.slice(at + 1)).split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0) values.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return { loading, values };
}

const words = (text: string | undefined) => (text ?? '').split(/\s+/).filter(Boolean).sort();

/** The session the prompt is asked to show: `10m` (minutes are rounded down) for the next 30 seconds. */
const SESSION_SECONDS = 630;

const SCRIPTS: Readonly<Record<'bash' | 'zsh' | 'fish', (init: string, v: InitVariant) => string>> = {
  bash: (init, v) =>
    [
      'set -euo pipefail',
      // An interactive bash always has a PS1; without a session the hooks must leave it alone.
      "PS1='$ '",
      `source '${init}'`,
      // What bash runs before each prompt, without and with a session, then a Tab after `use `.
      'eval "${PROMPT_COMMAND-}"',
      // date(1): bash 3.2 (macOS's /bin/bash) has no EPOCHSECONDS, nor ${PS1@P} and BASH_ALIASES below.
      `export AWSMFA_PROFILE=doug AWSMFA_EXPIRES_AT=$(($(date +%s) + ${SESSION_SECONDS}))`,
      'eval "${PROMPT_COMMAND-}"',
      `COMP_WORDS=(${v.command} use ''); COMP_CWORD=2; __awsmfa_complete`,
      `printf '${MARK}'`,
      `printf 'function=%s\\n' "$(type -t ${v.command})"`,
      `printf 'awsmfa=%s\\n' "$(type -t awsmfa || :)"`,
      `printf 'complete=%s\\n' "$(complete -p ${v.command})"`,
      'printf \'hooked=%s\\n\' "${PROMPT_COMMAND-}"',
      // Before bash 4.4 the prompt is put together by hand: the text PS1 refers to, then the rest of PS1.
      'if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then printf \'prompt=%s\\n\' "${PS1@P}"; else printf \'prompt=%s%s\\n\' "$__awsmfa_prompt_text" "${PS1##*\\\\]}"; fi',
      'printf \'candidates=%s\\n\' "${COMPREPLY[*]}"',
      // The aliases the integration defined: those that run its `use`.
      'if ((BASH_VERSINFO[0] >= 4)); then printf \'aliases=\'; for __strict_alias in "${!BASH_ALIASES[@]}"; do [[ ${BASH_ALIASES[$__strict_alias]} != __awsmfa_use* ]] || printf \'%s \' "$__strict_alias"; done; echo; else printf \'aliases=%s\\n\' "$(alias -p | sed -n "s/^alias \\([^=]*\\)=\'__awsmfa_use .*/\\1/p" | tr \'\\n\' \' \')"; fi',
      ...(runsWrapper(v) ? [`printf 'version=%s\\n' "$(${v.command} --version)"`, `${v.command} unset 2>/dev/null`, "printf 'unset=%s\\n' \"$?\""] : []),
      '',
    ].join('\n'),
  zsh: (init, v) =>
    [
      'set -eu',
      "PROMPT='> '",
      `source '${init}'`,
      // What zsh runs before each prompt, without and with a session.
      'for __strict_hook in ${precmd_functions[@]-}; do $__strict_hook; done',
      `export AWSMFA_PROFILE=doug AWSMFA_EXPIRES_AT=$((EPOCHSECONDS + ${SESSION_SECONDS}))`,
      'for __strict_hook in ${precmd_functions[@]-}; do $__strict_hook; done',
      `printf '${MARK}'`,
      `printf 'function=%s\\n' \${+functions[${v.command}]}`,
      'printf \'awsmfa=%s\\n\' ${+functions[awsmfa]}',
      'printf \'hooked=%s\\n\' "${precmd_functions[*]-}"',
      'printf \'prompt=%s\\n\' "${(%)PROMPT}"',
      'printf \'aliases=%s\\n\' "${(k)aliases[(R)__awsmfa_use *]}"',
      // Completion loaded after the integration: the next prompt's hook registers the wrapper.
      // (compinit takes almost half a second, so only where the wrapper's name or the hooks differ.)
      ...(loadsCompinit(v)
        ? [
            'autoload -Uz compinit && compinit -u -D',
            'for __strict_hook in ${precmd_functions[@]-}; do $__strict_hook; done',
            `printf 'complete=%s\\n' "\${_comps[${v.command}]-}"`,
          ]
        : []),
      ...(runsWrapper(v) ? [`printf 'version=%s\\n' "$(${v.command} --version)"`, `${v.command} unset 2>/dev/null`, "printf 'unset=%s\\n' \"$?\""] : []),
      '',
    ].join('\n'),
  fish: (init, v) =>
    [
      `source '${init}'`,
      'set -l __strict_status $status',
      `printf '${MARK}'`,
      'echo status=$__strict_status',
      `functions -q ${v.command}; and echo function=function`,
      'functions -q awsmfa; and echo awsmfa=1',
      'echo prompt=(fish_prompt | string collect)',
      `set -gx AWSMFA_PROFILE doug; set -gx AWSMFA_EXPIRES_AT (math (date +%s) + ${SESSION_SECONDS})`,
      'echo session_prompt=(fish_prompt | string collect)',
      // `echo key=(list)` would repeat key= before each element: the lists are joined first.
      `echo candidates=(complete -C '${v.command} use ' | string replace -r '\\t.*' '' | string join ' ')`,
      'echo functions=(functions -n | string split ", " | string join " ")',
      ...(runsWrapper(v) ? [`echo version=(${v.command} --version | string join ' ')`, `${v.command} unset 2>/dev/null`, 'echo unset=$status'] : []),
      '',
    ].join('\n'),
};

/** Renders each variant into a file and runs `check` on each, all at once. */
async function forEachVariant(world: World, shell: ShellName, check: (variant: InitVariant, file: string) => Promise<void>): Promise<void> {
  await Promise.all(
    INIT_VARIANTS.map(async (variant, i) => {
      const file = join(world.home, `init-${i}.${shell}`);
      await writeFile(file, await renderVariant(shell, variant));
      await check(variant, file);
    }),
  );
}

async function withWorld(t: TestContext): Promise<World> {
  const world = await createWorld();
  t.after(() => world.close());
  return world;
}

for (const shell of ['bash', 'zsh'] as const) {
  test(`${shell}: every init option combination loads silently under set -eu, and its hooks run under it too`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    const world = await withWorld(t);
    await forEachVariant(world, shell, async (variant, file) => {
      const label = `${shell} init ${variant.label}`;
      const run = await runShell(shell, SCRIPTS[shell](file, variant), { env: world.env, timeoutMs: 30_000 });
      const { loading, values } = report(run.stdout);
      assert.equal(loading, '', `${label}: loading printed something`);
      assert.equal(run.stderr, '', `${label}: stderr`);
      assert.equal(run.code, 0, `${label}: exit code; it printed ${JSON.stringify(run.stdout.slice(0, 2000))}`);
      assert.equal(values.get('function'), shell === 'bash' ? 'function' : '1', `${label}: the wrapper`);
      if (variant.command !== 'awsmfa') assert.notEqual(values.get('awsmfa'), shell === 'bash' ? 'function' : '1', `${label}: no awsmfa function`);
      if (shell === 'bash') {
        assert.match(values.get('complete') ?? '', new RegExp(`-F __awsmfa_complete ${variant.command}$`), `${label}: completion`);
        assert.deepEqual(words(values.get('candidates')), PROFILES, `${label}: Tab after use`);
      } else {
        if (loadsCompinit(variant)) assert.equal(values.get('complete'), '_awsmfa', `${label}: completion registered once compinit is loaded`);
      }
      assert.equal(words(values.get('hooked')).includes('__awsmfa_prompt'), variant.prompt, `${label}: prompt hook`);
      // The prompt as the shell shows it, with the session set up above (NO_COLOR is set).
      // bash marks the indicator's (empty) colour codes with \x01 \x02 for readline.
      const own = shell === 'bash' ? '$ ' : '> ';
      assert.equal(values.get('prompt')?.replace(/[\x01\x02]/g, ''), variant.prompt ? `[doug 10m] ${own}` : own, `${label}: the prompt`);
      assert.deepEqual(words(values.get('aliases')), expectedAliases(variant).sort(), `${label}: aliases`);
      if (runsWrapper(variant)) {
        assert.match(values.get('version') ?? '', /^awsmfa \d/, `${label}: the wrapper runs the program`);
        assert.equal(values.get('unset'), '0', `${label}: the wrapper applies unset`);
      }
    });
  });
}

test('fish: every init option combination loads silently with status 0, and its prompt and completion work', async (t) => {
  if (!(await requireShell(t, 'fish'))) return;
  const world = await withWorld(t);
  await forEachVariant(world, 'fish', async (variant, file) => {
    const label = `fish init ${variant.label}`;
    const run = await runShell('fish', SCRIPTS.fish(file, variant), { env: world.env, timeoutMs: 30_000 });
    const { loading, values } = report(run.stdout);
    assert.equal(loading, '', `${label}: loading printed something`);
    // The program's own message from `unset` comes through `2>/dev/null`: fish does not apply a
    // redirection of a function call to a command substitution inside it (fish-shell issue #1035).
    const stderr = runsWrapper(variant) ? run.stderr.replace(/^awsmfa: .*\n/gm, '') : run.stderr;
    assert.equal(stderr, '', `${label}: stderr`);
    assert.equal(values.get('status'), '0', `${label}: status of source`);
    assert.equal(values.get('function'), 'function', `${label}: the wrapper`);
    if (variant.command !== 'awsmfa') assert.equal(values.get('awsmfa'), undefined, `${label}: no awsmfa function`);
    assert.ok(!(values.get('prompt') ?? '').includes('[doug'), `${label}: no indicator without a session`);
    assert.equal((values.get('session_prompt') ?? '').startsWith('[doug 10m] '), variant.prompt, `${label}: ${values.get('session_prompt')}`);
    assert.deepEqual(words(values.get('candidates')), PROFILES, `${label}: Tab after use`);
    const functions = words(values.get('functions'));
    for (const name of expectedAliases(variant)) assert.ok(functions.includes(name), `${label}: alias ${name}`);
    if (expectedAliases(variant).length === 0) {
      for (const profile of MFA_PROFILES) assert.ok(!functions.some((f) => f.endsWith(profile) && f !== profile), `${label}: no alias for ${profile}`);
    }
    if (runsWrapper(variant)) {
      assert.match(values.get('version') ?? '', /^awsmfa \d/, `${label}: the wrapper runs the program`);
      assert.equal(values.get('unset'), '0', `${label}: the wrapper applies unset`);
    }
  });
});

/**
 * One PowerShell engine, and in it one fresh runspace per variant (as a new PowerShell session would
 * be), each with StrictMode Latest and $ErrorActionPreference 'Stop' before the integration loads.
 */
function pwshVariantScript(file: string, v: InitVariant): string {
  const name = quotePwsh(v.command);
  const complete = `${v.command} use `;
  return [
    'Set-StrictMode -Version Latest',
    "$ErrorActionPreference = 'Stop'",
    `$loaded = @(. ([scriptblock]::Create([System.IO.File]::ReadAllText(${quotePwsh(file)}))))`,
    `'loaded=' + $loaded.Count`,
    `'function=' + [bool]$ExecutionContext.InvokeCommand.GetCommand(${name}, 'Function')`,
    "'awsmfa=' + [bool]$ExecutionContext.InvokeCommand.GetCommand('awsmfa', 'Function')",
    "'prompt=' + (prompt)",
    `$env:AWSMFA_PROFILE = 'doug'; $env:AWSMFA_EXPIRES_AT = [string]([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + ${SESSION_SECONDS})`,
    "'session_prompt=' + (prompt)",
    "$env:AWSMFA_PROFILE = $null; $env:AWSMFA_EXPIRES_AT = $null",
    `'candidates=' + ((TabExpansion2 -inputScript ${quotePwsh(complete)} -cursorColumn ${complete.length}).CompletionMatches.CompletionText -join ' ')`,
    ...MFA_PROFILES.map((profile) => `'alias_${profile}=' + [bool]$ExecutionContext.InvokeCommand.GetCommand(${quotePwsh(v.aliasPrefix + profile)}, 'Function')`),
    ...(runsWrapper(v) ? [`'version=' + (& ${name} --version)`, `& ${name} unset 2>$null`, "'unset=' + $LASTEXITCODE"] : []),
  ].join('\n');
}

test('pwsh: every init option combination loads silently under StrictMode Latest and ErrorAction Stop, each in a fresh runspace', async (t) => {
  if (!(await pwshAvailable())) {
    t.skip(PWSH_UNAVAILABLE);
    return;
  }
  const world = await withWorld(t);
  const files: string[] = [];
  for (const [i, variant] of INIT_VARIANTS.entries()) {
    const file = join(world.home, `init-${i}.ps1`);
    await writeFile(file, await renderVariant('pwsh', variant));
    files.push(file);
  }
  // Each variant's report is its output, one `key=value` a string, prefixed by its index; errors of
  // any stream, or an exception out of Invoke(), are reported as `error=`.
  const host = [
    '$__strict_scripts = @(',
    INIT_VARIANTS.map((variant, i) => `  ${quotePwsh(pwshVariantScript(files[i]!, variant))}`).join(',\n'),
    ')',
    'for ($i = 0; $i -lt $__strict_scripts.Count; $i++) {',
    '  $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()',
    '  $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($state)',
    '  $runspace.Open()',
    '  $shell = [System.Management.Automation.PowerShell]::Create()',
    '  $shell.Runspace = $runspace',
    '  $null = $shell.AddScript($__strict_scripts[$i], $false)',
    '  try { foreach ($line in $shell.Invoke()) { "$i|$line" } } catch { "$i|error=" + $_.Exception.Message }',
    '  foreach ($record in $shell.Streams.Error) { "$i|error=" + $record.ToString() }',
    '  foreach ($record in $shell.Streams.Warning) { "$i|warning=" + $record.ToString() }',
    '  foreach ($record in $shell.Streams.Information) { "$i|information=" + $record.ToString() }',
    '  $shell.Dispose(); $runspace.Dispose()',
    '}',
  ].join('\n');
  const result = await runPwsh(host, { env: { ...world.env, NO_COLOR: '1' } });
  assert.deepEqual(result.errors, [], result.errorDetails.join('\n'));
  const reports = INIT_VARIANTS.map(() => new Map<string, string[]>());
  for (const line of result.output) {
    const match = /^(\d+)\|([a-z_]+)=(.*)$/s.exec(line);
    assert.ok(match, `unexpected output ${JSON.stringify(line)}`);
    const values = reports[Number(match[1])]!;
    values.set(match[2]!, [...(values.get(match[2]!) ?? []), match[3]!]);
  }
  INIT_VARIANTS.forEach((variant, i) => {
    const label = `pwsh init ${variant.label}`;
    const values = reports[i]!;
    const one = (key: string) => values.get(key)?.join('\n');
    assert.deepEqual(values.get('error') ?? [], [], `${label}: errors`);
    assert.deepEqual([...(values.get('warning') ?? []), ...(values.get('information') ?? [])], [], `${label}: warnings or host output`);
    assert.equal(one('loaded'), '0', `${label}: loading printed something`);
    assert.equal(one('function'), 'True', `${label}: the wrapper`);
    if (variant.command !== 'awsmfa') assert.equal(one('awsmfa'), 'False', `${label}: no awsmfa function`);
    assert.ok(!(one('prompt') ?? '').includes('[doug'), `${label}: no indicator without a session`);
    assert.equal((one('session_prompt') ?? '').startsWith('[doug 10m] '), variant.prompt, `${label}: ${one('session_prompt')}`);
    assert.deepEqual(words(one('candidates')), PROFILES, `${label}: Tab after use`);
    for (const profile of MFA_PROFILES) {
      const defined = expectedAliases(variant).includes(variant.aliasPrefix + profile);
      assert.equal(one(`alias_${profile}`), defined ? 'True' : 'False', `${label}: alias for ${profile}`);
    }
    if (runsWrapper(variant)) {
      assert.match(one('version') ?? '', /^awsmfa \d/, `${label}: the wrapper runs the program`);
      assert.equal(one('unset'), '0', `${label}: the wrapper applies unset`);
    }
  });
});
