/**
 * `awsmfa env` and `awsmfa unset` end to end, the way people use them: the built CLI run from real
 * bash, zsh and fish (and the PowerShell engine), against the loopback STS emulator, with the real
 * `aws` CLI using what was exported.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { ShellName } from '../src/shell/dialect.js';
import { awsmfa, CLI, createWorld, type World } from './helpers/fixture.js';
import { PWSH_UNAVAILABLE, pwshAvailable, runPwsh } from './helpers/pwsh.js';
import { envAfterStatement, requireShell } from './helpers/shells.js';

const CONTRACT = [
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

/** What a person had in their shell before: awkward values that must come back byte for byte. */
const BEFORE = {
  AWS_PROFILE: "work 'profile'",
  AWS_REGION: ' us-west-2 $HOME `x` \\ ',
  AWS_SECURITY_TOKEN: 'stale-token',
};

async function awsCli(): Promise<string | undefined> {
  try {
    await promisify(execFile)('aws', ['--version']);
    return 'aws';
  } catch {
    return undefined;
  }
}

/** Per shell: apply `env`, run the aws CLI with the result, apply `env` again (cached), save the env, then `unset`. */
const SEQUENCE: Record<Exclude<ShellName, 'pwsh'>, (code: string, url: string, dir: string) => string> = {
  bash: (code, url, dir) =>
    `eval "$(awsmfa env doug --token-code ${code})" && aws sts get-caller-identity --endpoint-url ${url} --output text --query Arn > ${dir}/arn && eval "$(awsmfa env doug)" && env -0 > ${dir}/during && eval "$(awsmfa unset)"`,
  zsh: (code, url, dir) =>
    `eval "$(awsmfa env doug --token-code ${code})" && aws sts get-caller-identity --endpoint-url ${url} --output text --query Arn > ${dir}/arn && eval "$(awsmfa env doug)" && env -0 > ${dir}/during && eval "$(awsmfa unset)"`,
  fish: (code, url, dir) =>
    `awsmfa env doug --token-code ${code} | source; and aws sts get-caller-identity --endpoint-url ${url} --output text --query Arn > ${dir}/arn; and awsmfa env doug | source; and env -0 > ${dir}/during; and awsmfa unset | source`,
};

const FAILING: Record<Exclude<ShellName, 'pwsh'>, string> = {
  bash: 'eval "$(awsmfa env dougg --token-code 123456)" && echo RAN',
  zsh: 'eval "$(awsmfa env dougg --token-code 123456)" && echo RAN',
  fish: 'awsmfa env dougg --token-code 123456 | source; and echo RAN',
};

function parseEnv(dump: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of dump.toString('utf8').split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) result[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return result;
}

async function withWorld(t: TestContext, body: (world: World, dir: string) => Promise<void>): Promise<void> {
  const world = await createWorld();
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-e2e-'));
  try {
    await body(world, dir);
  } finally {
    await world.close();
    await rm(dir, { recursive: true, force: true });
  }
  void t;
}

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: env exports a session the aws CLI accepts, a second env uses the cache, unset restores everything`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    const aws = await awsCli();
    await withWorld(t, async (world, dir) => {
      const result = await envAfterStatement(shell, SEQUENCE[shell](world.code(), world.emulator.url, dir), CONTRACT, {
        env: { ...world.env, ...BEFORE },
        timeoutMs: 60_000,
      });
      assert.equal(result.status, 0, `the whole chain returned 0\n${result.stderr}`);

      const during = parseEnv(await readFile(join(dir, 'during')));
      assert.match(during.AWS_ACCESS_KEY_ID ?? '', /^ASIA[A-Z0-9]{16}$/);
      assert.ok((during.AWS_SECRET_ACCESS_KEY ?? '').length >= 40);
      assert.ok((during.AWS_SESSION_TOKEN ?? '').length > 100);
      assert.match(during.AWS_CREDENTIAL_EXPIRATION ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(during.AWS_SESSION_EXPIRATION, during.AWS_CREDENTIAL_EXPIRATION);
      assert.equal(Number(during.AWSMFA_EXPIRES_AT), Date.parse(during.AWS_CREDENTIAL_EXPIRATION!) / 1000);
      assert.equal(during.AWS_REGION, 'eu-west-1');
      assert.equal(during.AWS_DEFAULT_REGION, 'eu-west-1');
      assert.equal(during.AWSMFA_PROFILE, 'doug');
      for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SECURITY_TOKEN']) assert.equal(during[name], undefined, `${name} removed`);

      assert.equal(world.count('GetSessionToken'), 1, 'the second env was served from the cache');
      if (aws === undefined) t.diagnostic('aws CLI not installed: its check was not run');
      else assert.equal((await readFile(join(dir, 'arn'), 'utf8')).trim(), 'arn:aws:iam::123456789012:user/doug');

      for (const [name, value] of Object.entries(BEFORE)) assert.deepEqual(result.bytes[name], Buffer.from(value), `${name} restored byte for byte`);
      for (const name of CONTRACT.filter((n) => !(n in BEFORE))) assert.equal(result.vars[name], null, `${name} removed by unset`);
      assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning|AWS SDK/, 'no SDK notice reaches the terminal');
    });
  });

  test(`${shell}: a failed env changes nothing, and the eval fails so a && chain stops`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    await withWorld(t, async (world) => {
      const result = await envAfterStatement(shell, FAILING[shell], CONTRACT, { env: { ...world.env, ...BEFORE } });
      assert.notEqual(result.status, 0);
      assert.doesNotMatch(result.stdout, /RAN/);
      assert.match(result.stderr, /profile "dougg" is not in .*\n.*Did you mean "doug"/);
      for (const [name, value] of Object.entries(BEFORE)) assert.equal(result.vars[name], value);
      assert.equal(result.vars.AWS_ACCESS_KEY_ID, null);
      assert.equal(world.emulator.calls.length, 0);
    });
  });

  test(`${shell}: env a, env b, unset restores the original values, not a's`, async (t) => {
    if (!(await requireShell(t, shell))) return;
    await withWorld(t, async (world) => {
      const statement =
        shell === 'fish'
          ? `awsmfa env doug --token-code ${world.code()} | source; and awsmfa env admin | source; and awsmfa unset | source`
          : `eval "$(awsmfa env doug --token-code ${world.code()})" && eval "$(awsmfa env admin)" && eval "$(awsmfa unset)"`;
      const result = await envAfterStatement(shell, statement, CONTRACT, { env: { ...world.env, ...BEFORE } });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(world.count('GetSessionToken'), 1, 'the role used the cached MFA session');
      assert.equal(world.count('AssumeRole'), 1);
      for (const [name, value] of Object.entries(BEFORE)) assert.equal(result.vars[name], value);
      assert.equal(result.vars.AWS_ACCESS_KEY_ID, null);
    });
  });
}

test('the env output is shell code only, and stderr says what happened without secrets', async () => {
  const world = await createWorld();
  try {
    const result = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(result.code, 0);
    // Exports and removals, inside the one `if` that records (unexported) what was there before.
    const RECORDING = /^ *(if true; then|fi|if \[ -z "\$\{__awsmfa_saved\+x\}" \]; then|__awsmfa_saved=1|if \[ -n "\$\{(__awsmfa_saved_)?[A-Z_]+\+x\}" \]; then (__awsmfa_saved_[A-Z_]+=\$[A-Z_]+|export [A-Z_]+="\$__awsmfa_saved_[A-Z_]+"); else unset -v (__awsmfa_saved_)?[A-Z_]+; fi)$/;
    for (const line of result.stdout.trimEnd().split('\n')) assert.match(line, new RegExp(`^(export [A-Z_]+='.*'|unset -v [A-Z_]+)$|${RECORDING.source}`));
    assert.match(result.stderr, /^awsmfa: doug: session until .* \((?:12h|11h 59m) left\)\n$/);
    const secret = /AWS_SECRET_ACCESS_KEY='([^']+)'/.exec(result.stdout)?.[1];
    assert.ok(secret !== undefined && !result.stderr.includes(secret));
  } finally {
    await world.close();
  }
});

test('pwsh: env through Out-String | Invoke-Expression sets the session, unset restores, a failure stops && and changes nothing', async (t) => {
  if (!(await pwshAvailable())) {
    t.skip(PWSH_UNAVAILABLE);
    return;
  }
  const world = await createWorld();
  try {
    const node = `& '${process.execPath}' '${CLI}'`;
    const [applied, cached, unset, failed] = await runPwsh(
      [
        `${node} env doug --shell pwsh --token-code ${world.code()} | Out-String | Invoke-Expression`,
        `${node} env doug --shell pwsh | Out-String | Invoke-Expression; $env:AWS_ACCESS_KEY_ID`,
        `${node} unset --shell pwsh | Out-String | Invoke-Expression`,
        `${node} env dougg --shell pwsh --token-code 123456 | Out-String | Invoke-Expression && 'RAN' || 'STOPPED'`,
      ],
      { env: { ...world.env, ...BEFORE } },
    );
    assert.ok(applied && cached && unset && failed);
    assert.deepEqual(applied.errors, []);
    assert.match(applied.env.AWS_ACCESS_KEY_ID ?? '', /^ASIA/);
    assert.equal(applied.env.AWS_REGION, 'eu-west-1');
    assert.equal(applied.env.AWS_PROFILE, undefined);
    assert.equal(applied.env.AWSMFA_PROFILE, 'doug');
    assert.deepEqual(cached.output, [applied.env.AWS_ACCESS_KEY_ID]);
    assert.equal(world.count('GetSessionToken'), 1);
    for (const [name, value] of Object.entries(BEFORE)) assert.equal(unset.env[name], value, `${name} restored`);
    assert.equal(unset.env.AWS_ACCESS_KEY_ID, undefined);
    assert.equal(unset.env.AWSMFA_SAVED_ENV, undefined);
    // The program's status makes the pipeline fail; the statement it printed writes an error.
    assert.ok(failed.hadErrors, 'the failed env wrote an error');
    assert.deepEqual(failed.output, ['STOPPED']);
    assert.equal(failed.env.AWS_ACCESS_KEY_ID, undefined);
    assert.equal(failed.env.AWS_PROFILE, BEFORE.AWS_PROFILE);
  } finally {
    await world.close();
  }
});
