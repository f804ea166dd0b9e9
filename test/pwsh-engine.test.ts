// Proves that test/helpers/pwsh.ts runs scripts in the real pwsh and reports faithfully what they
// did, so that the other PowerShell tests can trust it. Each run starts pwsh (about a second), so
// related checks share one batch of scripts.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PWSH_UNAVAILABLE, pwshAvailable, runPwsh } from './helpers/pwsh.js';

const hasPwsh = await pwshAvailable();

/** A single-quoted PowerShell literal: the engine also ends such a string at U+2018–U+201B. */
function singleQuoted(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (quote) => quote + quote)}'`;
}

test('it is PowerShell 7 itself, with its modules and PSReadLine', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const result = await runPwsh(
    "$PSVersionTable.PSVersion.Major; $PSVersionTable.PSEdition; 'Invoke-Expression', 'Out-String', 'Register-ArgumentCompleter' | ForEach-Object { [bool](Get-Command $_ -ErrorAction Ignore) }; [bool](Get-Module -ListAvailable PSReadLine)",
  );
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.output, ['7', 'Core', 'True', 'True', 'True', 'True']);
});

test('$env: assignments and removals show in the returned environment', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const result = await runPwsh(
    "$env:AWSMFA_ENGINE_TEST = 'value'; $env:AWSMFA_ENGINE_GONE = $null; $env:AWSMFA_ENGINE_IN",
    { env: { AWSMFA_ENGINE_GONE: 'present before', AWSMFA_ENGINE_IN: 'from the request' } },
  );
  assert.deepEqual(result.errors, []);
  assert.equal(result.env['AWSMFA_ENGINE_TEST'], 'value');
  assert.equal('AWSMFA_ENGINE_GONE' in result.env, false);
  assert.deepEqual(result.output, ['from the request']);
  assert.equal(result.hadErrors, false);
});

test('a throw is reported as an error, not a crash', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const result = await runPwsh("'before'; throw 'boom'; 'after'");
  assert.deepEqual(result.output, ['before']);
  assert.deepEqual(result.errors, ['boom']);
  assert.equal(result.hadErrors, true);
  assert.match(result.errorDetails[0] ?? '', /At line:1/);
});

test('parse errors and non-terminating errors are reported', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const [parse, missing] = await runPwsh(["'x' + ", "Get-NoSuchCommand; 'still running'"]);
  assert.equal(parse?.hadErrors, true);
  assert.match(parse?.errors[0] ?? '', /expression/i);
  assert.deepEqual(missing?.output, ['still running']);
  assert.match(missing?.errors[0] ?? '', /Get-NoSuchCommand/);
});

test('a single-quoted literal round-trips quotes, $, backticks, newlines and astral characters', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const value = 'it\'s \u2018a\u2019 \u201Ab\u201B $HOME $(whoami) `n `$ " \\ \nnew line\r\n\t\u00E9 \u{1F600} \u{10FFFF} \u200B';
  const result = await runPwsh(`$env:AWSMFA_ENGINE_VALUE = ${singleQuoted(value)}; $env:AWSMFA_ENGINE_VALUE`);
  assert.deepEqual(result.errors, []);
  assert.equal(result.env['AWSMFA_ENGINE_VALUE'], value);
  assert.deepEqual(result.output, [value]);
});

test('Unicode in the request environment reaches the script intact', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const value = '\u{1F511} \u2018k\u2019 $x `y';
  const result = await runPwsh('$env:AWSMFA_ENGINE_UNICODE.Length', { env: { AWSMFA_ENGINE_UNICODE: value } });
  assert.deepEqual(result.output, [String(value.length)]);
  assert.equal(result.env['AWSMFA_ENGINE_UNICODE'], value);
});

test('Out-String | Invoke-Expression applies code in the caller scope', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const result = await runPwsh(
    [
      "$code = \"`$env:AWSMFA_ENGINE_IEX = 'applied'\", '$applied = 1', \"'out'\"",
      "$code | Out-String | Invoke-Expression; \"applied=$applied\"; ('a', 'b' | Out-String) -eq \"a`nb`n\"",
      "'' | Invoke-Expression",
    ],
  );
  const [, piped, empty] = result;
  assert.deepEqual(piped?.errors, []);
  assert.deepEqual(piped?.output, ['out', 'applied=1', 'True']);
  assert.equal(piped?.env['AWSMFA_ENGINE_IEX'], 'applied');
  // As with the real cmdlet, an empty string cannot be bound to -Command.
  assert.equal(empty?.hadErrors, true);
  assert.match(empty?.errors[0] ?? '', /empty string/);
});

test('a prompt function defined by one script is called by the next, and keeps $LASTEXITCODE', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const [define, call, exitCode] = await runPwsh([
    "function global:prompt { \"[$env:AWSMFA_PROFILE $([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() -gt 0)] PS> \" }",
    "$env:AWSMFA_PROFILE = 'doug'; $global:LASTEXITCODE = 7; prompt; $LASTEXITCODE",
    'exit 3',
  ]);
  assert.deepEqual(define?.output, []);
  assert.deepEqual(call?.output, ['[doug True] PS> ', '7']);
  assert.equal(call?.lastExitCode, 7);
  // Each script is a nested pipeline: `exit` there sets the status, and pwsh goes on with the next.
  assert.equal(exitCode?.lastExitCode, 3);
});

test('completions registered with Register-ArgumentCompleter answer TabExpansion2', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const result = await runPwsh([
    `Register-ArgumentCompleter -Native -CommandName awsmfa -ScriptBlock {
       param($word, $ast, $cursor)
       'env', 'exec', 'unset' | Where-Object { $_ -like "$word*" } |
         ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
     }`,
    "(TabExpansion2 -inputScript 'awsmfa e' -cursorColumn 8).CompletionMatches | ForEach-Object CompletionText",
  ]);
  assert.deepEqual(result[1]?.output, ['env', 'exec']);
});

test('a native command runs, its stdout is captured and its status is in $LASTEXITCODE', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  if (process.platform === 'win32') return t.skip('the fake native command is a POSIX shell script');
  const dir = await mkdtemp(path.join(tmpdir(), 'awsmfa-pwsh-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tool = path.join(dir, 'fake-awsmfa');
  // Prints pwsh code with a value that needs every kind of quoting, and a notice on stderr.
  await writeFile(
    tool,
    [
      '#!/bin/sh',
      "printf '%s\\n' \"\\$env:AWSMFA_ENGINE_NATIVE = 'a''b \u2018\u2018c\u2019\u2019 \u{1F600} \\$x'\"",
      "echo 'notice on stderr' >&2",
      'exit 0',
      '',
    ].join('\n'),
  );
  await chmod(tool, 0o755);
  const result = await runPwsh(
    `& ${singleQuoted(tool)} | Out-String | Invoke-Expression; $LASTEXITCODE; & ${singleQuoted(tool)}; & /bin/sh -c 'exit 4'`,
  );
  assert.deepEqual(result.errors, []);
  assert.equal(result.env['AWSMFA_ENGINE_NATIVE'], "a'b \u2018c\u2019 \u{1F600} $x");
  assert.deepEqual(result.output, ['0', "$env:AWSMFA_ENGINE_NATIVE = 'a''b \u2018\u2018c\u2019\u2019 \u{1F600} $x'"]);
  assert.deepEqual(result.nativeStderr, ['notice on stderr', 'notice on stderr']);
  assert.equal(result.lastExitCode, 4);
  assert.equal(result.hadErrors, false);
});

test('[Console]::WriteLine and Write-Host do not corrupt the answer', async (t) => {
  if (!hasPwsh) return t.skip(PWSH_UNAVAILABLE);
  const result = await runPwsh("[Console]::WriteLine('{not json'); Write-Host 'shown' -NoNewline; Write-Host '!'; 'out'");
  assert.deepEqual(result.output, ['out']);
  assert.equal(result.host, '{not json\nshown!\n');
});
