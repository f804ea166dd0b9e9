/**
 * What a start of the CLI loads. A cached `env` must not load the AWS SDK (it lives in dist/sts-client.js,
 * required only when a request is made), nor Node's HTTP stack or child processes; a new session must
 * load the SDK. A cached `env` compiles only dist/awsmfa-env.js (src/fast-env.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, createWorld, runProgram } from './helpers/fixture.js';

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** Preloaded into the CLI's process: at exit, what was loaded goes to a file as JSON. */
const REPORTER = `
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  writeFileSync(process.env.LOADED_REPORT, JSON.stringify({
    files: Object.keys(require.cache),
    builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
  }));
});
`;

test('a cached env loads neither the SDK nor HTTP; a new session loads the SDK bundle', async () => {
  const world = await createWorld();
  try {
    const reporter = join(world.home, 'reporter.cjs');
    const report = join(world.home, 'loaded.json');
    await writeFile(reporter, REPORTER);
    const run = async (args: string[]) => {
      const result = await runProgram(process.execPath, ['-r', reporter, CLI, ...args], { env: { ...world.env, LOADED_REPORT: report } });
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(report, 'utf8'))) as { files: string[]; builtins: string[] };
    };

    const fresh = await run(['env', 'doug', '--shell', 'bash', '--token-code', world.code()]);
    assert.ok(fresh.files.some((file) => file.endsWith('/dist/sts-client.js')), 'a new session needs the SDK');

    const cached = await run(['env', 'doug', '--shell', 'bash']);
    assert.deepEqual(cached.files.filter((file) => /sts-client|@aws-sdk|@smithy/.test(file)), []);
    for (const builtin of ['http', 'https', 'http2', 'child_process']) assert.ok(!cached.builtins.includes(builtin), `${builtin} is not loaded`);
    assert.equal(world.count('GetSessionToken'), 1);
  } finally {
    await world.close();
  }
});

/** Preloaded: records every vm.Script the launcher compiles, and whether V8 took its code cache. */
const SCRIPTS = `
const vm = require('node:vm');
const { writeFileSync } = require('node:fs');
const seen = [];
vm.Script = class extends vm.Script {
  constructor(code, options) {
    super(code, options);
    seen.push({ file: options && options.filename, cached: !!(options && options.cachedData), rejected: this.cachedDataRejected === true });
  }
};
process.on('exit', () => writeFileSync(process.env.SCRIPTS_REPORT, JSON.stringify(seen)));
`;

test('a new session compiles the SDK bundle through the code cache made at build time, and V8 takes it', async () => {
  const world = await createWorld();
  try {
    const preload = join(world.home, 'scripts.cjs');
    const report = join(world.home, 'scripts.json');
    await writeFile(preload, SCRIPTS);
    const result = await runProgram(process.execPath, ['-r', preload, CLI, 'env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: { ...world.env, SCRIPTS_REPORT: report } });
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(report, 'utf8'))) as { file: string; cached: boolean; rejected: boolean }[];
    const sdk = seen.find((script) => script.file.endsWith('/dist/sts-client.js'));
    assert.ok(sdk, JSON.stringify(seen));
    assert.deepEqual({ cached: sdk.cached, rejected: sdk.rejected }, { cached: true, rejected: false });
    const main = seen.find((script) => script.file.endsWith('/dist/awsmfa-main.js'));
    assert.deepEqual(main && { cached: main.cached, rejected: main.rejected }, { cached: true, rejected: false });
  } finally {
    await world.close();
  }
});

test('a cached env compiles only its own bundle, through the code cache the build warmed with cached envs, and V8 takes it', async () => {
  const world = await createWorld();
  try {
    const preload = join(world.home, 'scripts.cjs');
    const report = join(world.home, 'scripts.json');
    await writeFile(preload, SCRIPTS);
    const made = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(made.code, 0, made.stderr);
    const result = await runProgram(process.execPath, ['-r', preload, CLI, 'env', 'doug', '--shell', 'fish'], { env: { ...world.env, SCRIPTS_REPORT: report } });
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(report, 'utf8'))) as { file: string; cached: boolean; rejected: boolean }[];
    assert.deepEqual(
      seen.map((script) => ({ file: script.file.slice(script.file.lastIndexOf('/') + 1), cached: script.cached, rejected: script.rejected })),
      [{ file: 'awsmfa-env.js', cached: true, rejected: false }],
    );
  } finally {
    await world.close();
  }
});

test('a cached env asks whether stderr is a terminal without loading node:tty (and with it node:net), nor node:os', async (t) => {
  const world = await createWorld();
  try {
    const reporter = join(world.home, 'reporter.cjs');
    const report = join(world.home, 'loaded.json');
    await writeFile(reporter, REPORTER);
    const made = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(made.code, 0, made.stderr);
    const loaded = async () => JSON.parse(await readFile(report, 'utf8')) as { files: string[]; builtins: string[] };
    const env = { ...world.env, LOADED_REPORT: report };
    const command = [process.execPath, '-r', reporter, CLI, 'env', 'doug', '--shell', 'bash'].map(quote).join(' ');
    const out = join(world.home, 'out.sh');
    const cases: [string, string][] = [['stderr on /dev/null', `${command} >${quote(out)} 2>/dev/null`]];
    // A terminal on stderr, as a user has: a pseudo-terminal made by script(1).
    if (spawnSync('script', ['-V']).status === 0) cases.push(['stderr on a terminal', `script -qec ${quote(`${command} >${quote(out)}`)} /dev/null`]);
    else t.diagnostic('script(1) is not installed (apt-get install bsdutils): the terminal case is not run');
    for (const [label, line] of cases) {
      const result = await runProgram('bash', ['-c', line], { env });
      assert.equal(result.code, 0, `${label}: ${result.stderr}`);
      if (label === 'stderr on a terminal') assert.match(result.stdout, /awsmfa: doug: cached session until/, label);
      assert.match(await readFile(out, 'utf8'), /AWS_SESSION_TOKEN/, label);
      const { builtins } = await loaded();
      for (const name of ['tty', 'net', 'os', 'stream']) assert.ok(!builtins.includes(name), `${label}: node:${name} is loaded`);
    }
  } finally {
    await world.close();
  }
});
