/**
 * What `awsmfa init` prints: code only, every placeholder filled with values quoted for the shell, and
 * every integration script (the files in shells/, the generated completions and the rendered output,
 * with and without options) accepted by its shell's syntax check and by shellcheck, silently.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fillPlaceholders } from '../src/shell/integration.js';
import { awsmfa, CLI, createWorld, ROOT, runProgram, type World } from './helpers/fixture.js';
import { initCode } from './helpers/integration.js';
import { shellAvailable } from './helpers/shells.js';

/** Options whose values need quoting in every shell. */
const AWKWARD_OPTIONS = ['--cmd', 'my-mfa', '--alias-prefix', "it's \\ $(x) `y` %z-", '--no-prompt'];

const CHECKS = {
  bash: { files: ['shells/awsmfa.bash', 'shells/completion/awsmfa.bash', 'completions/awsmfa.bash'], syntax: ['bash', '-n'] },
  zsh: { files: ['shells/awsmfa.zsh', 'shells/completion/_awsmfa', 'completions/_awsmfa'], syntax: ['zsh', '-n'] },
  fish: { files: ['shells/awsmfa.fish', 'shells/completion/awsmfa.fish', 'completions/awsmfa.fish'], syntax: ['fish', '--no-execute'] },
} as const;

async function silent(t: { diagnostic(message: string): void }, command: readonly string[], file: string, env: Record<string, string>): Promise<void> {
  const result = await runProgram(command[0]!, [...command.slice(1), file], { env });
  assert.equal(`${result.stdout}${result.stderr}`, '', `${command.join(' ')} ${file}`);
  assert.equal(result.code, 0, `${command.join(' ')} ${file}`);
}

async function renderedFiles(world: World, shell: keyof typeof CHECKS): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, args] of [[], AWKWARD_OPTIONS, ['--no-aliases', '--alias-prefix', '']].entries()) {
    const path = join(world.home, `rendered-${i}.${shell}`);
    await writeFile(path, await initCode(shell, world.env, args));
    paths.push(path);
  }
  return paths;
}

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: the integration files and every rendered init pass the syntax check${shell === 'bash' ? ' and shellcheck' : ''}`, async (t) => {
    if (!(await shellAvailable(shell))) return t.skip(`${shell} not installed`);
    const world = await createWorld();
    t.after(() => world.close());
    const files = [...CHECKS[shell].files.map((f) => join(ROOT, f)), ...(await renderedFiles(world, shell))];
    await Promise.all(files.map((file) => silent(t, CHECKS[shell].syntax, file, world.env)));
    if (shell === 'bash') {
      const shellcheck = await runProgram('shellcheck', ['--version'], { env: world.env }).catch(() => undefined);
      if (shellcheck?.code !== 0) return t.skip('shellcheck not installed');
      await Promise.all(files.map((file) => silent(t, ['shellcheck', '--shell=bash', '--severity=style'], file, world.env)));
    }
  });
}

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
