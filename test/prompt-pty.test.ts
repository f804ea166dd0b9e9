/**
 * The integration as a person meets it: an interactive bash, zsh and fish in a real pseudo-terminal
 * (tmux), started clean, with a prompt of their own that has a hook of its own. The integration is
 * sourced (twice, as a re-read rc file would), `awsmfa use doug` gets a session from the STS emulator,
 * and each rendered prompt is read off the screen, colours included.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ShellName } from '../src/shell/dialect.js';
import { createWorld, type World } from './helpers/fixture.js';
import { initFile, requireTmux } from './helpers/integration.js';
import { requireShell } from './helpers/shells.js';
import { TmuxSession } from './helpers/tmux.js';

const YELLOW = '\x1b[33m';
const RED = '\x1b[31m';

/** A name no prompt may evaluate: command substitutions of each shell, bash and zsh prompt escapes. */
const HOSTILE = "$(echo PWNED)`echo PWNED`(echo PWNED)\\w%F{red}%n!";

interface ShellSetup {
  readonly argv: readonly string[];
  /** Gives the shell a prompt `#N rc=S > `: N counts the user's own prompt hook's runs, S is $?. */
  readonly userPrompt: string;
  readonly source: (file: string) => string;
  readonly setExpired: string;
  /** Moves the expiry to 2 h 5 min 30 s from now. */
  readonly setLater: string;
  readonly setHostile: string;
  /** Prints how often the integration's hook is registered. */
  readonly countHooks: string;
  readonly printKey: string;
}

const SHELLS: Partial<Record<ShellName, ShellSetup>> = {
  bash: {
    argv: ['bash', '--norc', '--noprofile', '-i'],
    userPrompt: `PROMPT_COMMAND='__user_n=$((__user_n + 1))'; PS1='#\${__user_n} rc=$? > '`,
    source: (file) => `source '${file}'; source '${file}'`,
    // date(1), not EPOCHSECONDS: bash 3.2 (macOS's /bin/bash) has no clock of its own.
    setExpired: 'AWSMFA_EXPIRES_AT=$(($(date +%s) - 5))',
    setLater: 'AWSMFA_EXPIRES_AT=$(($(date +%s) + 7530))',
    setHostile: `AWSMFA_PROFILE='${HOSTILE.replaceAll("'", "'\\''")}'`,
    countHooks: 'printf "hooks=%s\\n" "$(grep -c __awsmfa_prompt <<<"$PROMPT_COMMAND")"',
    printKey: 'echo "key=${AWS_ACCESS_KEY_ID:-none}"',
  },
  zsh: {
    argv: ['zsh', '-f', '-i'],
    userPrompt: `__user_hook() { psvar[1]=$(( \${psvar[1]:-0} + 1 )) }; precmd_functions+=(__user_hook); PROMPT='#%1v rc=%? > '`,
    source: (file) => `source '${file}'; source '${file}'`,
    setExpired: 'AWSMFA_EXPIRES_AT=$((EPOCHSECONDS - 5))',
    setLater: 'AWSMFA_EXPIRES_AT=$((EPOCHSECONDS + 7530))',
    setHostile: `AWSMFA_PROFILE='${HOSTILE.replaceAll("'", "'\\''")}'`,
    countHooks: 'print "hooks=$(print -l -- $precmd_functions | grep -cx __awsmfa_prompt)"',
    printKey: 'echo "key=${AWS_ACCESS_KEY_ID:-none}"',
  },
  fish: {
    argv: ['fish', '--no-config', '-i'],
    userPrompt: `function fish_prompt; set -l s $status; set -g __user_n (math $__user_n + 1); printf '#%s rc=%s > ' $__user_n $s; end`,
    source: (file) => `source '${file}'; source '${file}'`,
    setExpired: 'set -gx AWSMFA_EXPIRES_AT (math (date +%s) - 5)',
    setLater: 'set -gx AWSMFA_EXPIRES_AT (math (date +%s) + 7530)',
    setHostile: `set -gx AWSMFA_PROFILE '${HOSTILE.replace(/[\\']/g, (c) => `\\${c}`)}'`,
    countHooks: 'echo hooks=(count (functions fish_prompt | string match "*__awsmfa_prompt_segment*"))',
    printKey: 'if set -q AWS_ACCESS_KEY_ID; echo key=$AWS_ACCESS_KEY_ID; else; echo key=none; end',
  },
};

class Prompts {
  private count = 0;
  constructor(private readonly term: TmuxSession) {}

  /** Types a command and returns the next prompt as drawn: everything before `#N rc=S > `, and S. */
  async run(command: string): Promise<{ before: string; status: number; screen: string }> {
    this.count += 1;
    await this.term.type(command, 'Enter');
    return this.next();
  }

  async next(): Promise<{ before: string; status: number; screen: string }> {
    const line = new RegExp(`^(.*)#${this.count + 1} rc=(\\d+) >\\s*$`, 'm');
    const screen = await this.term.waitFor(line, { escapes: true });
    const match = line.exec(screen)!;
    return { before: match[1]!, status: Number(match[2]), screen };
  }

  /** The prompt the shell shows once the user's prompt is set up. */
  async start(userPrompt: string): Promise<void> {
    await this.term.type(userPrompt, 'Enter');
    await this.term.waitFor(/#1 rc=0 >\s*$/m);
  }
}

async function startShell(t: TestContext, shell: ShellName): Promise<{ world: World; term: TmuxSession; init: string } | undefined> {
  if (!(await requireShell(t, shell)) || !(await requireTmux(t))) return undefined;
  const world = await createWorld();
  t.after(() => world.close());
  const init = await initFile(shell, world.env, world.home);
  // NO_COLOR (which the world sets for awsmfa's messages) would turn the prompt's colours off too.
  const { NO_COLOR: _noColor, ...env } = world.env;
  const term = await TmuxSession.start(SHELLS[shell]!.argv, { env, cwd: world.home });
  t.after(() => term.close());
  return { world, term, init };
}

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: awsmfa use shows the session in the prompt, counting down, yellow, red, then gone`, async (t) => {
    const started = await startShell(t, shell);
    if (started === undefined) return;
    const { world, term, init } = started;
    const setup = SHELLS[shell]!;
    const prompts = new Prompts(term);
    await prompts.start(setup.userPrompt);

    // Prompt 2: sourced twice, nothing shown yet, the user's hook ran.
    let prompt = await prompts.run(setup.source(init));
    assert.equal(prompt.before, '', 'no session, no indicator');
    assert.equal(prompt.status, 0);

    // A short session: the indicator shows the profile and ~15 minutes, in yellow.
    prompt = await prompts.run(`awsmfa use doug --token-code ${world.code()} --duration 900`);
    assert.equal(prompt.status, 0, prompt.screen);
    assert.match(prompt.before, /^\x1b\[33m\[doug 1[45]m\] \x1b\[39m$/, JSON.stringify(prompt.before));

    // $? reaches the user's prompt through the integration's hook.
    prompt = await prompts.run('false');
    assert.equal(prompt.status, 1);
    assert.ok(prompt.before.includes('[doug 1'), JSON.stringify(prompt.before));

    prompt = await prompts.run(setup.printKey);
    assert.match(prompt.screen, /^key=ASIA/m, 'the session keys are in the environment');

    // The hook was added once although the integration was sourced twice.
    prompt = await prompts.run(setup.countHooks);
    assert.match(prompt.screen, /^hooks=1$/m);

    // The time is the shell's own arithmetic on AWSMFA_EXPIRES_AT, recomputed at each prompt.
    prompt = await prompts.run(setup.setLater);
    assert.match(prompt.before, /^\[doug 2h[45]m\] $/, JSON.stringify(prompt.before));

    prompt = await prompts.run(setup.setExpired);
    assert.ok(prompt.before.startsWith(RED), JSON.stringify(prompt.before));
    assert.ok(prompt.before.includes('[doug expired] '), JSON.stringify(prompt.before));

    // A profile name is printed as it is, never run or expanded as prompt code.
    prompt = await prompts.run(setup.setHostile);
    assert.ok(prompt.before.includes(`${RED}[${HOSTILE} expired] `), JSON.stringify(prompt.before));
    assert.ok(!prompt.screen.includes('\nPWNED'), prompt.screen);

    prompt = await prompts.run('awsmfa unset');
    assert.equal(prompt.status, 0, prompt.screen);
    assert.equal(prompt.before, '', JSON.stringify(prompt.before));
    prompt = await prompts.run(setup.printKey);
    assert.match(prompt.screen, /^key=none$/m);

    // The per-profile alias, from the config: the cached session comes back without a code.
    prompt = await prompts.run('aws-doug');
    assert.equal(prompt.status, 0, prompt.screen);
    assert.ok(prompt.before.startsWith(YELLOW) && prompt.before.includes('[doug 1'), JSON.stringify(prompt.before));
  });
}

test('zsh: Tab completes commands and the profile names of the config', async (t) => {
  const started = await startShell(t, 'zsh');
  if (started === undefined) return;
  const { term, init } = started;
  await term.type(`PROMPT='ready> '; autoload -Uz compinit; compinit -u -D; source '${init}'`, 'Enter');
  await term.waitFor(/^ready>\s*$/m);
  await term.type('awsmfa ', 'Tab');
  let screen = await term.waitFor(/^use\s+-- /m);
  assert.match(screen, /^env\s+-- print shell code/m);
  assert.match(screen, /^init\s+-- /m);
  await term.type('', 'C-u', 'C-l');
  await term.waitFor((s) => !s.includes('use '));
  await term.type('awsmfa use ', 'Tab');
  screen = await term.waitFor(/\bnomfa\b/);
  for (const profile of ['default', 'doug', 'admin', 'audit']) assert.match(screen, new RegExp(`\\b${profile}\\b`));
  // With a prefix, the one match is put on the line.
  await term.type('', 'C-u', 'C-l');
  await term.waitFor((s) => !s.includes('nomfa'));
  await term.type('awsmfa i', 'Tab');
  await term.waitFor(/^ready> awsmfa init\s*$/m);
  await term.type('', 'C-u');
  await term.type('awsmfa env --sh', 'Tab');
  await term.waitFor(/^ready> awsmfa env --shell=\s*$/m);
});

test('zsh: completions/_awsmfa works from $fpath, loaded by compinit on the first Tab', async (t) => {
  const started = await startShell(t, 'zsh');
  if (started === undefined) return;
  const { term } = started;
  const completions = new URL('../completions/', import.meta.url).pathname;
  await term.type(`PROMPT='ready> '; fpath=('${completions}' $fpath); autoload -Uz compinit; compinit -u -D`, 'Enter');
  await term.waitFor(/^ready>\s*$/m);
  await term.type('awsmfa i', 'Tab');
  await term.waitFor(/^ready> awsmfa init\s*$/m);
  await term.type(' --no-a', 'Tab');
  await term.waitFor(/^ready> awsmfa init --no-aliases\s*$/m);
});
