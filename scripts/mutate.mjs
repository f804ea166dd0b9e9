// Mutation testing of the guards: for each security-critical module, StrykerJS plants small bugs
// (mutants) in that module alone and runs only the tests that cover it, so a full run stays within
// half an hour on two cores. StrykerJS has no runner for node:test, so its command runner starts the
// module's test files per mutant (see testCommand); the tests import the sources through tsx, and the mutant to switch
// on reaches them through the __STRYKER_ACTIVE_MUTANT__ environment variable.
//
//   npm run mutate                       every module
//   npm run mutate -- lock reuse         the modules named
//   npm run mutate -- --incremental lock  only the mutants whose code or tests changed since the last
//                                        run (reports/mutation/<module>.incremental.json)
//   MUTATE_CONCURRENCY=1 npm run mutate  one mutant at a time (default 2, one per core)
//
// Scores go to reports/mutation/<module>.json (mutation-testing-report-schema) and a summary to stdout.
import { Stryker } from '@stryker-mutator/core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODULES } from './mutate-modules.mjs';

const root = new URL('..', import.meta.url).pathname;
const incremental = process.argv.includes('--incremental');
const wanted = process.argv.slice(2).filter((argument) => argument !== '--incremental');
const unknown = wanted.filter((name) => !MODULES.some((module) => module.name === name));
if (unknown.length > 0) {
  console.error(`mutate: no module named ${unknown.join(', ')}; the modules are ${MODULES.map((module) => module.name).join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length === 0 ? MODULES : MODULES.filter((module) => wanted.includes(module.name));
const reports = join(root, 'reports', 'mutation');
await mkdir(reports, { recursive: true });

/**
 * Each test file run by node itself, not under `node --test`: node:test still runs the file's tests and
 * exits 1 when one fails, and the runner's own process (a second node, with tsx loaded again) is saved on
 * every mutant. With several files, the first that fails ends the run: one failure kills the mutant.
 */
function testCommand(module) {
  const pattern = module.pattern === undefined ? '' : ` --test-name-pattern='${module.pattern}'`;
  return module.tests.map((file) => `node --import tsx${pattern} ${file}`).join(' && ');
}

const summary = [];
const begun = Date.now();
for (const module of chosen) {
  const started = Date.now();
  const stryker = new Stryker({
    mutate: module.mutate,
    testRunner: 'command',
    commandRunner: { command: testCommand(module) },
    coverageAnalysis: 'off',
    concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
    // A mutant that makes a test hang (a loop that never ends, a wait that never returns) counts as killed.
    // The limit is the unmutated run's time × 1.5 + 8 s: each module's tests take 1–4 s, so a mutant
    // that is merely slow is not taken for a hang, and a hang costs about ten seconds, not a minute.
    timeoutMS: 8_000,
    timeoutFactor: 1.5,
    incremental,
    incrementalFile: join(reports, `${module.name}.incremental.json`),
    reporters: ['json', 'clear-text', 'progress-append-only'],
    jsonReporter: { fileName: join(reports, `${module.name}.json`) },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    // One directory per module, so that runs of different modules can go on side by side.
    tempDirName: `.stryker-tmp/${module.name}`,
    ignorePatterns: ['.stryker-tmp', 'dist', 'reports', 'bench-results', '.dist-*', 'test/pwsh-host/bin', 'test/pwsh-host/obj'],
    cleanTempDir: true,
    logLevel: 'warn',
    fileLogLevel: 'off',
    disableTypeChecks: 'src/**/*.ts',
    plugins: [],
  });
  const results = await stryker.runMutationTest();
  const count = (status) => results.filter((result) => result.status === status).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  summary.push({
    module: module.name,
    mutants: results.length,
    killed,
    timeout,
    survived,
    noCoverage,
    // Marked equivalent (or not a guard) in the source with a `Stryker disable` comment saying why.
    excluded: count('Ignored'),
    errors: count('CompileError') + count('RuntimeError'),
    score: valid === 0 ? null : Math.round((1000 * (killed + timeout)) / valid) / 10,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  console.log(JSON.stringify(summary.at(-1)));
}
// Modules run earlier keep their rows, so that runs of single modules add up to one table.
const file = join(reports, 'summary.json');
const earlier = JSON.parse(await readFile(file, 'utf8').catch(() => '[]')).filter((row) => !chosen.some((module) => module.name === row.module));
const order = (row) => MODULES.findIndex((module) => module.name === row.module);
await writeFile(file, `${JSON.stringify([...earlier, ...summary].sort((a, b) => order(a) - order(b)), null, 2)}\n`);
console.table(summary);
console.log(`mutate: ${chosen.length} module(s) in ${Math.round((Date.now() - begun) / 1000)} s`);
