/**
 * What `unset` restores, and where it is kept: in the shell, never in the exported environment. A user
 * with long-term keys in the shell starts a session and switches to another profile; every program
 * started meanwhile (and the child of `exec`) must see the session and nothing of the keys it replaced,
 * and `unset` must bring back what was there byte for byte, a value that is not UTF-8 included. Both
 * with `eval "$(awsmfa env …)"` and through the integration (`awsmfa use`), in bash, zsh, fish and the
 * real PowerShell.
 *
 * And code for one shell applied by another (a launcher that is not the shell makes awsmfa guess
 * wrong) changes nothing and fails.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ShellName } from '../src/shell/dialect.js';
import { createWorld, runProgram, type World } from './helpers/fixture.js';
import { envAfterStatement, requireShell } from './helpers/shells.js';

// The real PowerShell, where the .NET tool installs it.
const DOTNET_TOOLS = join(homedir(), '.dotnet', 'tools');
process.env.PATH = `${DOTNET_TOOLS}${delimiter}${process.env.PATH ?? ''}`;

const SHELLS: readonly ShellName[] = ['bash', 'zsh', 'fish', 'pwsh'];
const LONG_TERM_ID = 'AKIALONGTERM0EXAMPLE';
const LONG_TERM_SECRET = 'longTermSecretEXAMPLE/0123456789abcdefgh';

/** The user's environment before the first session: long-term keys, and values awkward to carry. */
const BEFORE: Record<string, string> = {
  AWS_ACCESS_KEY_ID: LONG_TERM_ID,
  AWS_SECRET_ACCESS_KEY: LONG_TERM_SECRET,
  AWS_REGION: ' us-west-2 $HOME `x` \\ \'',
  AWS_DEFAULT_PROFILE: 'work',
};
const MANAGED = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_SESSION_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SECURITY_TOKEN',
  'AWSMFA_PROFILE',
  'AWSMFA_EXPIRES_AT',
  'AWSMFA_SAVED_ENV',
];
/** Names the shell's own record could have, if it leaked into the environment. */
const RECORD_NAMES = ['__awsmfa_saved', ...MANAGED.map((name) => `__awsmfa_saved_${name}`)];
/** `caf\xe9`: Latin-1, not UTF-8. PowerShell keeps its environment as UTF-16 and cannot hold it at all. */
const NOT_UTF8 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
const SET_NOT_UTF8: Record<ShellName, string> = {
  bash: "export AWS_PROFILE=$'caf\\xe9'",
  zsh: "export AWS_PROFILE=$'caf\\xe9'",
  fish: 'set -gx AWS_PROFILE caf\\xe9',
  pwsh: '',
};

type Mode = 'eval' | 'integration';

/** The statements that run awsmfa `command` and apply its output in `shell`, as a user would. */
function apply(shell: ShellName, mode: Mode, command: string): string {
  // The integration's wrapper: `awsmfa use` and `awsmfa unset` applied by the function itself.
  if (mode === 'integration') return `awsmfa ${command.replace(/^env /, 'use ')}`;
  switch (shell) {
    case 'bash':
    case 'zsh':
      return `eval "$(awsmfa ${command} --shell ${shell})"`;
    case 'fish':
      return `awsmfa ${command} --shell fish | source`;
    case 'pwsh':
      return `awsmfa ${command} --shell pwsh | Out-String | Invoke-Expression`;
  }
}

function init(shell: ShellName, mode: Mode): string {
  if (mode === 'eval') return '';
  switch (shell) {
    case 'bash':
    case 'zsh':
      return `eval "$(awsmfa init ${shell})"`;
    case 'fish':
      return 'awsmfa init fish | source';
    case 'pwsh':
      return 'awsmfa init pwsh | Out-String | Invoke-Expression';
  }
}

/** Statements joined so that the first failure stops the rest. */
function chain(shell: ShellName, statements: readonly string[]): string {
  const steps = statements.filter((statement) => statement !== '');
  if (shell === 'fish') return steps.join('; and ');
  if (shell === 'pwsh') return steps.map((step) => `${step}; if (-not $?) { throw 'step failed' }`).join('\n');
  return steps.join(' && ');
}

async function requirePwshOrShell(t: TestContext, shell: ShellName): Promise<boolean> {
  if (shell !== 'pwsh') return requireShell(t, shell);
  try {
    await access(join(DOTNET_TOOLS, 'pwsh'));
    return true;
  } catch {
    return requireShell(t, 'pwsh');
  }
}

async function withSessions(body: (world: World, env: Record<string, string>) => Promise<void>): Promise<void> {
  const world = await createWorld();
  try {
    // One code for the MFA session; every env below comes from the cache (admin: one AssumeRole with it).
    const first = await runProgram('sh', ['-c', `awsmfa env doug --shell bash --token-code ${world.code()} >/dev/null`], { env: world.env });
    assert.equal(first.code, 0, first.stderr);
    const env = { ...world.env, PATH: `${world.env.PATH}${delimiter}${DOTNET_TOOLS}`, ...BEFORE };
    await body(world, env);
  } finally {
    await world.close();
  }
}

for (const shell of SHELLS) {
  for (const mode of ['eval', 'integration'] as const) {
    test(`${shell} (${mode}): the replaced long-term keys are not exported during the session, and come back exactly after two profiles`, async (t) => {
      if (!(await requirePwshOrShell(t, shell))) return;
      await withSessions(async (_world, env) => {
        const prelude = SET_NOT_UTF8[shell];
        const steps = [init(shell, mode), apply(shell, mode, 'env doug'), apply(shell, mode, 'env admin')];
        const options = { env, prelude, timeoutMs: 60_000 };

        const during = await envAfterStatement(shell, chain(shell, steps), [...MANAGED, ...RECORD_NAMES], options);
        assert.equal(during.status, 0, during.stderr);
        assert.equal(during.vars.AWSMFA_PROFILE, 'admin');
        assert.match(during.vars.AWS_ACCESS_KEY_ID ?? '', /^ASIA/);
        assert.equal(during.vars.AWS_DEFAULT_PROFILE, null);
        assert.equal(during.vars.AWSMFA_SAVED_ENV, null, 'no record in the exported environment');
        for (const name of RECORD_NAMES) assert.equal(during.vars[name], null, `${name} is not exported`);
        const everything = Object.values(during.bytes).map((value) => value?.toString('latin1') ?? '').join('\n');
        assert.ok(!everything.includes(LONG_TERM_SECRET) && !everything.includes(LONG_TERM_ID), 'the long-term keys are in no exported variable');

        const after = await envAfterStatement(shell, chain(shell, [...steps, apply(shell, mode, 'unset')]), MANAGED, options);
        assert.equal(after.status, 0, after.stderr);
        for (const [name, value] of Object.entries(BEFORE)) assert.equal(after.vars[name], value, `${name} is back`);
        for (const name of ['AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWSMFA_PROFILE', 'AWSMFA_EXPIRES_AT', 'AWSMFA_SAVED_ENV', 'AWS_SECURITY_TOKEN']) {
          assert.equal(after.vars[name], null, `${name} is gone`);
        }
        if (shell === 'pwsh') assert.equal(after.vars.AWS_PROFILE, null);
        else assert.deepEqual(after.bytes.AWS_PROFILE, NOT_UTF8, 'a value that is not UTF-8 comes back byte for byte');
      });
    });
  }
}

test('the whole exported environment during a session holds no long-term key, and neither does exec\'s child', async (t) => {
  if (!(await requireShell(t, 'bash'))) return;
  await withSessions(async (_world, env) => {
    const dump = await runProgram('bash', ['--norc', '--noprofile', '-c', 'eval "$(awsmfa env doug --shell bash)" && env -0 && printf "\\n--exec--\\n" && awsmfa exec admin -- env -0'], { env });
    assert.equal(dump.code, 0, dump.stderr);
    const [shellEnv, childEnv] = dump.stdout.split('\n--exec--\n');
    assert.match(shellEnv!, /AWS_SESSION_TOKEN=/);
    assert.match(childEnv!, /AWSMFA_EXEC=admin/);
    for (const [where, text] of [['the shell', shellEnv!], ['exec\'s child', childEnv!]] as const) {
      assert.ok(!text.includes(LONG_TERM_SECRET), `${where}: the long-term secret is not exported`);
      assert.ok(!text.includes(LONG_TERM_ID), `${where}: the long-term key id is not exported`);
      assert.ok(!/(^|\0)(AWSMFA_SAVED_ENV|__awsmfa_saved\w*)=/.test(text), `${where}: no record of the earlier values`);
    }
  });
});

/** How each shell applies awsmfa's output for `producer`. */
function applyFor(consumer: ShellName, producer: ShellName): string {
  switch (consumer) {
    case 'bash':
    case 'zsh':
      return `eval "$(awsmfa env doug --shell ${producer})"`;
    case 'fish':
      return `awsmfa env doug --shell ${producer} | source`;
    case 'pwsh':
      return `awsmfa env doug --shell ${producer} | Out-String | Invoke-Expression`;
  }
}

const POSIX = new Set<ShellName>(['bash', 'zsh']);

for (const consumer of SHELLS) {
  test(`${consumer}: code for another shell changes nothing and fails`, async (t) => {
    if (!(await requirePwshOrShell(t, consumer))) return;
    await withSessions(async (_world, env) => {
      // bash and zsh read each other's code alike, and correctly: that pair is not a wrong shell.
      for (const producer of SHELLS.filter((name) => name !== consumer && !(POSIX.has(name) && POSIX.has(consumer)))) {
        const result = await envAfterStatement(consumer, applyFor(consumer, producer), MANAGED, { env: { ...env, AWS_PROFILE: 'work' }, timeoutMs: 60_000 });
        assert.notEqual(result.status, 0, `${producer} code in ${consumer}: the apply fails`);
        assert.equal(result.vars.AWS_PROFILE, 'work', `${producer} code in ${consumer}: AWS_PROFILE untouched`);
        assert.equal(result.vars.AWS_ACCESS_KEY_ID, LONG_TERM_ID, `${producer} code in ${consumer}: the keys untouched`);
        assert.equal(result.vars.AWS_SESSION_TOKEN, null, `${producer} code in ${consumer}: no session token`);
        assert.equal(result.vars.AWSMFA_PROFILE, null, `${producer} code in ${consumer}: no session`);
      }
    });
  });
}
