// Mutation testing of the guards: for each security-critical module, StrykerJS plants small bugs
// (mutants) in that module alone and runs only the tests that cover it, so a full run stays within
// half an hour on two cores. StrykerJS has no runner for node:test, so its command runner starts a
// focused `node --test` per mutant; the tests import the sources through tsx, and the mutant to switch
// on reaches them through the __STRYKER_ACTIVE_MUTANT__ environment variable.
//
//   npm run mutate                 every module
//   npm run mutate -- lock reuse   the modules named
//
// Scores go to reports/mutation/<module>.json (mutation-testing-report-schema) and a summary to stdout.
import { Stryker } from '@stryker-mutator/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODULES } from './mutate-modules.mjs';

const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !MODULES.some((module) => module.name === name));
if (unknown.length > 0) {
  console.error(`mutate: no module named ${unknown.join(', ')}; the modules are ${MODULES.map((module) => module.name).join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length === 0 ? MODULES : MODULES.filter((module) => wanted.includes(module.name));
const reports = join(root, 'reports', 'mutation');
await mkdir(reports, { recursive: true });

const summary = [];
for (const module of chosen) {
  const started = Date.now();
  const stryker = new Stryker({
    mutate: module.mutate,
    testRunner: 'command',
    commandRunner: {
      command: ['node --import tsx --test', module.pattern ? `--test-name-pattern='${module.pattern}'` : '', ...module.tests].filter(Boolean).join(' '),
    },
    coverageAnalysis: 'off',
    concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
    // A mutant that makes a test hang (a loop that never ends, a wait that never returns) counts as killed.
    timeoutMS: 60_000,
    timeoutFactor: 2,
    reporters: ['json', 'clear-text'],
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
  const killed = count('Killed') + count('Timeout');
  const survived = count('Survived') + count('NoCoverage');
  const valid = killed + survived;
  summary.push({
    module: module.name,
    files: module.mutate.join(' '),
    killed,
    survived,
    ignored: count('Ignored'),
    errors: count('CompileError') + count('RuntimeError'),
    score: valid === 0 ? null : Math.round((1000 * killed) / valid) / 10,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  console.log(JSON.stringify(summary.at(-1)));
}
await writeFile(join(reports, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.table(summary);
