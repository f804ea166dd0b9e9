/**
 * The benchmarks are not timed tests: this only proves that `npm run bench` still runs, in its quick
 * mode, and produces its table. The figures themselves are in docs/benchmarks.md.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT, runProgram } from './helpers/fixture.js';

test('npm run bench runs in quick mode and prints its table', async () => {
  const result = await runProgram(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', '--quick'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    cwd: ROOT,
    // A guard against a hang, not a time limit: on a busy machine the quick run has taken over 4 minutes.
    timeoutMs: 900_000,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\| case \| floor \/ peer \|/m);
  assert.match(result.stdout, /awsmfa env doug`, live cached session \| `node -e 0` \| \d/);
});
