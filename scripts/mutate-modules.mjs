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
  { name: 'lock', mutate: ['src/session/lock.ts'], tests: ['test/lock.test.ts', 'test/lock-other-user.test.ts'] },
  // The owner and mode checks that the cache, the lock and doctor ask the platform for, on Linux and
  // macOS (lines 25–27: foreignOwner, openToOthers, writableByOthers).
  {
    name: 'platform',
    mutate: ['src/platform/posix.ts:25-27'],
    tests: ['test/platform.test.ts', 'test/cache.test.ts', 'test/lock.test.ts'],
    pattern: 'owner|mode|open to|refused|0600|0400|private',
  },
  { name: 'reuse', mutate: ['src/mfa/reuse.ts'], tests: ['test/cache.test.ts'], pattern: 'MFA code' },
  { name: 'environment', mutate: ['src/session/environment.ts'], tests: ['test/environment.test.ts'] },
  {
    // The INI writer: which sections and values can be written, how a line is replaced or removed, where
    // new lines go, and how the file is replaced (atomically, its mode kept, 0600 when new, leftovers
    // of a killed run removed), and what it says when it refuses. The line scanner it uses is the
    // reader's (config-files.ts), tested against botocore in its own tests.
    name: 'ini-file',
    mutate: ['src/aws/ini-file.ts'],
    tests: ['test/ini-writer.test.ts', 'test/login.test.ts'],
    // Not the two login tests: they run the built CLI, which a mutant of the sources does not reach.
    pattern: 'round-trips|new section|repeated sections|INI-like|replaced atomically|before the rename|killed between|someone else|the INI writer',
  },
];
