/**
 * The bash tests again under bash 3.2, macOS's /bin/bash: env/unset through eval, the integration
 * (wrapper, prompt, aliases, completion, in scripts and in a terminal), strict mode and the quoting
 * fuzz. They run in a child test run whose PATH starts with a directory where `bash` is bash 3.2, so
 * every bash they start, and every script run with `#!/usr/bin/env bash`, is that one. Where bash 3.2
 * lacks what a check itself uses (`${PS1@P}`, EPOCHSECONDS, globstar), those tests say what they
 * check instead.
 *
 * bash 3.2 comes from ../shared/tools/build-bash-3.2.sh (CI builds it into ~/.cache); its path may
 * also be given in AWSMFA_TEST_BASH32.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, symlink } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/fixture.js';

const FILES = ['env-shells', 'init-shells', 'init-strict', 'quoting-fuzz', 'completions-engines', 'prompt-pty'];

async function findBash32(): Promise<string | undefined> {
  const candidates = [
    process.env.AWSMFA_TEST_BASH32,
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bash-3.2.48', 'bash'),
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

test('bash 3.2: the bash tests of env, the integration, strict mode, completion, the prompt and the quoting fuzz', async (t) => {
  const bash32 = await findBash32();
  if (bash32 === undefined) return t.skip('bash 3.2 not built (../shared/tools/build-bash-3.2.sh, or AWSMFA_TEST_BASH32)');
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-bash32-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await symlink(bash32, join(dir, 'bash'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}` };
  // Set by the test runner in the processes it starts; a child run with it would report to this one.
  delete env.NODE_TEST_CONTEXT;

  const version = await run('bash', ['-c', 'printf %s "$BASH_VERSION"'], env);
  assert.match(version.output, /^3\.2\./, 'bash on the child PATH is 3.2');

  const files = FILES.map((name) => join('test', `${name}.test.ts`));
  const done = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-name-pattern=^bash', ...files], env);
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(done.output)?.[1] ?? NaN);
  const failures = done.output.split('\n').filter((line) => /^\s*not ok /.test(line));
  t.diagnostic(`bash ${version.output}: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped (the other shells' tests)`);
  assert.equal(done.code, 0, `${failures.join('\n')}\n\n${done.output.slice(-20_000)}`);
  assert.ok(count('pass') >= 15, `the bash tests ran: ${count('pass')} passed`);
  assert.equal(count('fail'), 0);
});
