/**
 * What a start of the CLI loads. A cached `env` must not load the AWS SDK (it lives in dist/sts-client.js,
 * required only when a request is made), nor Node's HTTP stack or child processes; a new session must
 * load the SDK.
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
