/**
 * Property-based quoting: thousands of generated strings (every Unicode plane, every kind of quote,
 * backslashes, `$`, backticks, `%`, `!`, line breaks, controls, empty) are exported by each dialect's
 * apply() and quoted as words by its quote(), then read back by the real bash, zsh, fish and the
 * PowerShell engine, byte for byte, from the environment a child process receives (`env -0`).
 *
 * Values are checked in batches, one shell process per batch, so the whole property takes seconds.
 * The seed is fixed (FUZZ_SEED, default 42) so CI sees the same values every run; FUZZ_RUNS (default
 * 3000) is how many values each shell checks, for longer runs locally:
 *
 *     FUZZ_RUNS=100000 FUZZ_SEED=$RANDOM node --import tsx --test test/quoting-fuzz.test.ts
 *
 * A failing batch names every value that came back wrong, the seed to replay it, and the first of
 * those values cut down to a minimal one that still fails on its own.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { InvalidShellValueError, type Dialect, type EnvChange, type ShellName } from '../src/shell/dialect.js';
import { SHELL_NAMES, dialectFor } from '../src/shell/index.js';
import { PWSH_UNAVAILABLE, pwshAvailable, runPwsh } from './helpers/pwsh.js';
import { envAfter, requireShell, runShell } from './helpers/shells.js';

function integerFromEnv(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    throw new Error(`${name} must be an integer from ${min} to ${2 ** 31 - 1}, not ${JSON.stringify(text)}`);
  }
  return value;
}

const SEED = integerFromEnv('FUZZ_SEED', 42, -(2 ** 31));
/** How many generated values each shell reads back. */
const FUZZ_RUNS = integerFromEnv('FUZZ_RUNS', 3000, 1);

// --- What is generated ------------------------------------------------------------------------------

/** Characters that end, open or escape a quoted string in one of the four shells, or look like they do. */
const QUOTES = ["'", '"', '`', '\u2018', '\u2019', '\u201A', '\u201B', '\u201C', '\u201D', '\u201E', '\u201F', '\u00B4', '\u2032', '\u2035', '\uFF07', '\uFF02'];
const SPECIALS = [
  '\\', '$', '%', '!', '^', '#', '~', '*', '?', '[', ']', '{', '}', '(', ')', '<', '>', '|', '&', ';', '=', '@', ',', '-', ':',
  // Sequences that mean something as a whole somewhere.
  '$(', '${', '$((', '$env:', '@(', '`$', '`n', '\\\'', "'\\''", "''", '\\\\', '!!', '!$', '%F{', '%%', '\\n', '\\0', '\\x41',
  '\\u2018', '--', '-e', '\u2013', '\u2014',
];
const BREAKS = ['\n', '\r', '\r\n', '\n\r', '\t', ' ', '\v', '\f', '\u0085', '\u00A0', '\u2028', '\u2029', '\u3000', '\uFEFF', '\u200B', '\u200D', '\u202E'];

/** A Unicode scalar value (no surrogate) from any of the 17 planes, each plane equally likely; never NUL. */
const anyPlane = fc
  .tuple(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 0xffff }))
  .map(([plane, offset]) => plane * 0x10000 + offset)
  .filter((cp) => cp !== 0 && (cp < 0xd800 || cp > 0xdfff))
  .map((cp) => String.fromCodePoint(cp));

const control = fc.oneof(fc.integer({ min: 1, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((cp) => String.fromCodePoint(cp));

const oneGrapheme = (unit: 'grapheme' | 'grapheme-ascii' | 'binary') =>
  fc.string({ unit, minLength: 1, maxLength: 1 }).filter((s) => !s.includes('\0'));

/** One piece of a value: usually something a shell treats specially, otherwise anything at all. */
const piece = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...QUOTES, ...SPECIALS, ...BREAKS) },
  { weight: 3, arbitrary: anyPlane },
  { weight: 2, arbitrary: oneGrapheme('grapheme') },
  { weight: 2, arbitrary: oneGrapheme('grapheme-ascii') },
  { weight: 1, arbitrary: oneGrapheme('binary') },
  { weight: 1, arbitrary: control },
);

/** A value an environment can hold: mostly short, sometimes a few hundred pieces, sometimes empty. */
const environmentValue = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: piece, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: piece, minLength: 100, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constant('') },
);

const loneSurrogate = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((u) => String.fromCharCode(u));

/** A value no environment can hold: a NUL or a lone surrogate somewhere in an otherwise valid value. */
const impossibleValue = fc
  .tuple(environmentValue, fc.oneof(fc.constant('\0'), loneSurrogate), fc.nat())
  .map(([value, bad, at]) => {
    const i = at % (value.length + 1);
    return value.slice(0, i) + bad + value.slice(i);
  });

// --- Checking a batch in a shell ----------------------------------------------------------------------

interface Mismatch {
  readonly how: string;
  readonly value: string;
  readonly got: string | null;
}

interface ShellConfig {
  readonly label: string;
  readonly prelude?: string;
  readonly env?: Record<string, string>;
}

/**
 * Each batch is read back in a clean shell, with settings users have that change how code is read, and
 * in the C locale (the shell then reads the UTF-8 of the code as bytes). zsh's CSH_JUNKIE_QUOTES is
 * left out: it refuses any line break inside quotes (awsmfa's own values never have one).
 */
const CONFIGS: Readonly<Record<'bash' | 'zsh' | 'fish', readonly ShellConfig[]>> = {
  bash: [
    { label: 'clean' },
    // globstar came with bash 4: bash 3.2 (macOS's /bin/bash) gets the others.
    { label: 'user options', prelude: 'set -o posix; set -u; shopt -s extglob nullglob failglob xpg_echo; set -H; ((BASH_VERSINFO[0] < 4)) || shopt -s globstar' },
    { label: 'C locale', env: { LC_ALL: 'C' } },
  ],
  zsh: [
    { label: 'clean' },
    {
      label: 'user options',
      prelude: 'setopt rc_quotes glob_subst sh_word_split ksh_arrays no_unset extended_glob prompt_subst bang_hist magic_equal_subst c_bases octal_zeroes',
    },
    { label: 'C locale', env: { LC_ALL: 'C' } },
  ],
  fish: [
    { label: 'clean' },
    { label: 'all feature flags', env: { fish_features: 'all' } },
    { label: 'C locale', env: { LC_ALL: 'C' } },
  ],
};

const NAME = (i: number) => `AWSMFA_FUZZ_${i}`;

function exportsOf(values: readonly string[], name: (i: number) => string = NAME): EnvChange[] {
  return values.map((value, i) => ({ name: name(i), value }));
}

function sameBytes(actual: Buffer | null | undefined, expected: string): boolean {
  return actual != null && actual.equals(Buffer.from(expected, 'utf8'));
}

/** `env -0` output: NAME=VALUE entries, each ended by NUL. */
function parseEnvDump(dump: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  let start = 0;
  while (start < dump.length) {
    let end = dump.indexOf(0, start);
    if (end === -1) end = dump.length;
    const equals = dump.indexOf(0x3d, start);
    if (equals > start && equals < end) entries.set(dump.toString('utf8', start, equals), dump.subarray(equals + 1, end));
    start = end + 1;
  }
  return entries;
}

/** Reads one batch back in bash, zsh or fish: exported through eval / source, and as printf's arguments. */
async function posixBatch(shell: 'bash' | 'zsh' | 'fish', values: readonly string[]): Promise<Mismatch[]> {
  const dialect = dialectFor(shell);
  const changes = exportsOf(values);
  const code = dialect.apply(changes);
  // printf '%s\0' ends every argument with a NUL: a word that fell apart, or vanished, shifts the rest.
  const words = `printf '%s\\0' ${values.map((value) => dialect.quote(value)).join(' ')}\n`;
  const mismatches: Mismatch[] = [];
  await Promise.all(
    CONFIGS[shell].map(async (config) => {
      const options = { ...(config.prelude === undefined ? {} : { prelude: config.prelude }), ...(config.env === undefined ? {} : { env: config.env }) };
      const [after, printed] = await Promise.all([
        envAfter(shell, code, changes.map((c) => c.name), options),
        runShell(shell, `${config.prelude ?? ''}\n${words}`, options),
      ]);
      if (after.status !== 0 || after.stdout !== '' || after.stderr !== '') {
        mismatches.push({ how: `${config.label}: apply() ended with status ${after.status}, stdout ${JSON.stringify(after.stdout)}, stderr ${JSON.stringify(after.stderr.slice(0, 500))}`, value: '', got: null });
      }
      values.forEach((value, i) => {
        const got = after.bytes[NAME(i)];
        if (!sameBytes(got, value)) mismatches.push({ how: `${config.label}: apply()`, value, got: got?.toString('utf8') ?? null });
      });
      if (printed.code !== 0 || printed.stderr !== '') {
        mismatches.push({ how: `${config.label}: printf of the quoted words exited with ${printed.code}: ${printed.stderr.slice(0, 500)}`, value: '', got: null });
      }
      const read = printed.stdout.split('\0');
      if (read.pop() !== '' || read.length !== values.length) {
        mismatches.push({ how: `${config.label}: quote() gave ${read.length} words for ${values.length} values`, value: '', got: null });
      }
      values.forEach((value, i) => {
        if (read[i] !== value) mismatches.push({ how: `${config.label}: quote()`, value, got: read[i] ?? null });
      });
    }),
  );
  return mismatches;
}

/** Runs `env` from inside the engine through .NET and saves its `-0` output: the bytes a child process gets. */
function pwshEnvDump(file: string): string {
  return [
    "$__fuzz_start = [System.Diagnostics.ProcessStartInfo]::new('env')",
    "$__fuzz_start.ArgumentList.Add('-0')",
    '$__fuzz_start.RedirectStandardOutput = $true',
    '$__fuzz_start.UseShellExecute = $false',
    '$__fuzz_child = [System.Diagnostics.Process]::Start($__fuzz_start)',
    '$__fuzz_bytes = [System.IO.MemoryStream]::new()',
    '$__fuzz_child.StandardOutput.BaseStream.CopyTo($__fuzz_bytes)',
    '$__fuzz_child.WaitForExit()',
    `[System.IO.File]::WriteAllBytes('${file}', $__fuzz_bytes.ToArray())`,
  ].join('\n');
}

/**
 * Reads one batch back in pwsh, two ways: as users apply `awsmfa env`, with the code
 * coming out of a native command (`cat file | Out-String | Invoke-Expression`, which splits it into
 * lines and joins them again), and through `[scriptblock]::Create` (language and .NET only). quote()
 * is read back on the native-command path.
 */
async function pwshBatch(values: readonly string[]): Promise<Mismatch[]> {
  const pwsh = dialectFor('pwsh');
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-fuzz-'));
  try {
    const file = (name: string) => join(dir, name);
    const piped = exportsOf(values, (i) => `AWSMFA_FUZZ_PIPED_${i}`);
    const created = exportsOf(values, (i) => `AWSMFA_FUZZ_CREATED_${i}`);
    await writeFile(file('piped.ps1'), pwsh.apply(piped));
    await writeFile(file('created.ps1'), pwsh.apply(created));
    // One quoted word a line, so that the native-command path splits and rejoins it as it would init's code.
    await writeFile(
      file('words.ps1'),
      `$__fuzz_words = @(\n${values.map((value) => `  ${pwsh.quote(value)}`).join(',\n')}\n)\n` +
        `[System.IO.File]::WriteAllText('${file('words.out')}', ($__fuzz_words -join [char]0) + [char]0, [System.Text.UTF8Encoding]::new($false))\n`,
    );
    // One pwsh for both ways (it takes a second to start); they set variables of different names.
    const [pipedRun, wordsRun, pipedDump, createdRun, createdDump] = await runPwsh([
      `cat '${file('piped.ps1')}' | Out-String | Invoke-Expression; "ok=$?"`,
      `cat '${file('words.ps1')}' | Out-String | Invoke-Expression; "ok=$?"`,
      pwshEnvDump(file('piped.env')),
      `. ([scriptblock]::Create([System.IO.File]::ReadAllText('${file('created.ps1')}'))); "ok=$?"`,
      pwshEnvDump(file('created.env')),
    ]);
    const mismatches: Mismatch[] = [];
    for (const [how, run] of [
      ['Invoke-Expression of apply()', pipedRun],
      ['Invoke-Expression of quote()', wordsRun],
      ['env dump', pipedDump],
      ['[scriptblock]::Create of apply()', createdRun],
      ['env dump', createdDump],
    ] as const) {
      if (run === undefined || run.hadErrors || run.output.some((line) => line.startsWith('ok=') && line !== 'ok=True')) {
        mismatches.push({ how: `${how} failed: ${(run?.errorDetails ?? ['no result']).join('\n').slice(0, 1000)}`, value: '', got: null });
      }
    }
    for (const [how, changes, dumpFile, engineEnv] of [
      ['Out-String | Invoke-Expression', piped, 'piped.env', pipedDump?.env],
      ['[scriptblock]::Create', created, 'created.env', createdDump?.env],
    ] as const) {
      const dump = parseEnvDump(await readFile(file(dumpFile)).catch(() => Buffer.alloc(0)));
      changes.forEach(({ name, value }) => {
        const got = dump.get(name);
        if (!sameBytes(got, value!)) mismatches.push({ how: `${how}: apply(), in a child's environment`, value: value!, got: got?.toString('utf8') ?? null });
        // The engine's own view, too: [Environment] holds UTF-16, and this compares exactly that.
        if (engineEnv?.[name] !== value) mismatches.push({ how: `${how}: apply(), in [Environment]`, value: value!, got: engineEnv?.[name] ?? null });
      });
    }
    const words = (await readFile(file('words.out'), 'utf8').catch(() => '')).split('\0');
    if (words.pop() !== '' || words.length !== values.length) {
      mismatches.push({ how: `quote() gave ${words.length} words for ${values.length} values`, value: '', got: null });
    }
    values.forEach((value, i) => {
      if (words[i] !== value) mismatches.push({ how: 'quote(), through Out-String | Invoke-Expression', value, got: words[i] ?? null });
    });
    return mismatches;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function describeMismatches(shell: string, mismatches: readonly Mismatch[]): string {
  const shown = mismatches.slice(0, 12).map((m) => (m.value === '' && m.got === null ? `  ${m.how}` : `  ${m.how}: ${JSON.stringify(m.value)} came back as ${JSON.stringify(m.got)}`));
  const more = mismatches.length > shown.length ? `\n  … and ${mismatches.length - shown.length} more` : '';
  return `${shell}: ${mismatches.length} checks failed (FUZZ_SEED=${SEED}):\n${shown.join('\n')}${more}`;
}

type Check = (values: readonly string[]) => Promise<Mismatch[]>;

/** Whether `value` fails when checked on its own (a broken word can spoil its neighbours in a batch). */
async function failsAlone(value: string, check: Check): Promise<boolean> {
  return (await check([value])).length > 0;
}

/** One value of a failing batch that fails on its own, found by halving the batch; undefined if none does. */
async function isolate(values: readonly string[], check: Check, deadline: number): Promise<string | undefined> {
  let current = values;
  while (current.length > 1 && Date.now() < deadline) {
    const first = current.slice(0, Math.ceil(current.length / 2));
    const second = current.slice(first.length);
    if ((await check(first)).length > 0) current = first;
    else if ((await check(second)).length > 0) current = second;
    else return undefined;
  }
  return current.length === 1 && (await failsAlone(current[0]!, check)) ? current[0] : undefined;
}

/**
 * A shorter value that still fails alone: every round checks, in one batch, the value with each half,
 * quarter, … and each single code point removed, and keeps the shortest candidate that fails. Bounded
 * in time; the value as found is a fine answer too.
 */
async function minimize(value: string, check: Check, deadline: number): Promise<string> {
  let current = [...value];
  while (current.length > 0 && Date.now() < deadline) {
    const candidates = new Set<string>();
    for (let size = Math.max(1, Math.floor(current.length / 2)); ; size = Math.floor(size / 2)) {
      for (let at = 0; at < current.length; at += size) candidates.add([...current.slice(0, at), ...current.slice(at + size)].join(''));
      if (size === 1) break;
    }
    const mismatches = await check([...candidates]);
    const failing = [...candidates].filter((c) => mismatches.some((m) => m.value === c)).sort((a, b) => a.length - b.length);
    let next: string | undefined;
    for (const candidate of failing.slice(0, 3)) {
      if (await failsAlone(candidate, check)) {
        next = candidate;
        break;
      }
    }
    if (next === undefined) break;
    current = [...next];
  }
  return current.join('');
}

/**
 * The property, in batches: fast-check generates ceil(FUZZ_RUNS / batch) arrays of `batch` values, and
 * each array is checked by a few shell processes. The first failing batch ends the run (fast-check's
 * own shrinking of a batch of hundreds would start thousands of shells); the report names every value
 * that came back wrong, and the first of them cut down to a minimal value that still fails alone.
 */
async function fuzzShell(t: TestContext, shell: ShellName, batch: number, check: Check, searchSeconds: number): Promise<void> {
  const started = performance.now();
  let checked = 0;
  let failure: Mismatch[] = [];
  const size = Math.min(batch, FUZZ_RUNS);
  const runs = Math.ceil(FUZZ_RUNS / size);
  const details = await fc.check(
    fc.asyncProperty(fc.array(environmentValue, { minLength: size, maxLength: size }), async (values) => {
      let mismatches: Mismatch[];
      try {
        mismatches = await check(values);
      } catch (error) {
        mismatches = [{ how: `the check itself failed: ${(error as Error).message.slice(0, 2000)}`, value: '', got: null }];
      }
      checked += values.length;
      failure = mismatches;
      return mismatches.length === 0;
    }),
    { seed: SEED, numRuns: runs, endOnFailure: true },
  );
  if (details.failed) {
    let minimal = '';
    const deadline = Date.now() + searchSeconds * 1000;
    const culprit = await isolate(details.counterexample?.[0] ?? [], check, deadline).catch(() => undefined);
    if (culprit !== undefined) {
      const value = await minimize(culprit, check, deadline).catch(() => culprit);
      minimal = `\nMinimal value that fails on its own: ${JSON.stringify(value)}\n${describeMismatches(shell, await check([value]))}`;
    }
    assert.fail(
      `${describeMismatches(shell, failure)}${minimal}\n(replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${FUZZ_RUNS}, failing batch ${details.numRuns} of ${runs})`,
    );
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  t.diagnostic(`${shell}: ${checked} generated values read back exactly (FUZZ_SEED=${SEED}, FUZZ_RUNS=${FUZZ_RUNS}, ${runs} batches of ${size}) in ${seconds} s`);
}

describe('generated values, read back by the real shells byte for byte', { concurrency: true }, () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    test(`${shell}: apply() and quote() of ${FUZZ_RUNS} generated values, clean, with user settings and in the C locale`, async (t) => {
      if (!(await requireShell(t, shell))) return;
      await fuzzShell(t, shell, 500, (values) => posixBatch(shell, values), 30);
    });
  }

  test(`pwsh: apply() and quote() of ${FUZZ_RUNS} generated values, through Out-String | Invoke-Expression and [scriptblock]::Create`, async (t) => {
    if (!(await pwshAvailable())) {
      t.skip(PWSH_UNAVAILABLE);
      return;
    }
    // Each PowerShell check starts the engine twice, so the search for a minimal value gets longer.
    await fuzzShell(t, 'pwsh', 1500, pwshBatch, 90);
  });
});

describe('generated values that cannot be in an environment', () => {
  for (const name of SHELL_NAMES) {
    const dialect: Dialect = dialectFor(name);

    test(`${name}: every value with a NUL or a lone surrogate is refused with InvalidShellValueError, and renders nothing`, () => {
      fc.assert(
        fc.property(impossibleValue, fc.array(environmentValue, { maxLength: 3 }), (value, valid) => {
          const changes = [...exportsOf(valid), { name: 'AWSMFA_FUZZ_BAD', value }];
          assert.throws(() => dialect.apply(changes), InvalidShellValueError);
          assert.throws(() => dialect.quote(value), InvalidShellValueError);
          // The reason names the problem, so the user is told more than "invalid".
          assert.throws(() => dialect.apply(changes), /NUL|surrogate/);
        }),
        { seed: SEED, numRuns: Math.max(1000, Math.ceil(FUZZ_RUNS / 3)) },
      );
    });

    test(`${name}: every value an environment can hold is accepted by apply() and quote()`, () => {
      fc.assert(
        fc.property(environmentValue, (value) => {
          assert.equal(typeof dialect.quote(value), 'string');
          assert.equal(typeof dialect.apply([{ name: 'AWSMFA_FUZZ_OK', value }]), 'string');
        }),
        { seed: SEED, numRuns: Math.max(1000, Math.ceil(FUZZ_RUNS / 3)) },
      );
    });

    test(`${name}: a name that is not [A-Za-z_][A-Za-z0-9_]* is refused, for an export and a removal`, () => {
      const badName = fc.string({ unit: piece, maxLength: 12 }).filter((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
      fc.assert(
        fc.property(badName, fc.option(environmentValue, { nil: null }), (badName, value) => {
          assert.throws(() => dialect.apply([{ name: 'FINE', value: 'v' }, { name: badName, value }]), InvalidShellValueError);
        }),
        { seed: SEED, numRuns: 1000 },
      );
    });
  }
});
