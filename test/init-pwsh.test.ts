/**
 * The PowerShell integration in the real pwsh: it parses, the wrapper applies a session from the STS
 * emulator only on success and fails as a PowerShell command fails (`&&`, `||`, `$?`,
 * `$LASTEXITCODE`, $ErrorActionPreference), the prompt chains the previous one and keeps
 * $LASTEXITCODE and $?, profile names print literally, aliases follow the config (through the profile index), and TabExpansion2
 * completes, sorted.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { COMPLETIONS_DIR } from '../scripts/gen-completions.js';
import { createWorld } from './helpers/fixture.js';
import { TRICKY_CONFIG, TRICKY_CREDENTIALS, initCode } from './helpers/integration.js';
import { loadProfiles } from '../src/aws/profiles.js';
import { profileNames } from '../src/report/profiles.js';
import { aliasProfiles } from '../src/shell/profile-index.js';
import { PWSH_UNAVAILABLE, pwshAvailable, runPwsh } from './helpers/pwsh.js';
import { ROOT } from './helpers/fixture.js';
import { pwsh, quotePwsh } from '../src/shell/pwsh.js';

async function requirePwsh(t: TestContext): Promise<boolean> {
  if (await pwshAvailable()) return true;
  t.skip(PWSH_UNAVAILABLE);
  return false;
}

/** A PowerShell string literal, quoted by the dialect that the shell-dialect tests check. */
const literal = quotePwsh;

/** Tab completion as PowerShell asks for it: the completion texts for a line with the cursor at its end. */
const complete = (line: string) =>
  `(TabExpansion2 -inputScript ${literal(line)} -cursorColumn ${line.length}).CompletionMatches | ForEach-Object { $_.CompletionText }`;

test('pwsh: every integration script parses', async (t) => {
  if (!(await requirePwsh(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const texts = [
    await readFile(join(ROOT, 'shells', 'awsmfa.ps1'), 'utf8'),
    await readFile(join(ROOT, 'shells', 'completion', 'awsmfa.ps1'), 'utf8'),
    await readFile(join(COMPLETIONS_DIR, 'awsmfa.ps1'), 'utf8'),
    await initCode('pwsh', world.env),
    await initCode('pwsh', world.env, ['--cmd', 'mfa', '--no-prompt', '--no-aliases', '--alias-prefix', "it's-"]),
  ];
  // The code `init` keeps as text, to be compiled at first use, must parse too.
  const deferred = /^\$global:__awsmfa_deferred = @'\n([\s\S]*?)\n'@$/m.exec(texts[3]!);
  assert.ok(deferred, 'init has its deferred code');
  texts.push(deferred[1]!);
  const results = await runPwsh(
    texts.map(
      (text) => `$errors = $null; $null = [System.Management.Automation.Language.Parser]::ParseInput(${literal(text)}, [ref] $null, [ref] $errors); $errors.Count; $errors | ForEach-Object { $_.Message }`,
    ),
  );
  for (const [i, result] of results.entries()) assert.deepEqual(result.output, ['0'], `script ${i}: ${result.output.join('\n')}`);
});

test('pwsh: use, unset, the prompt, aliases and Tab completion in one session', async (t) => {
  if (!(await requirePwsh(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = join(world.home, 'init.ps1');
  await writeFile(init, await initCode('pwsh', world.env));
  const custom = join(world.home, 'custom.ps1');
  await writeFile(custom, await initCode('pwsh', world.env, ['--cmd', 'mfa', '--no-prompt', '--alias-prefix', 'x-']));
  const argv = join(world.home, 'argv.js');
  await writeFile(argv, 'console.log(JSON.stringify(process.argv.slice(2)))\n');
  const hostile = "$(throw 'PWNED')`n'x'\u2018y\u2019";
  const scripts = [
    // 0: the user's prompt reads $? and $LASTEXITCODE, as prompt themes do; the integration is loaded twice.
    `function global:prompt { $ok = $?; "PS[ok=$ok code=$global:LASTEXITCODE]> " }
     . ${literal(init)}; . ${literal(init)}
     $env:AWS_PROFILE = 'keep'; $env:AWS_ACCESS_KEY_ID = 'AKIAOLD'`,
    // 1: a failure changes nothing and leaves its status in $LASTEXITCODE.
    `awsmfa use no-such-profile --token-code 123456; "status=$LASTEXITCODE"; "profile=$env:AWS_PROFILE key=$env:AWS_ACCESS_KEY_ID session=$env:AWSMFA_PROFILE"`,
    // 2
    `awsmfa use doug --token-code ${world.code()} --duration 900; "status=$LASTEXITCODE"; "profile=$env:AWS_PROFILE session=$env:AWSMFA_PROFILE"; "key=$env:AWS_ACCESS_KEY_ID"`,
    // 3: the prompt after a failed native command.
    `$global:LASTEXITCODE = 7; try { [int]::Parse('x') } catch { }; prompt; "after=$global:LASTEXITCODE"`,
    // 4
    `$env:AWSMFA_EXPIRES_AT = [string]([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 5); $env:AWSMFA_PROFILE = ${literal(hostile)}; prompt`,
    // 5
    `awsmfa unset; "status=$LASTEXITCODE"; "profile=$env:AWS_PROFILE key=$env:AWS_ACCESS_KEY_ID session=$env:AWSMFA_PROFILE"; prompt`,
    // 6: aliases resolve from the profile index when used; the cached session needs no code.
    `__awsmfa_load; $null -ne (__awsmfa_alias_profile aws-doug); $null -ne (__awsmfa_alias_profile aws-admin); $null -ne (__awsmfa_alias_profile aws-nomfa); aws-doug; "status=$LASTEXITCODE session=$env:AWSMFA_PROFILE"`,
    // 7-11: Tab.
    complete('awsmfa e'),
    complete('awsmfa use '),
    complete('awsmfa env --shell '),
    complete('awsmfa env --tok'),
    complete('awsmfa env doug '),
    // 12: another wrapper name, and its completion.
    `. ${literal(custom)}; mfa --version | Out-Null; "status=$LASTEXITCODE"; __awsmfa_load; $null -ne (__awsmfa_alias_profile x-doug)`,
    complete('mfa use d'),
    // 14: PowerShell drops a bare `--` from a function's arguments; the wrapper puts it back for the program.
    `$global:__awsmfa_script = ${literal(argv)}; awsmfa exec doug -- aws s3 ls --recursive`,
    // 15: every command, as Tab lists them.
    complete('awsmfa '),
    // 16: without a session, the prompt after a failed native command is the user's, as they left it.
    `$env:AWSMFA_PROFILE = $null; $global:LASTEXITCODE = 3; try { [int]::Parse('x') } catch { }; prompt; "after=$global:LASTEXITCODE"`,
  ];
  const r = await runPwsh(scripts, { env: { ...world.env, NO_COLOR: null } });
  for (const [i, result] of r.entries()) {
    // The failure is reported as a PowerShell command's error, after the program's own message.
    const expected = i === 1 ? ['exited with status 1 (see the message above)'] : [];
    assert.deepEqual(result.errors, expected, `script ${i}: ${result.errorDetails.join('\n')}\n${result.nativeStderr.join('\n')}`);
  }

  assert.notEqual(r[1]!.output[0], 'status=0');
  assert.equal(r[1]!.output[1], 'profile=keep key=AKIAOLD session=');

  assert.deepEqual(r[2]!.output.slice(0, 2), ['status=0', 'profile= session=doug']);
  assert.match(r[2]!.output[2]!, /^key=ASIA/);

  const [prompt, after] = r[3]!.output;
  assert.match(prompt!, /^\x1b\[33m\[doug 1[45]m\] \x1b\[0mPS\[ok=False code=7\]> $/, JSON.stringify(prompt));
  assert.equal(after, 'after=7');

  assert.equal(r[4]!.output[0], `\x1b[31m[${hostile} expired] \x1b[0mPS[ok=True code=7]> `);

  assert.deepEqual(r[5]!.output, ['status=0', 'profile=keep key=AKIAOLD session=', 'PS[ok=True code=0]> ']);

  assert.deepEqual(r[6]!.output, ['True', 'True', 'False', 'status=0 session=doug']);

  assert.deepEqual(r[7]!.output, ['env', 'exec']);
  assert.deepEqual(r[8]!.output, ['admin', 'audit', 'default', 'doug', 'nomfa']);
  assert.deepEqual(r[9]!.output, ['bash', 'fish', 'pwsh', 'zsh']);
  assert.deepEqual(r[10]!.output, ['--token-code']);
  // Nothing of awsmfa's: what is left is PowerShell's own fallback, the file names here.
  assert.ok(r[11]!.output.every((text) => text.startsWith('./')), r[11]!.output.join(' '));
  assert.deepEqual(r[12]!.output, ['status=0', 'True']);
  assert.deepEqual(r[13]!.output, ['default', 'doug']);
  assert.deepEqual(r[14]!.output, ['["exec","doug","--","aws","s3","ls","--recursive"]']);
  // Sorted, as bash, zsh and fish show them, not in the order the commands are defined.
  assert.ok(r[15]!.output.length > 5 && r[15]!.output.includes('env'), r[15]!.output.join(' '));
  assert.deepEqual(r[15]!.output, [...r[15]!.output].sort());
  assert.deepEqual(r[16]!.output, ['PS[ok=False code=3]> ', 'after=3']);
});

test('pwsh: a failed use, unset, alias or Invoke-Expression stops &&, runs ||, and stops the script under ErrorAction Stop', async (t) => {
  if (!(await requirePwsh(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = join(world.home, 'init.ps1');
  await writeFile(init, await initCode('pwsh', world.env));
  const argv = join(world.home, 'argv.js');
  await writeFile(argv, 'console.log(JSON.stringify(process.argv.slice(2)))\n');
  // The program itself, without the integration's wrapper, as `awsmfa` is before the integration loads.
  const program = `& ${literal(process.execPath)} ${literal(join(ROOT, 'dist', 'awsmfa.js'))}`;
  const state = '"ok=$? code=$LASTEXITCODE key=$env:AWS_ACCESS_KEY_ID session=$env:AWSMFA_PROFILE"';
  const failing: readonly string[] = [
    'awsmfa use dgu --token-code 123456',
    'awsmfa unset --no-such-flag',
    'aws-doug --no-such-flag',
    'awsmfa env dgu --token-code 123456 | Out-String | Invoke-Expression',
    `${program} env dgu --shell pwsh --token-code 123456 | Out-String | Invoke-Expression`,
  ];
  const scripts = [
    `. ${literal(init)}; $env:AWS_ACCESS_KEY_ID = 'AKIAOLDEXAMPLE000001'`,
    // Success goes on (first, while the code is fresh on a slow machine), and leaves things as they were.
    `awsmfa use doug --token-code ${world.code()} && 'next' || 'otherwise'; ${state}`,
    `aws-doug && awsmfa unset && 'next' || 'otherwise'; ${state}`,
    // Default settings: the right side of && does not run, that of || does; $? and $LASTEXITCODE say it failed.
    ...failing.map((command) => `${command} && 'next' || 'otherwise'; ${command}; ${state}`),
    // $ErrorActionPreference = 'Stop': the failure is a terminating error that try/catch sees.
    ...failing.map((command) => `$ErrorActionPreference = 'Stop'; try { ${command}; 'not stopped' } catch { 'stopped' } finally { $ErrorActionPreference = 'Continue' }`),
    // PowerShell's own parameters (-d is -Debug, -v -Verbose, -p would abbreviate two) and a bare --
    // reach the program as typed.
    `$global:__awsmfa_script = ${literal(argv)}; awsmfa exec doug -d 900 -v -p x -o -e -i -w -- aws s3 ls -v; awsmfa policy -p doug`,
  ];
  const r = await runPwsh(scripts, { env: { ...world.env, NO_COLOR: '1' } });
  const n = failing.length;
  assert.deepEqual(r[0]!.errors, []);
  const [use, alias] = r.slice(1, 3);
  failing.forEach((command, i) => {
    const run = r[3 + i]!;
    assert.deepEqual(run.output, ['otherwise', 'ok=False code=1 key=AKIAOLDEXAMPLE000001 session='], `${command}: ${run.errors.join(' | ')}`);
    assert.ok(run.errors.length > 0, `${command}: no error record`);
    assert.deepEqual(r[3 + n + i]!.output, ['stopped'], `${command} under ErrorAction Stop: ${r[3 + n + i]!.errors.join(' | ')}`);
  });
  const argvRun = r[3 + 2 * n];
  assert.deepEqual(use!.errors, [], use!.errorDetails.join('\n'));
  assert.equal(use!.output[0], 'next');
  assert.match(use!.output[1]!, /^ok=True code=0 key=ASIA\S+ session=doug$/);
  assert.deepEqual(alias!.errors, [], alias!.errorDetails.join('\n'));
  assert.deepEqual(alias!.output, ['next', 'ok=True code=0 key=AKIAOLDEXAMPLE000001 session=']);
  assert.deepEqual(argvRun!.errors, [], argvRun!.errorDetails.join('\n'));
  assert.deepEqual(argvRun!.output, ['["exec","doug","-d","900","-v","-p","x","-o","-e","-i","-w","--","aws","s3","ls","-v"]', '["policy","-p","doug"]']);
});

test('pwsh: profile names and aliases PowerShell loads from the index are the profiles awsmfa reads', async (t) => {
  if (!(await requirePwsh(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const config = join(world.home, 'tricky-config');
  const credentials = join(world.home, 'tricky-credentials');
  await writeFile(config, TRICKY_CONFIG);
  await writeFile(credentials, TRICKY_CREDENTIALS);
  const env = { ...world.env, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
  const init = join(world.home, 'init-tricky.ps1');
  await writeFile(init, await initCode('pwsh', env, ['--no-prompt']));
  const read = await loadProfiles(env);
  const aliases = aliasProfiles(read).map((name) => `aws-${name}`);
  const result = await runPwsh(
    `. ${literal(init)}; __awsmfa_load; (__awsmfa_profile_names) -join '|'; (${aliases.map(literal).join(', ')} | Where-Object { $null -ne (__awsmfa_alias_profile $_) }) -join '|'`,
    { env },
  );
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.output[0]!.split('|').sort(), profileNames(read).sort());
  assert.deepEqual(result.output[1]!.split('|').sort(), aliases.filter((name) => pwsh.index.isAliasName(name)).sort());
});

test('pwsh: a start compiles only what it needs, and the first Tab, dash word, alias or awsmfa, whichever comes first, loads the rest', async (t) => {
  if (!(await requirePwsh(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = join(world.home, 'init.ps1');
  await writeFile(init, await initCode('pwsh', world.env));
  // Prints PowerShell code that says how it was run, for `use` to apply.
  const stub = join(world.home, 'stub.js');
  await writeFile(stub, `console.log("'ran " + process.argv.slice(2).join(' ') + "'")\n`);
  const defined = "'complete=' + [bool]${function:__awsmfa_complete}; 'main=' + [bool]${function:__awsmfa_main}";
  const [tab, dash, alias, wrapper] = await Promise.all([
    runPwsh(`. ${literal(init)}; ${defined}; ${complete('awsmfa use d')}; ${defined}`, { env: world.env }),
    runPwsh(`. ${literal(init)}; ${complete('awsmfa exec doug -')}`, { env: world.env }),
    runPwsh(`. ${literal(init)}; $global:__awsmfa_script = ${literal(stub)}; aws-doug -x; ${defined}`, { env: world.env }),
    runPwsh(`. ${literal(init)}; $global:__awsmfa_script = ${literal(stub)}; awsmfa unset; ${defined}`, { env: world.env }),
  ]);
  // An MFA code with a leading zero, typed bare, is a number to PowerShell: the program gets it as typed.
  const digits = await runPwsh(`. ${literal(init)}; $global:__awsmfa_script = ${literal(stub)}; awsmfa use doug --token-code 012345 -d 0900; aws-doug -c 1e3`, { env: world.env });
  assert.deepEqual(digits.errors, [], digits.errorDetails.join('\n'));
  assert.deepEqual(digits.output, ['ran use --shell pwsh doug --token-code 012345 -d 0900', 'ran use --shell pwsh doug -c 1e3']);
  for (const result of [tab, dash, alias, wrapper]) assert.deepEqual(result.errors, [], result.errorDetails.join('\n'));
  assert.deepEqual(tab.output, ['complete=False', 'main=False', 'default', 'doug', 'complete=True', 'main=True']);
  assert.ok(dash.output.includes('-c') && dash.output.includes('--token-code'), dash.output.join(' '));
  assert.ok(!dash.output.includes('-Debug'), dash.output.join(' '));
  assert.deepEqual(alias.output, ['ran use --shell pwsh doug -x', 'complete=True', 'main=True']);
  assert.deepEqual(wrapper.output, ['ran unset --shell pwsh', 'complete=True', 'main=True']);
});
