/**
 * The rendered `awsmfa init` run in clean, non-interactive bash, zsh and fish: the wrapper applies a
 * session only when the program succeeded, aliases follow the config, the prompt hook chains what was
 * there and keeps $?, and the profile index the shells load names the profiles the AWS SDK reads.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ShellName } from '../src/shell/dialect.js';
import { loadProfiles } from '../src/aws/profiles.js';
import { profileNames } from '../src/report/profiles.js';
import { dialectFor } from '../src/shell/index.js';
import { aliasProfiles } from '../src/shell/profile-index.js';
import { createWorld, DEFAULT_CONFIG, ROOT } from './helpers/fixture.js';
import { INIT_VARIANTS, renderVariant } from './helpers/init-variants.js';
import { TRICKY_CONFIG, TRICKY_CREDENTIALS, initFile } from './helpers/integration.js';
import { requireShell, runShell } from './helpers/shells.js';

const POSIX = ['bash', 'zsh'] as const;

/** Per shell: run a command and print `name=status`, and print variables, one `NAME=value` a line. */
const SAY: Readonly<Record<'bash' | 'zsh' | 'fish', { status: (label: string, command: string) => string; vars: (names: string[]) => string }>> = {
  bash: {
    status: (label, command) => `${command}; echo "${label}=$?"`,
    vars: (names) => names.map((n) => `echo "${n}=\${${n}-unset}"`).join('\n'),
  },
  zsh: {
    status: (label, command) => `${command}; echo "${label}=$?"`,
    vars: (names) => names.map((n) => `echo "${n}=\${${n}-unset}"`).join('\n'),
  },
  fish: {
    status: (label, command) => `${command}; echo "${label}=$status"`,
    vars: (names) => names.map((n) => `if set -q ${n}; echo "${n}=$${n}"; else; echo "${n}=unset"; end`).join('\n'),
  },
};

function lines(text: string): Map<string, string> {
  return new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: awsmfa use applies a session only on success; unset restores; the rest goes to the program`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    const world = await createWorld();
    t.after(() => world.close());
    const init = await initFile(shell, world.env, world.home);
    const say = SAY[shell];
    const names = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWSMFA_PROFILE'];
    const script = [
      `source '${init}'`,
      say.status('missing', 'awsmfa use no-such-profile --token-code 123456'),
      say.vars(names),
      say.status('used', `awsmfa use doug --token-code ${world.code()}`),
      say.vars(names.map((n) => `${n}`)).replaceAll('=', '_AFTER_USE='),
      say.status('unset', 'awsmfa unset'),
      say.vars(names).replaceAll('=', '_AFTER_UNSET='),
      say.status('version', 'awsmfa --version >/dev/null'),
      say.status('use_without_profile_help', 'awsmfa use --help 2>/dev/null'),
    ].join('\n');
    const run = await runShell(shell, script, { env: { ...world.env, AWS_PROFILE: 'keep', AWS_ACCESS_KEY_ID: 'AKIAOLD' } });
    const out = lines(run.stdout);
    assert.notEqual(out.get('missing'), '0', run.stdout + run.stderr);
    assert.equal(out.get('AWS_PROFILE'), 'keep', 'a failed use changes nothing');
    assert.equal(out.get('AWS_ACCESS_KEY_ID'), 'AKIAOLD');
    assert.equal(out.get('AWSMFA_PROFILE'), 'unset');
    assert.match(run.stderr, /no-such-profile/);

    assert.equal(out.get('used'), '0', run.stderr);
    assert.equal(out.get('AWS_PROFILE_AFTER_USE'), 'unset');
    assert.match(out.get('AWS_ACCESS_KEY_ID_AFTER_USE') ?? '', /^ASIA/);
    assert.equal(out.get('AWSMFA_PROFILE_AFTER_USE'), 'doug');

    assert.equal(out.get('unset'), '0');
    assert.equal(out.get('AWS_PROFILE_AFTER_UNSET'), 'keep');
    assert.equal(out.get('AWS_ACCESS_KEY_ID_AFTER_UNSET'), 'AKIAOLD');
    assert.equal(out.get('AWSMFA_PROFILE_AFTER_UNSET'), 'unset');
    assert.equal(out.get('version'), '0');
    assert.equal(out.get('use_without_profile_help'), '0');
  });

  test(`${shell}: aliases for the MFA and role profiles of the config, skipping names ${shell} cannot take`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    const world = await createWorld({ config: (user) => `${DEFAULT_CONFIG(user)}\n[profile a/b]\nmfa_serial = ${user.mfaSerial}\n` });
    t.after(() => world.close());
    const defined: Record<typeof shell, (name: string) => string> = {
      bash: (name) => `if alias '${name}' >/dev/null 2>&1; then echo '${name}=yes'; else echo '${name}=no'; fi`,
      zsh: (name) => `if (( \${+aliases[${name}]} )); then echo '${name}=yes'; else echo '${name}=no'; fi`,
      fish: (name) => `if functions -q '${name}'; echo '${name}=yes'; else; echo '${name}=no'; end`,
    };
    const candidates = ['aws-doug', 'aws-admin', 'aws-audit', 'aws-nomfa', 'aws-default', 'aws-a/b', 'x-doug', 'mfa'];
    const plain = await initFile(shell, world.env, world.home);
    const custom = await initFile(shell, world.env, world.home, ['--alias-prefix', 'x-', '--cmd', 'mfa', '--no-prompt']);
    const none = await initFile(shell, world.env, world.home, ['--no-aliases', '--no-prompt', '--cmd', 'mfa']);
    const check = (file: string) => runShell(shell, [`source '${file}'`, ...candidates.map(defined[shell])].join('\n'), { env: world.env });
    const [withPlain, withCustom, withNone] = await Promise.all([check(plain), check(custom), check(none)]);

    const got = lines(withPlain.stdout);
    assert.equal(withPlain.stderr, '');
    for (const name of ['aws-doug', 'aws-admin', 'aws-audit']) assert.equal(got.get(name), 'yes', name);
    for (const name of ['aws-nomfa', 'aws-default', 'aws-a/b', 'x-doug']) assert.equal(got.get(name), 'no', name);
    const gotCustom = lines(withCustom.stdout);
    assert.equal(gotCustom.get('x-doug'), 'yes');
    assert.equal(gotCustom.get('aws-doug'), 'no');
    assert.ok([...lines(withNone.stdout).entries()].filter(([n]) => n !== 'mfa').every(([, v]) => v === 'no'), withNone.stdout);

    // The wrapper under another name runs the program, and an alias reaches it too.
    const named = await runShell(shell, [`source '${custom}'`, SAY[shell].status('mfa', 'mfa --version >/dev/null')].join('\n'), { env: world.env });
    assert.equal(lines(named.stdout).get('mfa'), '0', named.stderr);
  });

  test(`${shell}: profile names and alias profiles the shell loads from the index are the profiles awsmfa reads`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    const dir = await mkdtemp(join(tmpdir(), 'awsmfa-profiles-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const config = join(dir, 'config');
    const credentials = join(dir, 'credentials');
    await writeFile(config, TRICKY_CONFIG);
    await writeFile(credentials, TRICKY_CREDENTIALS);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
    const init = await initFile(shell, env, dir, ['--no-prompt', '--no-aliases']);
    const list = {
      // bash and zsh define their aliases from a file of their own, not from the index's lines: the aliases they define.
      bash: `__awsmfa_load_index aws-; printf 'all:%s\\n' "\${__awsmfa_index_profiles[@]}"
__awsmfa_alias_prefix=aws- __awsmfa_define_aliases
for a in $(compgen -a aws-); do printf 'mfa:%s\\n' "\${a#aws-}"; done`,
      zsh: `__awsmfa_load_index aws-; printf 'all:%s\\n' "\${__awsmfa_index_profiles[@]}"
__awsmfa_alias_prefix=aws- __awsmfa_define_aliases
for a in \${(k)aliases[(I)aws-*]}; do printf 'mfa:%s\\n' "\${a#aws-}"; done`,
      // fish keeps the empty element the index's final line break leaves after the names (fish offers no empty candidate).
      fish: `__awsmfa_load_index aws-; printf 'all:%s\\n' $__awsmfa_index_profiles[1..-2]; test -z "$__awsmfa_index_profiles[-1]"; or echo 'all:(no empty element last)'
__awsmfa_load_index aws- strict
for f in $__awsmfa_index_functions/*.fish; printf 'mfa:%s\\n' (string replace -r '^aws-(.*)\\.fish$' '$1' (path basename $f)); end`,
    }[shell];
    const run = await runShell(shell, `source '${init}'\n${list}\n`, { env });
    const read = (kind: string) => run.stdout.split('\n').filter((l) => l.startsWith(`${kind}:`)).map((l) => l.slice(kind.length + 1)).sort();
    // The index holds what awsmfa itself reads (src/aws/profiles.ts, compared with the AWS CLI's reader
    // elsewhere), so that the shell and the program can never disagree about a name.
    const read_ = await loadProfiles(env);
    assert.equal(run.stderr, '');
    assert.deepEqual(read('all'), profileNames(read_).sort());
    assert.deepEqual(read('mfa'), aliasProfiles(read_).filter((name) => dialectFor(shell).index.isAliasName(`aws-${name}`)).sort());
  });
}

test('bash: the prompt hook chains PROMPT_COMMAND (string or array) or bash-preexec, once, and keeps $?', async (t) => {
  if (!(await requireShell(t, 'bash'))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = await initFile('bash', world.env, world.home);
  const script = `
PROMPT_COMMAND='echo user hook'
source '${init}'; source '${init}'
printf 'string=%s\\n' "\${PROMPT_COMMAND//$'\\n'/|}"
PROMPT_COMMAND=(first second)
source '${init}'; source '${init}'
printf 'array=%s\\n' "\${PROMPT_COMMAND[*]}"
unset PROMPT_COMMAND
bash_preexec_imported=defined
precmd_functions=(theirs)
source '${init}'; source '${init}'
printf 'preexec=%s|%s\\n' "\${precmd_functions[*]}" "\${PROMPT_COMMAND-unset}"
false; __awsmfa_prompt; echo "kept=$?"
export AWSMFA_PROFILE='a\\w$(echo PWNED)' AWSMFA_EXPIRES_AT=$(($(date +%s) + 600))
# \${PS1@P} (bash 4.4) shows the prompt as bash would; before it, PS1 itself is shown.
if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then show() { printf '%s=%s\\n' "$1" "\${PS1@P}"; }; else show() { printf '%s=%s\\n' "$1" "$PS1"; }; fi
PS1='> '; __awsmfa_prompt; __awsmfa_prompt
show shown
shopt -u promptvars; PS1='> '; __awsmfa_prompt; __awsmfa_prompt
show literal
printf 'version=%s\\n' "\${BASH_VERSINFO[0]}.\${BASH_VERSINFO[1]}"
`;
  const run = await runShell('bash', script, { env: world.env });
  const out = lines(run.stdout);
  assert.equal(run.stderr, '');
  assert.equal(out.get('string'), 'echo user hook|__awsmfa_prompt');
  assert.equal(out.get('array'), 'first second __awsmfa_prompt');
  assert.equal(out.get('preexec'), 'theirs __awsmfa_prompt|unset');
  assert.equal(out.get('kept'), '1');
  if (Number(out.get('version')) >= 4.4) {
    // NO_COLOR is set in this world, so there are no colour codes.
    assert.equal(out.get('shown'), '[a\\w$(echo PWNED) 10m] > ');
    assert.equal(out.get('literal'), '[a\\w$(echo PWNED) 10m] > ');
  } else {
    // bash 3.2 cannot expand a prompt outside one: PS1 refers to the text (never holds the name), or,
    // without promptvars, holds it with its backslashes doubled. prompt-pty shows both in a terminal.
    t.diagnostic(`bash ${out.get('version')}: no \${PS1@P}, so PS1 itself is checked`);
    assert.equal(out.get('shown'), '\\[${__awsmfa_prompt_color}\\]${__awsmfa_prompt_text}\\[${__awsmfa_prompt_reset}\\]> ');
    assert.equal(out.get('literal'), '\\[\\][a\\\\w$(echo PWNED) 10m] \\[\\]> ');
  }
});

test("bash: Tab's code is read at the first Tab, from the shipped script, whatever the shell set since, and the registrations stay as they were", async (t) => {
  if (!(await requireShell(t, 'bash'))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = await initFile('bash', world.env, world.home);
  // What only Tab runs is not in what a start reads.
  assert.doesNotMatch(await readFile(init, 'utf8'), /__awsmfa_offer_values\(\)/);
  const tab = `COMP_WORDS=(awsmfa use d); COMP_CWORD=2; COMP_LINE='awsmfa use d'; COMP_POINT=12`;
  // An alias of a function the completion code calls, defined after the start: expanded while that
  // code is read, it would print ALIASED and offer nothing.
  const script = `
source '${init}'
printf 'start=%s\\n' "$(type -t __awsmfa_offer_values)"
complete -o nospace -F __awsmfa_complete awsmfa
alias __awsmfa_offer='echo ALIASED'; shopt -s expand_aliases
${tab}
{ set -v; __awsmfa_complete; status=$?; flags=$-; set +v; } 2>'${world.home}/tab.err'
printf 'first=%s %s\\n' "$status" "\${COMPREPLY[*]}"
printf 'verbose=%s\\n' "\${flags//[!v]/}"
shopt -q expand_aliases && echo 'aliases=on'
printf 'alias=%s\\n' "$(alias __awsmfa_offer)"
printf 'registered=%s\\n' "$(complete -p awsmfa)"
printf 'loaded=%s\\n' "$(type -t __awsmfa_offer_values)"
${tab}
__awsmfa_complete; printf 'second=%s %s\\n' "$?" "\${COMPREPLY[*]}"
# Without the shipped file, the first Tab loads what \`awsmfa completions bash\` prints.
source '${init}'; unset -f __awsmfa_offer_values; __awsmfa_completion_file=${join(world.home, 'gone.bash')}
${tab}
__awsmfa_complete; printf 'without=%s %s\\n' "$?" "\${COMPREPLY[*]}"
`;
  const run = await runShell('bash', script, { env: world.env });
  const out = lines(run.stdout);
  assert.equal(run.stderr, '');
  assert.equal(await readFile(join(world.home, 'tab.err'), 'utf8'), '', 'set -v printed nothing at the first Tab');
  assert.equal(out.get('start'), '');
  assert.equal(out.get('first'), '0 default doug');
  assert.equal(out.get('verbose'), 'v');
  assert.equal(out.get('aliases'), 'on');
  assert.equal(out.get('alias'), "alias __awsmfa_offer='echo ALIASED'");
  assert.equal(out.get('registered'), 'complete -o nospace -F __awsmfa_complete awsmfa');
  assert.equal(out.get('loaded'), 'function');
  assert.equal(out.get('second'), '0 default doug');
  assert.equal(out.get('without'), '0 default doug');
});

test('bash: when the shipped completion script is not what awsmfa would print, init holds all of it, read at the start', async (t) => {
  if (!(await requireShell(t, 'bash'))) return;
  const world = await createWorld();
  t.after(() => world.close());
  // An installation whose completions/ holds an older build of the script.
  const install = join(world.home, 'install');
  await cp(join(ROOT, 'shells'), join(install, 'shells'), { recursive: true });
  await mkdir(join(install, 'completions'));
  await writeFile(join(install, 'completions', 'awsmfa.bash'), (await readFile(join(ROOT, 'completions', 'awsmfa.bash'), 'utf8')).replace('__awsmfa_offer()', '__awsmfa_older()'));
  const text = await renderVariant('bash', INIT_VARIANTS[0]!, join(install, 'shells'));
  assert.match(text, /^__awsmfa_completion_file=''$/m);
  assert.match(text, /^__awsmfa_offer_values\(\) \{$/m);
  const init = join(world.home, 'init.bash');
  await writeFile(init, text);
  const run = await runShell('bash', `source '${init}'\nprintf 'start=%s\\n' "$(type -t __awsmfa_offer_values)"\nCOMP_WORDS=(awsmfa use d); COMP_CWORD=2; COMP_LINE='awsmfa use d'; COMP_POINT=12\n__awsmfa_complete; printf 'tab=%s %s\\n' "$?" "\${COMPREPLY[*]}"\n`, { env: world.env });
  const out = lines(run.stdout);
  assert.equal(run.stderr, '');
  assert.equal(out.get('start'), 'function');
  assert.equal(out.get('tab'), '0 default doug');
});

test('zsh: the precmd hook is added once, keeps $?, and the prompt shows names literally with or without PROMPT_SUBST', async (t) => {
  if (!(await requireShell(t, 'zsh'))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = await initFile('zsh', world.env, world.home);
  const script = `
precmd_functions=(theirs)
source '${init}'; source '${init}'
print -r -- "hooks=\${precmd_functions[*]}"
false; __awsmfa_prompt; echo "kept=$?"
export AWSMFA_PROFILE='a%F{red}!$(echo PWNED)' AWSMFA_EXPIRES_AT=$((EPOCHSECONDS + 600))
PROMPT='> '; __awsmfa_prompt; __awsmfa_prompt
print -r -- "shown=\${(%)PROMPT}"
setopt prompt_subst prompt_bang; PROMPT='> '; __awsmfa_prompt; __awsmfa_prompt
print -r -- "subst=\${(%)PROMPT}"
`;
  const run = await runShell('zsh', script, { env: world.env });
  const out = lines(run.stdout);
  assert.equal(run.stderr, '');
  // compinit has not run, so the completion waits for the first prompt to register itself.
  assert.equal(out.get('hooks'), 'theirs __awsmfa_complete_at_prompt __awsmfa_prompt');
  assert.equal(out.get('kept'), '1');
  assert.equal(out.get('shown'), '[a%F{red}!$(echo PWNED) 10m] > ');
  // (%) expands percent escapes only, so the reference shows here as it stands in PROMPT.
  assert.equal(out.get('subst'), '${__awsmfa_prompt_segment}> ');
  const expanded = await runShell('zsh', `${script}\nprint -r -- "expanded=\${(e)\${(%)PROMPT}}"\n`, { env: world.env });
  assert.equal(lines(expanded.stdout).get('expanded'), '[a%%F{red}!!$(echo PWNED) 10m] > ');
});

for (const shell of POSIX) {
  test(`${shell}: a wrapper name that is not a plain word is refused, and the output fails an eval`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    const world = await createWorld();
    t.after(() => world.close());
    const { awsmfa } = await import('./helpers/fixture.js');
    const result = await awsmfa(['init', shell, '--cmd', 'a;b'], { env: world.env });
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, 'false\n');
    assert.match(result.stderr, /cannot name a/);
  });
}

export type { ShellName };
