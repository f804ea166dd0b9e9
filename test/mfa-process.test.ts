/**
 * `mfa_process`: run as the AWS CLI runs credential_process (split into words, no shell), its last line
 * of output used as the code; every way it can fail reported as what to do. And the reuse guard: a
 * program that prints the same code twice within its window is refused locally, before AWS sees it.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADMIN_ROLE, CLI, DOUG_SERIAL, createWorld, runProgram, type World } from './helpers/fixture.js';

interface Programs {
  readonly dir: string;
  readonly codeFile: string;
}

/** Small programs standing in for `ykman oath accounts code`, in a directory whose name has a space. */
async function programs(world: World): Promise<Programs> {
  const dir = join(world.home, 'mfa tools');
  await mkdir(dir);
  const scripts: Record<string, string> = {
    'code.sh': 'echo "Touch your key..." >&2\necho "some banner"\ncat "$1"\n',
    'fail.sh': 'echo "no device found" >&2\nexit 3\n',
    'short.sh': 'echo 12345\n',
    'killed.sh': 'kill -KILL $$\n',
    'slow.sh': 'trap "" TERM\nexec sleep 30\n',
    // Leaves a job in the background that holds its stdout open long after the program itself exits.
    'background.sh': 'cat "$1"\nsleep 120 &\necho $! > "$1.pid"\n',
  };
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(dir, name), `#!/bin/sh\n${body}`);
    await chmod(join(dir, name), 0o755);
  }
  return { dir, codeFile: join(world.home, 'current code') };
}

function config(p: Programs): string {
  const profile = (name: string, mfaProcess: string) => `[profile ${name}]\nmfa_serial = ${DOUG_SERIAL}\nmfa_process = ${mfaProcess}\n\n`;
  return (
    profile('doug', `"${p.dir}/code.sh" '${p.codeFile}'`) +
    `[profile admin]\nrole_arn = ${ADMIN_ROLE}\nsource_profile = doug\n\n` +
    profile('missing', '/nonexistent/ykman oath accounts code') +
    profile('failing', `'${p.dir}/fail.sh'`) +
    profile('short', `'${p.dir}/short.sh'`) +
    profile('killed', `'${p.dir}/killed.sh'`) +
    profile('unbalanced', `'${p.dir}/code.sh`) +
    profile('noshell', 'printf %s $(echo 123456)') +
    profile('slow', `'${p.dir}/slow.sh'`) +
    profile('background', `'${p.dir}/background.sh' '${p.codeFile}'`)
  );
}

const credentials = (user: World['user']) =>
  ['doug', 'missing', 'failing', 'short', 'killed', 'unbalanced', 'noshell', 'slow', 'background']
    .map((name) => `[${name}]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`)
    .join('\n');

async function withPrograms(body: (world: World, p: Programs) => Promise<void>) {
  const world = await createWorld({ credentials });
  try {
    const p = await programs(world);
    await writeFile(world.configPath, config(p));
    await body(world, p);
  } finally {
    await world.close();
  }
}

const awsmfa = (world: World, args: string[], env: Record<string, string> = {}) => runProgram(process.execPath, [CLI, ...args], { env: { ...world.env, ...env } });

test('the code comes from mfa_process, quoted words and all, with its stderr left on the terminal', async () => {
  await withPrograms(async (world, p) => {
    await writeFile(p.codeFile, `${world.code()}\n`);
    const result = await awsmfa(world, ['env', 'doug', '--shell', 'bash']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /export AWS_SESSION_TOKEN=/);
    assert.match(result.stderr, /Touch your key\.\.\./, 'the program talks to the person directly');
    assert.equal(world.count('GetSessionToken'), 1);

    // A role inherits mfa_process from its source profile; --force-mfa asks the program for a new code.
    await writeFile(p.codeFile, `${world.code()}\n`);
    const role = await awsmfa(world, ['env', 'admin', '--force-mfa']);
    assert.equal(role.code, 0, role.stderr);
    assert.equal(world.count('GetSessionToken'), 2);
    assert.equal(world.count('AssumeRole'), 1);
  });
});

test('every way mfa_process can fail is reported, before any call to AWS', async () => {
  await withPrograms(async (world) => {
    const cases: [string, RegExp][] = [
      ['missing', /mfa_process in \[missing\] of .*config failed: \/nonexistent\/ykman was not found/],
      ['failing', /mfa_process in \[failing\] of .*config failed: it exited with status 3/],
      ['short', /the MFA code from mfa_process in \[short\] of .*config has 5 digits; it must be exactly six digits/],
      ['killed', /mfa_process in \[killed\] of .*config failed: it was killed by SIGKILL/],
      ['unbalanced', /mfa_process in \[unbalanced\] of .*config cannot be split into words/],
      // No shell: $(echo 123456) reaches printf as two words, unexpanded.
      ['noshell', /the MFA code from mfa_process in \[noshell\] of .*config is not only digits/],
    ];
    const results = await Promise.all(cases.map(([profile]) => awsmfa(world, ['env', profile, '--shell', 'bash'])));
    for (const [index, [profile, expected]] of cases.entries()) {
      const result = results[index]!;
      assert.equal(result.code, 1, `${profile}: ${result.stderr}`);
      assert.match(result.stderr, expected, profile);
      assert.doesNotMatch(result.stdout, /export/, `${profile}: no exports`);
    }
    assert.match(results[1]!.stderr, /no device found/, 'the program\'s own explanation is shown');

    // One that never answers (and ignores SIGTERM) is stopped at the time limit.
    const started = Date.now();
    const slow = await awsmfa(world, ['env', 'slow'], { AWSMFA_MFA_PROCESS_TIMEOUT: '0.5' });
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /mfa_process in \[slow\] of .*config failed: it did not finish within 0.5 s/);
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
    assert.equal(world.emulator.calls.length, 0);
  });
});

test('a code mfa_process prints twice in its window is refused locally, with the wait', async () => {
  await withPrograms(async (world, p) => {
    await writeFile(p.codeFile, `${world.code()}\n`);
    const first = await awsmfa(world, ['env', 'doug']);
    assert.equal(first.code, 0, first.stderr);
    const calls = world.emulator.calls.length;

    const again = await awsmfa(world, ['env', 'doug', '--force']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /this MFA code was already used for arn:aws:iam::123456789012:mfa\/doug \d+ s ago, and AWS accepts each code once/);
    assert.match(again.stderr, /Wait for the next code \(at most \d+ s\) and try again/);
    assert.equal(world.emulator.calls.length, calls, 'AWS never saw the repeated code');

    // The guard is per device: the same code for a role's MFA session is refused the same way.
    const role = await awsmfa(world, ['exec', 'admin', '--force-mfa', '--', 'true']);
    assert.equal(role.code, 1);
    assert.match(role.stderr, /already used/);
  });
});

test('mfa_process that exits leaving a background job on its stdout: its code is used, nothing waits for the job', async () => {
  await withPrograms(async (world, p) => {
    await writeFile(p.codeFile, `${world.code()}\n`);
    try {
      // The limit is far above what the program takes and far below the background job's life: before,
      // awsmfa waited for the pipe to close and failed at the limit, holding the device's lock meanwhile.
      const result = await awsmfa(world, ['env', 'background', '--shell', 'bash'], { AWSMFA_MFA_PROCESS_TIMEOUT: '40' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /export AWS_SESSION_TOKEN=/);
      assert.equal(world.count('GetSessionToken'), 1);
    } finally {
      const pid = Number(await readFile(`${p.codeFile}.pid`, 'utf8').catch(() => ''));
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  });
});
