// The modules that guard secrets and the shell, each with the tests that cover it (see mutate.mjs).
//
// `mutate` names files, or line ranges of them (file:start-end). Of the shell modules only what guards
// the shell is mutated: quoting, apply(), failure(), and the check on --cmd function names with its
// reserved words. Their completion-data generators and the paths of startup files are data, checked
// whole by the committed completions' staleness test and by the init and doctor tests.
// `pattern` is node --test's --test-name-pattern (a test runs when it or an enclosing describe matches).
const DIALECT_TESTS = ['test/shell-dialects.test.ts'];
const EVERY_SHELL = 'invalid names|rendered code|function names|one dialect per shell name';

export const MODULES = [
  {
    name: 'bash',
    mutate: ['src/shell/bash.ts:1-26', 'src/shell/bash.ts:35-35', 'src/shell/bash.ts:40-51'],
    tests: DIALECT_TESTS,
    pattern: `bash|${EVERY_SHELL}`,
  },
  { name: 'zsh', mutate: ['src/shell/zsh.ts:6-20', 'src/shell/zsh.ts:28-28', 'src/shell/zsh.ts:33-36'], tests: DIALECT_TESTS, pattern: `zsh|${EVERY_SHELL}` },
  { name: 'fish', mutate: ['src/shell/fish.ts:5-27', 'src/shell/fish.ts:36-36', 'src/shell/fish.ts:41-44'], tests: DIALECT_TESTS, pattern: `fish|${EVERY_SHELL}` },
  {
    name: 'pwsh',
    mutate: ['src/shell/pwsh.ts:5-55', 'src/shell/pwsh.ts:65-65', 'src/shell/pwsh.ts:70-73'],
    tests: DIALECT_TESTS,
    pattern: `pwsh|PowerShell|${EVERY_SHELL}`,
  },
  { name: 'dialect', mutate: ['src/shell/dialect.ts'], tests: DIALECT_TESTS, pattern: `in the real shell|PowerShell|${EVERY_SHELL}` },
  { name: 'cache', mutate: ['src/session/cache.ts'], tests: ['test/cache.test.ts'] },
  { name: 'lock', mutate: ['src/session/lock.ts'], tests: ['test/lock.test.ts'] },
  // The owner and mode checks that the cache and the lock ask the platform for, on Linux and macOS.
  { name: 'platform', mutate: ['src/platform/posix.ts:24-25'], tests: ['test/cache.test.ts', 'test/lock.test.ts'] },
  { name: 'reuse', mutate: ['src/mfa/reuse.ts'], tests: ['test/cache.test.ts'], pattern: 'MFA code' },
  { name: 'environment', mutate: ['src/session/environment.ts'], tests: ['test/environment.test.ts'] },
  {
    // The writer's text rules: which sections and values can be written, and how a line is replaced.
    // The line scanner above them is the config reader's, tested against botocore in its own tests.
    name: 'ini-file',
    mutate: ['src/aws/ini-file.ts:86-162'],
    tests: ['test/login.test.ts'],
    // Not the INI-like property test: it is unseeded and fails now and then (counterexample [[""],"\n",true]).
    pattern: 'round-trips|new section|repeated sections',
  },
];
