/**
 * doctor on files the AWS CLI refuses or reads in a way their writer did not mean, through the built
 * CLI: a refusal is a failed check naming the file, the line and why (where it used to say the file
 * was fine), and the traps are warnings with a fix. Commands that cannot go on say the same.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { awsmfa, CLI, createWorld, DEFAULT_CONFIG, DEFAULT_CREDENTIALS, runProgram, type World } from './helpers/fixture.js';

interface Check {
  check: string;
  status: string;
  message: string;
  fix: string | null;
}

async function doctor(world: World): Promise<{ code: number | null; checks: Check[] }> {
  const run = await awsmfa(['doctor', 'doug', '--offline', '--json'], { env: { ...world.env, SHELL: '/bin/bash' } });
  return { code: run.code, checks: (JSON.parse(run.stdout) as { checks: Check[] }).checks };
}

test('a file the AWS CLI refuses: doctor fails naming file, line and why; env stops with the same words', async () => {
  const world = await createWorld();
  try {
    const cases: [string, string, RegExp][] = [
      ['a repeated section', `${DEFAULT_CONFIG(world.user)}\n[profile doug]\nregion = x\n`, /config \("Unable to parse config file"\): line \d+: section \[profile doug\] appears twice/],
      ['a BOM', `\ufeff${DEFAULT_CONFIG(world.user)}`, /line 1: the file starts with a UTF-8 byte order mark/],
      ['a repeated key', DEFAULT_CONFIG(world.user).replace('region = eu-west-1', 'region = eu-west-1\nRegion = eu-west-2'), /line \d+: key region appears twice in \[profile doug\]/],
    ];
    for (const [what, config, why] of cases) {
      await writeFile(world.configPath, config);
      const report = await doctor(world);
      assert.equal(report.code, 1, what);
      const failed = report.checks.find((check) => check.status === 'fail' && why.test(check.message));
      assert.ok(failed, `${what}: ${JSON.stringify(report.checks.filter((c) => c.status !== 'ok'))}`);
      assert.match(failed.fix!, /Fix line \d+ of .*config/);
      const env = await awsmfa(['env', 'doug', '--token-code', '123456'], { env: world.env });
      assert.equal(env.code, 1, what);
      assert.match(env.stderr, why, what);
    }
  } finally {
    await world.close();
  }
});

test('traps: a comment after a value, an indented line under a key, [DEFAULT], [x] in config and [profile x] in credentials', async () => {
  const world = await createWorld();
  try {
    await writeFile(
      world.configPath,
      `${DEFAULT_CONFIG(world.user)}\n[profile spare] \noutput = json # or text\nregion = eu-west-1\n  [profile hidden]\n[plain]\nregion = x\n[DEFAULT]\ncli_pager =\n`,
    );
    await writeFile(world.credentialsPath, `${DEFAULT_CREDENTIALS(world.user)}\n[profile old]\naws_access_key_id = AKIAOLDOLDOL0EXAMPLE\naws_secret_access_key = oldEXAMPLE\n`);
    const report = await doctor(world);
    const traps = report.checks.filter((check) => check.check === 'config-trap');
    const messages = traps.map((check) => check.message).join('\n');
    assert.match(messages, /line \d+: the AWS CLI reads output as "json # or text", comment included/);
    assert.match(messages, /line \d+: the AWS CLI reads this indented line as part of the value of region \(line \d+\) in \[profile spare\]/);
    assert.match(messages, /the AWS CLI gives the keys of \[DEFAULT\] to every profile/);
    assert.match(messages, /\[plain\] is not a profile for the AWS CLI/);
    assert.match(messages, /credentials line \d+: the AWS CLI reads \[profile old\] in the credentials file as the profile "profile old"/);
    for (const trap of traps) {
      assert.equal(trap.status, 'warn');
      assert.ok(trap.fix);
    }
    assert.equal(report.code, 1);
  } finally {
    await world.close();
  }
});

test('env without a profile takes AWS_DEFAULT_PROFILE before AWS_PROFILE, as the AWS CLI does', async () => {
  const world = await createWorld();
  try {
    const run = await awsmfa(['env', '--token-code', '123456'], { env: { ...world.env, AWS_PROFILE: 'doug', AWS_DEFAULT_PROFILE: 'nomfa' } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /profile \[nomfa\] has no mfa_serial/);
  } finally {
    await world.close();
  }
});

test('each AWS file is opened and read once per run, new session, cached session, role and list alike (strace)', async (t) => {
  if (spawnSync('strace', ['-V']).status !== 0) {
    t.skip('strace is not installed (apt-get install strace)');
    return;
  }
  const world = await createWorld();
  try {
    const trace = join(world.home, 'strace.txt');
    for (const args of [['env', 'doug', '--token-code', world.code()], ['env', 'doug'], ['env', 'admin'], ['list']]) {
      const run = await runProgram('strace', ['-f', '-e', 'trace=open,openat', '-o', trace, process.execPath, CLI, ...args], { env: world.env });
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      const opens = (await readFile(trace, 'utf8')).split('\n').filter((line) => !line.includes('ENOENT'));
      for (const path of [world.configPath, world.credentialsPath]) {
        assert.equal(opens.filter((line) => line.includes(`"${path}"`)).length, 1, `${args.join(' ')} opens ${path} once`);
      }
    }
  } finally {
    await world.close();
  }
});
