/**
 * What `awsmfa init` prints: code only, every placeholder filled with values quoted for the shell, and
 * every integration script (the files in shells/, the generated completions, and the rendered output
 * for every combination of init's options) accepted by its shell's syntax check, by shellcheck and by
 * fish_indent, silently.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ShellName } from '../src/shell/dialect.js';
import { fillPlaceholders } from '../src/shell/integration.js';
import { awsmfa, CLI, createWorld, ROOT, runProgram, type World } from './helpers/fixture.js';
import { AWKWARD_PREFIX, INIT_VARIANTS, renderVariant, type InitVariant } from './helpers/init-variants.js';
import { initCode } from './helpers/integration.js';
import { shellAvailable } from './helpers/shells.js';

/** Options whose values need quoting in every shell. */
const AWKWARD_OPTIONS = ['--cmd', 'my-mfa', '--alias-prefix', AWKWARD_PREFIX, '--no-prompt'];

const CHECKS = {
  bash: { files: ['shells/awsmfa.bash', 'shells/completion/awsmfa.bash', 'completions/awsmfa.bash'], syntax: ['bash', '-n'] },
  zsh: { files: ['shells/awsmfa.zsh', 'shells/completion/_awsmfa', 'completions/_awsmfa'], syntax: ['zsh', '-n'] },
  fish: { files: ['shells/awsmfa.fish', 'shells/completion/awsmfa.fish', 'completions/awsmfa.fish'], syntax: ['fish', '--no-execute'] },
} as const;

async function silent(command: readonly string[], files: readonly string[], env: Record<string, string>): Promise<void> {
  const result = await runProgram(command[0]!, [...command.slice(1), ...files], { env });
  assert.equal(`${result.stdout}${result.stderr}`, '', `${command.join(' ')} ${files.join(' ')}`);
  assert.equal(result.code, 0, `${command.join(' ')} ${files.join(' ')}`);
}

/** Each option combination rendered into a file of its own; its name says which combination. */
async function renderedFiles(world: World, shell: ShellName, variants: readonly InitVariant[]): Promise<string[]> {
  return Promise.all(
    variants.map(async (variant) => {
      const index = INIT_VARIANTS.indexOf(variant);
      const path = join(world.home, `init-${index}.${shell}`);
      await writeFile(path, await renderVariant(shell, variant));
      return path;
    }),
  );
}

/**
 * The 16 combinations of the four options, each with a value where one is taken: the prefix that needs
 * quoting everywhere. (The other prefixes only change that one quoted word.)
 */
const OPTION_COMBINATIONS = INIT_VARIANTS.filter((v) => v.aliasPrefix === 'aws-' || v.aliasPrefix === AWKWARD_PREFIX);

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: the integration files and the rendered init for all ${INIT_VARIANTS.length} option variants pass ${CHECKS[shell].syntax.join(' ')}`, async (t) => {
    if (!(await shellAvailable(shell))) return t.skip(`${shell} not installed`);
    const world = await createWorld();
    t.after(() => world.close());
    const files = [...CHECKS[shell].files.map((f) => join(ROOT, f)), ...(await renderedFiles(world, shell, INIT_VARIANTS))];
    // One file per run: zsh -n and fish --no-execute read a single script.
    await Promise.all(files.map((file) => silent(CHECKS[shell].syntax, [file], world.env)));
  });
}

async function requireShellcheck(t: TestContext, env: Record<string, string>): Promise<boolean> {
  const version = await runProgram('shellcheck', ['--version'], { env }).catch(() => undefined);
  if (version?.code === 0) return true;
  t.skip('shellcheck not installed');
  return false;
}

test(`bash: shellcheck passes shells/awsmfa.bash, both completion scripts and the rendered init of all ${OPTION_COMBINATIONS.length} option combinations`, async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  if (!(await requireShellcheck(t, world.env))) return;
  const files = [...CHECKS.bash.files.map((f) => join(ROOT, f)), ...(await renderedFiles(world, 'bash', OPTION_COMBINATIONS))];
  // shellcheck takes about half a second a file: two runs, one per core, each with half the files.
  const half = Math.ceil(files.length / 2);
  await Promise.all([files.slice(0, half), files.slice(half)].map((part) => silent(['shellcheck', '--shell=bash', '--severity=style'], part, world.env)));
});

test('fish: fish_indent leaves every fish file as it is (shells/ and the generated completions)', async (t) => {
  if (!(await shellAvailable('fish'))) return t.skip('fish not installed');
  const world = await createWorld();
  t.after(() => world.close());
  for (const file of CHECKS.fish.files) {
    const text = await readFile(join(ROOT, file), 'utf8');
    const indented = await runProgram('fish_indent', [], { env: world.env, stdin: text }).catch(() => undefined);
    if (indented === undefined) return t.skip('fish_indent not installed');
    assert.equal(indented.stderr, '', file);
    assert.equal(indented.code, 0, file);
    if (indented.stdout !== text) {
      const a = text.split('\n');
      const b = indented.stdout.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(`${file} is not as fish_indent writes it; line ${line + 1}:\n  file:        ${a[line]}\n  fish_indent: ${b[line]}`);
    }
  }
});

test('the built CLI prints exactly the in-process rendering the variant tests check', async () => {
  const world = await createWorld();
  try {
    // No options, and all four with the prefix that needs quoting: the ends of the range.
    const checked = INIT_VARIANTS.filter((v) => v.args.length === 0 || (v.args.length === 6 && v.aliasPrefix === AWKWARD_PREFIX));
    assert.equal(checked.length, 2);
    await Promise.all(
      (['bash', 'zsh', 'fish', 'pwsh'] as const).flatMap((shell) =>
        checked.map(async (variant) => {
          const printed = await initCode(shell, world.env, variant.args);
          assert.ok(printed === (await renderVariant(shell, variant)), `awsmfa init ${shell} ${variant.label}`);
        }),
      ),
    );
  } finally {
    await world.close();
  }
});

test('init prints code only, with the CLI\'s own node and script, quoted, and no placeholder left', async () => {
  const world = await createWorld();
  try {
    for (const shell of ['bash', 'zsh', 'fish', 'pwsh']) {
      const result = await awsmfa(['init', shell, ...AWKWARD_OPTIONS], { env: world.env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '', 'nothing on stderr: init runs at every shell start');
      assert.doesNotMatch(result.stdout, /__AWSMFA_[A-Z_]+__/);
      assert.ok(result.stdout.includes(`'${process.execPath}'`), `${shell}: node`);
      assert.ok(result.stdout.includes(`'${CLI}'`), `${shell}: script`);
      assert.match(result.stdout, /my-mfa/);
    }
  } finally {
    await world.close();
  }
});

test('init refuses a wrapper name the shell cannot take, with the failure statement on stdout', async () => {
  const world = await createWorld();
  try {
    for (const [shell, name] of [['bash', 'if'], ['zsh', 'x y'], ['fish', 'end'], ['pwsh', 'a;b']]) {
      const result = await awsmfa(['init', shell!, '--cmd', name!], { env: world.env });
      assert.notEqual(result.code, 0, `${shell} ${name}`);
      assert.match(result.stderr, /cannot name a/);
      assert.doesNotMatch(result.stdout, /__awsmfa/);
    }
  } finally {
    await world.close();
  }
});

test('a placeholder without a value is an error, never passed on', () => {
  assert.equal(fillPlaceholders('a=__AWSMFA_X__', { __AWSMFA_X__: "'1'" }, 'f'), "a='1'");
  assert.throws(() => fillPlaceholders('a=__AWSMFA_Y__', { __AWSMFA_X__: '1' }, 'f'), /__AWSMFA_Y__/);
});
