/**
 * Completions: the committed files in completions/ are what the command definitions generate (a test
 * that fails when they are stale), a newly registered command reaches every shell, and bash and fish,
 * asked the way they ask at Tab, offer commands, flags, shell names and the config's profile names.
 * (zsh is asked in a pseudo-terminal in prompt-pty.test.ts, PowerShell in init-pwsh.test.ts.)
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cli, Command, Option } from 'clipanion';
import { COMPLETIONS_DIR, completionFiles } from '../scripts/gen-completions.js';
import { completionSpec } from '../src/shell/completions.js';
import { SHELL_NAMES, dialectFor } from '../src/shell/index.js';
import { renderCompletions } from '../src/shell/integration.js';
import { awsmfa, createWorld } from './helpers/fixture.js';
import { requireShell, runShell } from './helpers/shells.js';

test('completions/ holds exactly what the command definitions generate (run `node scripts/build.mjs` when this fails)', async () => {
  for (const [name, text] of await completionFiles()) {
    const committed = await readFile(join(COMPLETIONS_DIR, name), 'utf8').catch(() => '(missing)');
    assert.ok(committed === text, `completions/${name} is stale: run \`node scripts/build.mjs\` and commit completions/`);
  }
});

test('the built CLI prints the same completion scripts as the committed files', async () => {
  const world = await createWorld();
  try {
    const files = await completionFiles();
    await Promise.all(
      SHELL_NAMES.map(async (shell) => {
        const result = await awsmfa(['completions', shell], { env: world.env });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, '');
        assert.ok(result.stdout === files.get(dialectFor(shell).integration.completionFile), `awsmfa completions ${shell} differs from the file`);
      }),
    );
  } finally {
    await world.close();
  }
});

test('a command registered in the CLI shows up in every shell\'s completions, with its flags and argument kinds', async () => {
  class FrobCommand extends Command {
    static override paths = [['frobnicate']];
    static override usage = Command.Usage({ description: 'frobnicate a profile' });
    profile = Option.String({ name: 'profile' });
    target = Option.String('--target-profile', { description: 'where to put it' });
    level = Option.String('--level,-l', { description: 'how much' });
    quiet = Option.Boolean('--quiet');
    rest = Option.Rest();
    async execute() {}
  }
  const cli = new Cli({ binaryName: 'awsmfa' });
  cli.register(FrobCommand);
  const spec = completionSpec(cli.definitions(), SHELL_NAMES);
  assert.deepEqual(spec.commands.map((c) => c.name), ['frobnicate']);
  const [command] = spec.commands;
  assert.deepEqual(command!.positionals, ['profile']);
  assert.equal(command!.rest, 'any');
  assert.deepEqual(
    command!.options.map((o) => [o.names.join(','), o.value ?? 'flag']),
    [['--target-profile', 'profile'], ['--level,-l', 'any'], ['--quiet', 'flag'], ['--help,-h', 'flag']],
  );
  for (const shell of SHELL_NAMES) {
    const text = await renderCompletions(dialectFor(shell), spec);
    for (const word of ['frobnicate', 'target-profile', 'quiet']) assert.ok(text.includes(word), `${shell}: ${word}`);
  }
});

/** A bash that sources completions/awsmfa.bash and asks its completion function as bash does at Tab. */
async function bashCandidates(env: Record<string, string>, lines: readonly (readonly string[])[]): Promise<string[][]> {
  const script = [
    `source '${join(COMPLETIONS_DIR, 'awsmfa.bash')}'`,
    'ask() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); __awsmfa_complete; printf "%s\\n" "${COMPREPLY[*]}"; }',
    ...lines.map((words) => `ask ${words.map((w) => `'${w}'`).join(' ')}`),
  ].join('\n');
  const run = await runShell('bash', script, { env });
  assert.equal(run.stderr, '');
  return run.stdout.split('\n').slice(0, lines.length).map((l) => (l === '' ? [] : l.split(' ')));
}

test('bash: the completion function offers commands, flags, shells and profile names', async (t) => {
  if (!(await requireShell(t, 'bash'))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const [all, e, profiles, d, flags, shells, afterEquals, second] = await bashCandidates(world.env, [
    ['awsmfa', ''],
    ['awsmfa', 'e'],
    ['awsmfa', 'use', ''],
    ['awsmfa', 'env', 'd'],
    ['awsmfa', 'env', '--t'],
    ['awsmfa', 'env', '--shell', ''],
    ['awsmfa', 'init', '--cmd', 'x', 'f'],
    ['awsmfa', 'env', 'doug', ''],
  ]);
  for (const command of ['env', 'use', 'unset', 'init', 'completions', 'exec', 'status']) assert.ok(all!.includes(command), command);
  assert.deepEqual(e, ['env', 'exec']);
  assert.deepEqual(profiles!.sort(), ['admin', 'audit', 'default', 'doug', 'nomfa']);
  assert.deepEqual(d, ['default', 'doug']);
  assert.deepEqual(flags, ['--token-code']);
  assert.deepEqual(shells, ['bash', 'zsh', 'fish', 'pwsh']);
  assert.deepEqual(afterEquals, ['fish']);
  assert.deepEqual(second, [], 'env takes one profile');
});

test('fish: complete -C offers commands, flags, shells and profile names', async (t) => {
  if (!(await requireShell(t, 'fish'))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const asks = ['awsmfa e', 'awsmfa use ', 'awsmfa env --shell ', 'awsmfa env --tok', 'awsmfa env doug ', 'awsmfa init '];
  const script = [`source '${join(COMPLETIONS_DIR, 'awsmfa.fish')}'`, ...asks.map((line) => `complete -C '${line}'; echo ---`)].join('\n');
  const run = await runShell('fish', script, { env: world.env });
  assert.equal(run.stderr, '');
  const [e, profiles, shells, flag, after, init] = run.stdout.split('---\n').map((block) => block.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!));
  assert.deepEqual(e, ['env', 'exec']);
  assert.deepEqual(profiles!.sort(), ['admin', 'audit', 'default', 'doug', 'nomfa']);
  assert.deepEqual(shells!.sort(), ['bash', 'fish', 'pwsh', 'zsh']);
  assert.deepEqual(flag, ['--token-code']);
  assert.deepEqual(after, [], 'env takes one profile, and no file names');
  assert.deepEqual(init!.sort(), ['bash', 'fish', 'pwsh', 'zsh']);
});
