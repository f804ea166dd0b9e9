/**
 * `npm run record` still works: in its quick mode it records the demo session and the four prompts
 * into a directory of the test's own, the pictures show what the README says they show, and not one
 * secret the emulator issued during the recording is anywhere in them. Timing is not checked.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, runProgram } from './helpers/fixture.js';

const missing = async (tool: string) =>
  promisify(execFile)('sh', ['-c', `command -v ${tool}`]).then(
    () => false,
    () => true,
  );

/** The frames of an asciicast (what each event draws), escapes removed. */
function castFrames(cast: string): string[] {
  return cast
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => (JSON.parse(line) as [number, string, string])[2])
    .filter((frame) => frame !== '')
    .map((frame) => frame.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
}

test('npm run record -- --quick records the session and the prompts, with no secret in them', async (t) => {
  for (const tool of ['tmux', 'zsh']) {
    if (await missing(tool)) return t.skip(`${tool} is not installed`);
  }
  const out = await mkdtemp(join(tmpdir(), 'awsmfa-record-test-'));
  const secrets = join(out, 'secrets.log');
  try {
    const result = await runProgram(process.execPath, ['--import', 'tsx', 'scripts/record.ts', '--quick', '--out', out], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWSMFA_EMULATOR_SECRETS_LOG: secrets, ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}) },
      cwd: ROOT,
      timeoutMs: 600_000,
    });
    assert.equal(result.code, 0, result.stderr);

    const cast = await readFile(join(out, 'demo.cast'), 'utf8');
    const frames = castFrames(cast);
    const text = frames.join('\n');
    // The code was typed at the hidden prompt and shown as stars; the session, the role without a
    // second code, status, the short session and unset are all there.
    assert.match(text, /MFA code for arn:aws:iam::123456789012:mfa\/demo: \*{6}/);
    assert.match(text, /\[demo \d+h(\d+m)?\] \(awsmfa demo\)/);
    assert.match(text, /awsmfa: demo-admin: session until/);
    assert.match(text, /This shell: demo-admin/);
    assert.match(text, /\[demo 1[45]m\]/);
    assert.match(text, /awsmfa: demo: removed; the earlier AWS_\* variables are back/);
    // The short session's prompt is yellow (SGR 33) in the last frames.
    assert.match(cast, /\\u001b\[33m\[demo 1[45]m\] /);
    // The whole flow asked for two codes: the role reused the MFA session.
    const asking = frames.filter((frame) => /MFA code for \S+: $/.test(frame.trimEnd().split('\n').at(-1) + ' '));
    assert.equal(asking.length, 2, 'frames waiting for a code');

    const svg = await readFile(join(out, 'demo.svg'), 'utf8');
    assert.match(svg, /^<svg /);
    assert.match(svg, /awsmfa/);
    const prompts = await readFile(join(out, 'prompts.svg'), 'utf8');
    assert.match(prompts, /\[demo/);
    for (const shell of ['bash', 'zsh', 'fish']) assert.match(prompts, new RegExp(`${shell}(</text>|\\s)`), `${shell} is in the prompts picture`);

    // The emulator logged every secret key and token it issued; none is in any file made.
    const issued = (await readFile(secrets, 'utf8')).split('\n').filter((line) => line.length >= 16);
    assert.ok(issued.length >= 3, 'the recording issued sessions');
    for (const file of ['demo.cast', 'demo.svg', 'prompts.svg']) {
      const content = await readFile(join(out, file), 'utf8');
      for (const secret of issued) assert.ok(!content.includes(secret), `a secret (${secret.slice(0, 4)}…) is in ${file}`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
