import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InvalidShellValueError, type Dialect, type EnvChange, type ShellName } from '../src/shell/dialect.js';
import { SHELL_NAMES, detectShell, dialectFor, parentProcessName, parseShellName } from '../src/shell/index.js';
import { envAfter, requireShell, runShell, shellAvailable } from './helpers/shells.js';

/** Values that break naive quoting somewhere: each shell's own specials, other shells' specials, odd text. */
const HOSTILE: Readonly<Record<string, string>> = {
  'single quote': "it's",
  'lone single quote': "'",
  'single quotes in a row': "''''",
  'double quotes': 'say "hi"',
  'typographic quotes': '\u2018single\u2019 \u201Alow\u201B',
  'typographic quotes doubled': '\u2018\u2018\u2019\u2019\u201A\u201A\u201B\u201B',
  'typographic double quotes': '\u201Cx\u201D\u201E',
  'trailing backslash': 'ends\\',
  'only a backslash': '\\',
  'doubled backslashes': 'a\\\\b\\\\\\\\',
  'backslash before quote': "\\'",
  'backslash escapes': '\\n\\t\\x41\\u0041\\0',
  'command substitution': '$(echo pwned)',
  'fish command substitution': '(echo pwned)',
  'parameter expansion': '${HOME}',
  'plain parameter': '$HOME $1 $? $$',
  'fish list index': '$PATH[1]',
  backticks: '`id`',
  'pwsh specials': '$env:HOME `n `$ @(1) $(1+1) ${x}',
  bang: 'hi!',
  'bang bang': '!!',
  'history words': '!$ !-1 ^a^b !#',
  newline: 'a\nb',
  'trailing newlines': 'a\n\n',
  'leading newline': '\nz',
  'carriage return': 'a\rb',
  CRLF: 'a\r\nb',
  tab: 'a\tb',
  percent: '100%',
  'zsh prompt escapes': '%F{red}x%f %n %~ %#',
  glob: '*',
  'glob classes': '[a-z]?*(x)**/ #q',
  tilde: '~',
  'tilde user': '~root/x',
  hash: '#not a comment',
  semicolon: 'a; rm -rf /',
  'pipes and redirections': '| > < & && || >> 2>&1',
  'brace expansion': '{a,b} {1..3}',
  equals: 'a=b=c',
  'leading dash': '-e',
  'option-like': '-n',
  'double dash': '--',
  'fish set option': '--erase',
  'only spaces': '   ',
  'inner spaces': '  two  spaces  ',
  'control characters': '\x01\x02\x1b[31m\x7f',
  'C1 controls': '\u0080\u0083\u0085\u009b\u009f',
  'line and paragraph separators': '\u2028\u2029',
  'byte 0x83 inside UTF-8': '\u00C3',
  BOM: '\uFEFF',
  'no-break space': '\u00A0',
  emoji: '😀🏳️‍🌈👍🏽',
  'astral plane': '\u{1D11E}\u{10FFFD}',
  'combining marks': 'e\u0301 n\u0303 a\u0308\u0323',
  'other scripts': '日本語 עברית العربية',
  'private use and noncharacters': '\uE000\uF600\uF6FF\uFDD0\uFFFE\uFFFF',
  empty: '',
};

/** About 10 kB that mixes all of the above, so the specials also meet each other. */
const LONG = (() => {
  const mix = Object.values(HOSTILE).join('');
  return mix.repeat(Math.ceil(10_240 / mix.length)).slice(0, 10_240);
})();

const VALUES: ReadonlyArray<readonly [label: string, value: string]> = [
  ...Object.entries(HOSTILE),
  ['10 kB of all of them', LONG],
];

/** Many random strings over all of Unicode (no NUL, which no environment holds), the same every run. */
const RANDOM = fc.sample(
  fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.string({ unit: 'binary-ascii', maxLength: 24 })),
  { numRuns: 400, seed: 20240611 },
).map((value) => value.replaceAll('\0', ''));

const REAL_SHELLS = ['bash', 'zsh', 'fish'] as const;

function exports(values: readonly string[]): EnvChange[] {
  return values.map((value, i) => ({ name: `AWSMFA_TEST_${i}`, value }));
}

function assertSameBytes(shell: string, label: string, actual: Buffer | null | undefined, expected: string): void {
  assert.ok(actual, `${shell}: ${label}: not in the environment`);
  assert.ok(
    actual.equals(Buffer.from(expected, 'utf8')),
    `${shell}: ${label}: ${JSON.stringify(actual.toString('utf8'))} instead of ${JSON.stringify(expected)}`,
  );
}

/** Every `value` is one word of `dialect` that the real shell reads back byte for byte. */
async function assertWordsReadBack(shell: ShellName, dialect: Dialect, values: readonly string[], labels: readonly string[]) {
  // printf '%s\0' prints each argument NUL-terminated: a quote that fell apart into several words,
  // or into none, shows up as a wrong count.
  const script = `printf '%s\\0' ${values.map((value) => dialect.quote(value)).join(' ')}\n`;
  const run = await runShell(shell, script);
  assert.equal(run.code, 0, run.stderr);
  const words = run.stdout.split('\0');
  assert.equal(words.pop(), '', 'output ends with a NUL');
  assert.equal(words.length, values.length, `${shell} read ${words.length} words instead of ${values.length}`);
  values.forEach((value, i) => assert.equal(words[i], value, `${shell}: ${labels[i]}`));
}

/**
 * Settings a user's shell may have that change how code is read. Left out on purpose: zsh's
 * CSH_JUNKIE_QUOTES, which refuses any newline inside quotes (a value with a newline cannot be applied
 * there; awsmfa's values never have one).
 */
const USER_SETTINGS: Readonly<Record<(typeof REAL_SHELLS)[number], { prelude?: string; env?: Record<string, string> }>> = {
  bash: { prelude: 'set -o posix; set -u; shopt -s extglob nullglob failglob globstar; set -H' },
  zsh: {
    prelude:
      'setopt rc_quotes glob_subst sh_word_split ksh_arrays no_unset extended_glob prompt_subst bang_hist magic_equal_subst',
  },
  // fish's parser changes come as feature flags, read from the environment at startup.
  fish: { env: { fish_features: 'all' } },
};

for (const shell of REAL_SHELLS) {
  const dialect = dialectFor(shell);

  describe(`${shell}, in the real shell`, () => {
    test('quote() makes every hostile value one word that reads back exactly', async (t) => {
      if (!(await requireShell(t, shell))) return;
      await assertWordsReadBack(shell, dialect, VALUES.map(([, value]) => value), VALUES.map(([label]) => label));
    });

    test('apply() exports every hostile value exactly, and the status is 0 even after a failed command', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const changes = exports(VALUES.map(([, value]) => value));
      const after = await envAfter(shell, dialect.apply(changes), changes.map((c) => c.name), { prelude: 'false' });
      assert.equal(after.status, 0, after.stderr);
      assert.equal(after.stdout, '');
      assert.equal(after.stderr, '');
      VALUES.forEach(([label, value], i) => assertSameBytes(shell, label, after.bytes[`AWSMFA_TEST_${i}`], value));
    });

    test('apply() exports 400 random Unicode strings exactly', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const changes = exports(RANDOM);
      const after = await envAfter(shell, dialect.apply(changes), changes.map((c) => c.name));
      assert.equal(after.status, 0, after.stderr);
      RANDOM.forEach((value, i) => assertSameBytes(shell, `random ${JSON.stringify(value)}`, after.bytes[`AWSMFA_TEST_${i}`], value));
    });

    test('apply() works the same with the options a user may have set', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const changes = exports(VALUES.map(([, value]) => value));
      const after = await envAfter(shell, dialect.apply(changes), changes.map((c) => c.name), USER_SETTINGS[shell]);
      assert.equal(after.status, 0, after.stderr);
      VALUES.forEach(([label, value], i) => assertSameBytes(shell, label, after.bytes[`AWSMFA_TEST_${i}`], value));
    });

    test('apply() sets, replaces and removes variables, ending with status 0', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const code = dialect.apply([
        { name: 'NEW', value: 'new' },
        { name: 'REPLACED', value: "it's new" },
        { name: 'REMOVED', value: null },
        { name: 'NEVER_SET', value: null },
      ]);
      const after = await envAfter(shell, code, ['NEW', 'REPLACED', 'REMOVED', 'NEVER_SET', 'UNTOUCHED'], {
        env: { REPLACED: 'old', REMOVED: 'here', UNTOUCHED: 'same' },
        prelude: 'false',
      });
      assert.equal(after.status, 0, after.stderr);
      assert.equal(after.stderr, '');
      assert.deepEqual(after.vars, {
        NEW: 'new',
        REPLACED: "it's new",
        REMOVED: null,
        NEVER_SET: null,
        UNTOUCHED: 'same',
      });
    });

    test('removing a variable that is not set is quiet and leaves status 0', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const after = await envAfter(shell, dialect.apply([{ name: 'NEVER_SET', value: null }]), ['NEVER_SET'], {
        prelude: 'false',
      });
      assert.deepEqual([after.status, after.vars.NEVER_SET, after.stdout, after.stderr], [0, null, '', '']);
    });

    test('a removal does not touch a function of the same name', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const define = shell === 'fish' ? 'function GONE; echo still here; end' : 'GONE() { echo still here; }';
      const run = await runShell(shell, `${define}\n${dialect.apply([{ name: 'GONE', value: null }])}GONE\n`);
      assert.equal(run.stdout, 'still here\n', run.stderr);
    });

    test('applied inside a function, as the wrapper does, the changes are still global', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const code = dialect.apply([
        { name: 'SET_HERE', value: 'v' },
        { name: 'REMOVED', value: null },
      ]);
      const after = await envAfter(shell, code, ['SET_HERE', 'REMOVED'], { env: { REMOVED: 'x' }, inFunction: true });
      assert.equal(after.status, 0, after.stderr);
      assert.deepEqual(after.vars, { SET_HERE: 'v', REMOVED: null });
    });

    test('an empty change list applies cleanly with status 0, even after a failed command', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const after = await envAfter(shell, dialect.apply([]), ['KEPT'], { env: { KEPT: 'k' }, prelude: 'false' });
      assert.deepEqual([after.status, after.vars.KEPT, after.stdout, after.stderr], [0, 'k', '', '']);
    });

    test('failure() makes the eval/source fail, prints nothing, changes nothing, and the shell goes on', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const after = await envAfter(shell, dialect.failure(), ['KEPT', 'NEVER_SET'], { env: { KEPT: 'k' } });
      assert.notEqual(after.status, 0);
      assert.deepEqual(after.vars, { KEPT: 'k', NEVER_SET: null });
      assert.equal(after.stdout, '');
      assert.equal(after.stderr, '');
    });

    test('failure() stops an `&&` chain after the eval/source', async (t) => {
      if (!(await requireShell(t, shell))) return;
      const failure = dialect.quote(dialect.failure());
      const script =
        shell === 'fish'
          ? `printf '%s' ${failure} | source; and echo reached\necho went on\n`
          : `eval ${failure} && echo reached\necho went on\n`;
      const run = await runShell(shell, script);
      assert.equal(run.stdout, 'went on\n', run.stderr);
    });
  });
}

describe('bash code passes shellcheck', () => {
  test('apply() of every hostile value, removals and failure()', async (t) => {
    if (!(await shellcheckAvailable())) {
      t.skip('shellcheck not installed');
      return;
    }
    const bash = dialectFor('bash');
    const code = [
      '#!/bin/bash',
      bash.apply([...exports(VALUES.map(([, value]) => value)), { name: 'GONE', value: null }]),
      bash.failure(),
    ].join('\n');
    // Excluded, because they point at characters that are meant literally: SC2016 (`$` in single
    // quotes does not expand), SC1003 (a backslash in single quotes escapes nothing), SC1112 (a
    // typographic quote inside single quotes).
    const result = await run('shellcheck', ['--severity=style', '--exclude=SC2016,SC1003,SC1112', '-'], code);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});

describe('invalid names and values', () => {
  const BAD_NAMES = ['', '1AWS', 'AWS-KEY', 'AWS KEY', 'AWS=KEY', 'AWS\nKEY', 'ÄWS', '$(id)', 'A\0'];
  const BAD_VALUES = ['a\0b', '\0', '\uD800', 'x\uDC00y', 'end\uDBFF', '\uDC00\uD800'];

  for (const name of SHELL_NAMES) {
    const dialect = dialectFor(name);
    test(`${name}: apply() refuses them and renders nothing, even next to valid changes`, () => {
      const valid: EnvChange = { name: 'FINE', value: 'fine' };
      for (const badName of BAD_NAMES) {
        for (const value of ['v', null]) {
          assert.throws(() => dialect.apply([valid, { name: badName, value }]), InvalidShellValueError, JSON.stringify(badName));
        }
      }
      for (const value of BAD_VALUES) {
        assert.throws(() => dialect.apply([valid, { name: 'FINE2', value }]), InvalidShellValueError, JSON.stringify(value));
        assert.throws(() => dialect.quote(value), InvalidShellValueError, JSON.stringify(value));
      }
    });
  }
});

describe('invalid names and values: the refusal says what is wrong', () => {
  const refusal = (message: string) => (error: unknown) =>
    error instanceof InvalidShellValueError && error.name === 'InvalidShellValueError' && error.message === message;
  for (const name of SHELL_NAMES) {
    test(`${name}: apply() names the variable and the reason; quote() the reason`, () => {
      const dialect = dialectFor(name);
      assert.throws(() => dialect.apply([{ name: 'AWS-KEY', value: 'v' }]), refusal('"AWS-KEY" is not a valid environment variable name'));
      assert.throws(() => dialect.apply([{ name: 'AWS-KEY', value: null }]), refusal('"AWS-KEY" is not a valid environment variable name'));
      assert.throws(
        () => dialect.apply([{ name: 'TOKEN', value: 'a\0b' }]),
        refusal('the value for TOKEN contains a NUL character, which an environment cannot hold'),
      );
      assert.throws(
        () => dialect.apply([{ name: 'TOKEN', value: 'x\uDC00' }]),
        refusal('the value for TOKEN contains a lone UTF-16 surrogate, which an environment cannot hold'),
      );
      assert.throws(() => dialect.quote('a\0b'), refusal('a NUL character cannot be part of a shell word'));
      assert.throws(() => dialect.quote('\uD800'), refusal('a lone UTF-16 surrogate cannot be part of a shell word'));
    });
  }
});

describe('rendered code, exactly', () => {
  const changes: EnvChange[] = [
    { name: 'AWS_ACCESS_KEY_ID', value: "AKIA'x" },
    { name: 'AWS_PROFILE', value: null },
  ];

  test('bash', () => {
    assert.equal(dialectFor('bash').apply(changes), "export AWS_ACCESS_KEY_ID='AKIA'\\''x'\nunset -v AWS_PROFILE\n");
    assert.equal(dialectFor('bash').apply([]), '');
    assert.equal(dialectFor('bash').failure(), 'false\n');
  });

  test('zsh', () => {
    assert.equal(dialectFor('zsh').apply(changes), "export AWS_ACCESS_KEY_ID='AKIA'\\''x'\nunset AWS_PROFILE\n");
    assert.equal(dialectFor('zsh').failure(), 'false\n');
  });

  test('fish', () => {
    assert.equal(
      dialectFor('fish').apply(changes),
      "set -gx AWS_ACCESS_KEY_ID 'AKIA\\'x'\nif set -qg AWS_PROFILE; set -eg AWS_PROFILE; end\ntrue\n",
    );
    assert.equal(dialectFor('fish').quote('a\\b\\'), "'a\\\\b\\\\'");
    assert.equal(dialectFor('fish').apply([]), 'true\n');
    assert.equal(dialectFor('fish').failure(), 'false\n');
  });

  test('pwsh', () => {
    const pwsh = dialectFor('pwsh');
    assert.equal(pwsh.apply(changes), "$env:AWS_ACCESS_KEY_ID = 'AKIA''x'\n$env:AWS_PROFILE = $null\n");
    assert.equal(pwsh.apply([]), '$null = $null\n');
    // A non-terminating error (`throw` would end the whole line, `||` included): one line, one statement pair.
    assert.match(pwsh.failure(), /^\$global:LASTEXITCODE = 1; Write-Error -Message '[^'\n]+' -ErrorId AwsmfaNoSession -Category InvalidResult\n$/);
  });
});

describe('rendered code of a session, entered and left in the real shell', () => {
  // Two values with a record each: a record name shared between them would put one value back for both.
  const saved = ['AWS_REGION', 'AWS_PROFILE'];
  for (const shell of SHELL_NAMES) {
    test(`${shell}: leave() puts back each value enter() replaced, and names are checked before any code`, async (t) => {
      if (!(await requireShell(t, shell))) return;
      const dialect = dialectFor(shell);
      const code =
        dialect.enter(saved, [
          { name: 'AWS_REGION', value: 'us-east-1' },
          { name: 'AWS_PROFILE', value: null },
        ]) + dialect.leave(saved, [], []);
      const after = await envAfter(shell, code, saved, { env: { AWS_REGION: 'eu-west-1', AWS_PROFILE: 'doug' } });
      assert.equal(after.status, 0, after.stderr);
      assert.deepEqual(after.vars, { AWS_REGION: 'eu-west-1', AWS_PROFILE: 'doug' });
      assert.throws(() => dialect.enter(['AWS REGION'], []), InvalidShellValueError);
      assert.throws(() => dialect.leave(['AWS_REGION', '1X'], [], []), InvalidShellValueError);
    });
  }
});

describe('PowerShell quoting (the exact text; pwsh reads it back in quoting-fuzz)', () => {
  const pwsh = dialectFor('pwsh');
  const CASES: ReadonlyArray<readonly [value: string, quoted: string]> = [
    ['plain', "'plain'"],
    ['', "''"],
    ["it's", "'it''s'"],
    ['\u2018', "'\u2018\u2018'"],
    ['\u2019', "'\u2019\u2019'"],
    ['\u201A', "'\u201A\u201A'"],
    ['\u201B', "'\u201B\u201B'"],
    ["'\u2018\u2019\u201A\u201B'", "'''\u2018\u2018\u2019\u2019\u201A\u201A\u201B\u201B'''"],
    ['$env:HOME $(Get-Date) ${x}', "'$env:HOME $(Get-Date) ${x}'"],
    ['`n`$`', "'`n`$`'"],
    ['say "hi" \u201Cthere\u201D', "'say \"hi\" \u201Cthere\u201D'"],
    ['back\\slash\\', "'back\\slash\\'"],
    ['a\nb', "('a' + [char]10 + 'b')"],
    ['a\r\nb', "('a' + [char]13 + [char]10 + 'b')"],
    ['\nstart', "('' + [char]10 + 'start')"],
    ["end'\n", "('end''' + [char]10)"],
    ['\r', "('' + [char]13)"],
  ];

  for (const [value, quoted] of CASES) {
    test(`${JSON.stringify(value)} → ${quoted}`, () => assert.equal(pwsh.quote(value), quoted));
  }

  test('never a double-quoted string, and every statement on one line', () => {
    const code = pwsh.apply(exports(VALUES.map(([, value]) => value)));
    const lines = code.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, VALUES.length);
    for (const line of lines) {
      assert.match(line, /^\$env:AWSMFA_TEST_\d+ = ('|\(')/);
      assert.ok(!line.includes('\r'));
    }
  });
});

describe('function names for --cmd: one plain word, never a keyword or a builtin the integration calls', () => {
  const PLAIN = ['awsmfa', 'aws_mfa', 'aws-mfa', '_x', 'A1', 'mfa2'];
  const NEVER = ['', '1a', '-a', 'a b', 'a$b', 'a;b', 'a\nb', 'a/b', 'a.b', 'äws', 'a(', '$(id)'];
  const RESERVED: Readonly<Record<ShellName, readonly string[]>> = {
    bash: ['if', 'then', 'function', 'builtin', 'command', 'unset', 'complete', 'source', 'false'],
    zsh: ['if', 'foreach', 'repeat', 'noglob', 'builtin', 'emulate', 'zmodload', 'compdef', 'false'],
    fish: ['and', 'begin', 'end', 'function', 'builtin', 'set', 'string', 'commandline', 'false'],
    pwsh: ['begin', 'function', 'Function', 'FOREACH', 'param', 'dynamicparam', 'workflow'],
  };
  for (const name of SHELL_NAMES) {
    test(`${name}: plain words are accepted; metacharacters, a leading digit or dash, and reserved words are not`, () => {
      const { isFunctionName } = dialectFor(name).integration;
      for (const word of PLAIN) assert.equal(isFunctionName(word), true, JSON.stringify(word));
      for (const word of [...NEVER, ...RESERVED[name]]) assert.equal(isFunctionName(word), false, JSON.stringify(word));
    });
  }
});

describe('choosing a shell', () => {
  test('dialectFor() has one dialect per shell name', () => {
    assert.deepEqual([...SHELL_NAMES], ['bash', 'zsh', 'fish', 'pwsh']);
    for (const name of SHELL_NAMES) assert.equal(dialectFor(name).name, name);
  });

  test('parseShellName()', () => {
    for (const name of SHELL_NAMES) assert.equal(parseShellName(name), name);
    assert.equal(parseShellName('powershell'), 'pwsh');
    assert.equal(parseShellName('PowerShell'), 'pwsh');
    assert.equal(parseShellName('ZSH'), 'zsh');
    for (const other of ['sh', 'dash', 'ksh', 'tcsh', 'cmd', 'nu', '', 'bash ', '/bin/bash', 'pwsh.exe']) {
      assert.equal(parseShellName(other), undefined, other);
    }
  });

  const LINUX_PWSH = '/home/doug/.local/share/powershell/Modules:/usr/local/share/powershell/Modules:/opt/microsoft/powershell/7/Modules';
  const WINDOWS_DEFAULT = 'C:\\Program Files\\WindowsPowerShell\\Modules;C:\\WINDOWS\\system32\\WindowsPowerShell\\v1.0\\Modules';
  const CASES: ReadonlyArray<readonly [what: string, env: NodeJS.ProcessEnv, parent: string | undefined, expected: ShellName]> = [
    ['the parent shell wins over $SHELL', { SHELL: '/bin/bash' }, 'zsh', 'zsh'],
    ['fish as parent', { SHELL: '/bin/bash' }, 'fish', 'fish'],
    ['pwsh as parent, with the login $SHELL it inherits', { SHELL: '/bin/bash', PSModulePath: LINUX_PWSH }, 'pwsh', 'pwsh'],
    ['powershell as parent', {}, 'powershell', 'pwsh'],
    ['a login shell name', {}, '-zsh', 'zsh'],
    ['bash started from pwsh (inherited PSModulePath)', { PSModulePath: LINUX_PWSH, SHELL: '/usr/bin/pwsh' }, 'bash', 'bash'],
    ['no /proc, pwsh on Linux or macOS', { SHELL: '/bin/zsh', PSModulePath: LINUX_PWSH }, undefined, 'pwsh'],
    ['parent is not a shell, pwsh environment', { SHELL: '/bin/zsh', PSModulePath: LINUX_PWSH }, 'node', 'pwsh'],
    [
      'Windows PowerShell 5.1',
      {
        USERPROFILE: 'C:\\Users\\doug',
        PSModulePath: `C:\\Users\\doug\\Documents\\WindowsPowerShell\\Modules;${WINDOWS_DEFAULT}`,
      },
      undefined,
      'pwsh',
    ],
    [
      'PowerShell 7 on Windows',
      {
        USERPROFILE: 'C:\\Users\\doug',
        PSModulePath: `C:\\Users\\doug\\Documents\\PowerShell\\Modules;C:\\Program Files\\PowerShell\\Modules;c:\\program files\\powershell\\7\\Modules;${WINDOWS_DEFAULT}`,
      },
      undefined,
      'pwsh',
    ],
    [
      "Git Bash: only Windows' system-wide module path",
      { USERPROFILE: 'C:\\Users\\doug', HOME: '/c/Users/doug', PSModulePath: WINDOWS_DEFAULT, SHELL: '/usr/bin/bash' },
      undefined,
      'bash',
    ],
    ['$SHELL when the parent is not a shell', { SHELL: '/usr/local/bin/fish' }, 'sudo', 'fish'],
    ['$SHELL with .exe', { SHELL: 'C:\\msys64\\usr\\bin\\zsh.exe' }, undefined, 'zsh'],
    ['an unknown $SHELL falls back to bash', { SHELL: '/bin/sh' }, 'dash', 'bash'],
    ['nothing known at all', {}, undefined, 'bash'],
  ];

  for (const [what, env, parent, expected] of CASES) {
    test(`detectShell(): ${what} → ${expected}`, () => {
      let calls = 0;
      const shell = detectShell(env, () => {
        calls += 1;
        return parent;
      });
      assert.equal(shell, expected);
      assert.ok(calls <= 1, 'the parent is looked up at most once');
    });
  }

  test('parentProcessName() reads /proc on Linux, and is undefined elsewhere', () => {
    const name = parentProcessName();
    if (process.platform === 'linux') {
      assert.equal(typeof name, 'string');
      assert.ok(name && !name.includes('\n'));
    } else {
      assert.equal(name, undefined);
    }
  });
});

describe('the shell test helpers', () => {
  test('run the shell clean: the given environment, a temporary HOME, no startup files', async (t) => {
    const shells: ShellName[] = [];
    for (const shell of REAL_SHELLS) if (await shellAvailable(shell)) shells.push(shell);
    if (shells.length === 0) {
      t.skip('no shell installed');
      return;
    }
    for (const shell of shells) {
      const run = await runShell(shell, 'printf "%s|%s|%s|" "$HOME" "$GIVEN" "$LANG"; pwd; cat\n', {
        env: { GIVEN: 'given' },
        stdin: 'from stdin\n',
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^(\/[^|]*awsmfa-shell-[^|]*\/home)\|given\|C\.UTF-8\|\1\nfrom stdin\n$/, shell);
      assert.ok(!process.env.HOME || !run.stdout.includes(`|${process.env.HOME}|`));
    }
  });

  test('envAfter() rejects when the applied code ends the shell', async (t) => {
    if (!(await requireShell(t, 'bash'))) return;
    await assert.rejects(envAfter('bash', 'exit 3\n', ['X']), /stopped before reporting/);
  });
});

const shellcheckPresent = (async () => (await run('shellcheck', ['--version'], '').catch(() => undefined))?.code === 0)();

function shellcheckAvailable(): Promise<boolean> {
  return shellcheckPresent;
}

function run(command: string, args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
