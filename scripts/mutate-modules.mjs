// The modules that guard secrets and the shell, each with the tests that cover it (see mutate.mjs).
//
// `mutate` names files, or the functions in them to mutate (rangesOf turns names into line ranges). Of
// the shell modules only what guards the shell is mutated: quoting, apply(), failure(), and the check
// on --cmd function names with its reserved words. Their completion-data generators and the paths of
// startup files are data, checked whole by the committed completions' staleness test and by the init
// and doctor tests. enter() and leave() (the session record) are left out: the tests that run them in
// the four real shells (saved-environment.test.ts) take 50 s, which per mutant would not fit.
// `pattern` is node --test's --test-name-pattern (a test runs when it or an enclosing describe matches).
import { rangesOf } from './mutate-ranges.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const DIALECT_TESTS = ['test/shell-dialects.test.ts'];
const EVERY_SHELL = 'invalid names|rendered code|function names|one dialect per shell name';

export const MODULES = [
  {
    name: 'bash',
    mutate: rangesOf(ROOT, 'src/shell/bash.ts', ['quoteSingle', 'applyBash', 'failure', 'isFunctionName', 'BASH_RESERVED', 'isPosixFunctionName']),
    tests: DIALECT_TESTS,
    pattern: `bash|${EVERY_SHELL}`,
  },
  { name: 'zsh', mutate: rangesOf(ROOT, 'src/shell/zsh.ts', ['applyZsh', 'failure', 'isFunctionName', 'ZSH_RESERVED']), tests: DIALECT_TESTS, pattern: `zsh|${EVERY_SHELL}` },
  { name: 'fish', mutate: rangesOf(ROOT, 'src/shell/fish.ts', ['quoteFish', 'apply', 'failure', 'isFunctionName', 'FISH_RESERVED']), tests: DIALECT_TESTS, pattern: `fish|${EVERY_SHELL}` },
  {
    name: 'pwsh',
    mutate: rangesOf(ROOT, 'src/shell/pwsh.ts', ['quoteLiteral', 'quotePwsh', 'apply', 'failure', 'isFunctionName', 'PWSH_RESERVED']),
    tests: DIALECT_TESTS,
    pattern: `pwsh|PowerShell|${EVERY_SHELL}`,
  },
  { name: 'dialect', mutate: ['src/shell/dialect.ts'], tests: DIALECT_TESTS, pattern: `in the real shell|PowerShell|${EVERY_SHELL}` },
  { name: 'cache', mutate: ['src/session/cache.ts'], tests: ['test/cache.test.ts'] },
  { name: 'lock', mutate: ['src/session/lock.ts'], tests: ['test/lock.test.ts', 'test/lock-other-user.test.ts'] },
  // The owner and mode checks that the cache, the lock and doctor ask the platform for, on Linux and
  // macOS.
  {
    name: 'platform',
    mutate: rangesOf(ROOT, 'src/platform/posix.ts', ['foreignOwner', 'openToOthers', 'writableByOthers']),
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
