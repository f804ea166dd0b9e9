/**
 * What a start of the CLI loads. A cached `env` must not load the AWS SDK (it lives in dist/sts-client.js,
 * required only when a request is made), nor Node's HTTP stack or child processes; a new session must
 * load the SDK. A cached `env` compiles only dist/awsmfa-env.js (src/fast-env.ts).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, createWorld, runProgram } from './helpers/fixture.js';

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
