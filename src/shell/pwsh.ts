import { join } from 'node:path';
import { AwsmfaError } from '../errors.js';
import { platform } from '../platform/index.js';
import type { CompletionOption, CompletionSpec } from './completions.js';
import { checkRecordNames, checkShellWord, RECORD_MARK, renderChanges, type Dialect } from './dialect.js';

/**
 * PowerShell ends a single-quoted string at any of ' ‘ ’ ‚ ‛ (U+0027, U+2018–U+201B), and reads a
 * doubled one as that character. Nothing else is special inside, so a value is never put between
 * double quotes, where `$` and the backtick are live.
 */
const QUOTE_CHARACTERS = /['\u2018\u2019\u201A\u201B]/g;

/**
 * CR and LF are kept out of the literal and joined in as `[char]13` / `[char]10`: the usual
 * `awsmfa env … | Out-String | Invoke-Expression` splits a native command's output into lines and
 * joins them again with the platform's newline, which would turn LF into CRLF on Windows and CR into
 * a newline everywhere. With them outside, every statement is one physical line and survives that.
 */
const LINE_BREAK = /(\r|\n)/;

function quoteLiteral(text: string): string {
  return `'${text.replace(QUOTE_CHARACTERS, (c) => c + c)}'`;
}

export function quotePwsh(value: string): string {
  checkShellWord(value);
  if (!LINE_BREAK.test(value)) return quoteLiteral(value);
  // split() with a capturing group alternates text and line breaks, starting with text (maybe
  // empty); that first string literal makes `+` concatenate strings rather than add [char] codes.
  const parts = value.split(LINE_BREAK).map((part, i) =>
    i % 2 === 1 ? `[char]${part.charCodeAt(0)}` : quoteLiteral(part),
  );
  return `(${parts.filter((part, i) => i === 0 || part !== "''").join(' + ')})`;
}

const indent = (code: string, depth = 1) => code.replace(/^(?=.)/gm, ' '.repeat(4 * depth));
/** The record, or $null before the first session: a plain `$global:…` of a variable never set is an error under StrictMode. */
const RECORD_LOOKUP = `$ExecutionContext.SessionState.PSVariable.GetValue('global:${RECORD_MARK}')`;

export const pwsh: Dialect = {
  name: 'pwsh',
  quote: quotePwsh,
  apply(changes) {
    // Invoke-Expression refuses an empty string, so an empty change list still says something.
    if (changes.length === 0) return '$null = $null\n';
    // Assignments only, no cmdlets (Remove-Item, Set-Item): they work in any host, whatever modules
    // it loads. Assigning $null to an env: variable removes it, and is quiet when it does not exist.
    return renderChanges(changes, ({ name, value }) =>
      value === null ? `$env:${name} = $null` : `$env:${name} = ${quotePwsh(value)}`,
    );
  },
  // One `if ($true) { … }` each: bash and zsh refuse `(…) {` whole, fish an `if` without its `end`.
  // The record is a hashtable in a global variable, not in env:, so programs started later never see
  // it; only assignments, as in `apply`, so that it works in any host.
  enter(saved, changes) {
    checkRecordNames(saved);
    return [
      'if ($true) {\n',
      `    if ($null -eq ${RECORD_LOOKUP}) {\n`,
      `        $global:${RECORD_MARK} = @{}\n`,
      ...saved.map((name) => `        $global:${RECORD_MARK}[${quotePwsh(name)}] = $env:${name}\n`),
      '    }\n',
      ...saved.map((name) => `    $env:${name} = $global:${RECORD_MARK}[${quotePwsh(name)}]\n`),
      ...(changes.length === 0 ? [] : [pwsh.apply(changes)]),
      '}\n',
    ].join('');
  },
  leave(saved, otherwise, always) {
    checkRecordNames(saved);
    return [
      'if ($true) {\n',
      `    if ($null -ne ${RECORD_LOOKUP}) {\n`,
      ...saved.map((name) => `        $env:${name} = $global:${RECORD_MARK}[${quotePwsh(name)}]\n`),
      `        $global:${RECORD_MARK} = $null\n`,
      '    } else {\n',
      ...(otherwise.length === 0 ? [] : [indent(pwsh.apply(otherwise), 2)]),
      '    }\n',
      ...(always.length === 0 ? [] : [indent(pwsh.apply(always))]),
      '}\n',
    ].join('');
  },
  failure() {
    // A non-terminating error, as a failing cmdlet writes: nothing inside Invoke-Expression can make
    // its own $? false, but the command that printed this did fail (the program's status, or the
    // wrapper's error), so `awsmfa env … | Out-String | Invoke-Expression && aws s3 ls` stops and
    // `|| …` runs; with $ErrorActionPreference = 'Stop' this error ends the script. `throw` would
    // end the whole line, `||` included. $LASTEXITCODE is set for callers that look at that.
    return "$global:LASTEXITCODE = 1; Write-Error -Message 'awsmfa: no session was exported (see the message above)' -ErrorId AwsmfaNoSession -Category InvalidResult\n";
  },
  applyLine: (command) => `${command} | Out-String | Invoke-Expression`,
  integration: {
    startupFiles: (home, configHome) => ({
      startup: platform.powershellProfileDirs(home, configHome).flatMap((dir) => [join(dir, 'Microsoft.PowerShell_profile.ps1'), join(dir, 'profile.ps1')]),
      startupDirs: [],
      suggestion: `add to $PROFILE: awsmfa init pwsh | Out-String | Invoke-Expression`,
    }),
    integrationFile: 'awsmfa.ps1',
    completionFile: 'awsmfa.ps1',
    // A function name is one bare word here: `function global:NAME` and `& NAME` must both read it.
    isFunctionName: (name) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) && !PWSH_RESERVED.has(name.toLowerCase()),
    completionData: pwshCompletionData,
    combine: combinePwsh,
  },
  index: {
    // 2 put the names Tab offers, sorted, and their completion texts before the aliases.
    version: 2,
    // First what Tab offers, ready to use (see completionLines); then each alias's name and profile on
    // lines of their own. The integration resolves an alias only when PowerShell found no command of
    // that name (CommandNotFoundAction), so an alias never hides anything.
    aliasLines: (aliases, profiles) => [...completionLines(profiles), ...aliases.flatMap(({ name, profile }) => [name, profile])],
    isAliasName: (name) => /^[A-Za-z0-9_.@+][A-Za-z0-9_.@+-]*$/.test(name),
    builtins: new Set(),
    aliasesShadowCommands: false,
  },
};

/**
 * The profile names as Tab offers them: their number, the names sorted by ordinal comparison (as
 * .NET's StringComparer.Ordinal sorts, UTF-16 code units), then each one's completion text in the same
 * order, in quotes where the bare word would not read back as the name (`@x` is a splat). With them
 * sorted, the completer finds the names that start with the typed word by binary search and hands
 * PowerShell the texts as one array, with no script loop over thousands of names at each Tab.
 */
export function completionLines(profiles: readonly string[]): string[] {
  const sorted = [...new Set(profiles)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [String(sorted.length), ...sorted, ...sorted.map(completionText)];
}

/** .NET's `\w`, which the completion code's own test of a bare word uses. */
const WORD = String.raw`\p{L}\p{Mn}\p{Nd}\p{Pc}`;
/**
 * Made at first use: V8 compiles a pattern when it is constructed, and the Unicode classes of this one
 * cost about 7 M instructions, which every run that loads this module (a cached `env` in any shell) paid.
 */
let bareWord: RegExp | undefined;

/** A value as Tab puts it on the line: bare when PowerShell reads the bare word back as itself. */
export function completionText(value: string): string {
  bareWord ??= new RegExp(`^[${WORD}.:/%+-][${WORD}.:/%+@=-]*$`, 'u');
  return bareWord.test(value) ? value : quoteLiteral(value);
}

/** The line of shells/awsmfa.ps1, inside the text compiled at first use, that the completion script replaces. */
const COMPLETION_LINE = /^#AWSMFA-COMPLETION-SCRIPT$/m;
/** The line of shells/awsmfa.ps1, among the start-up code, that the completion script's start-up part replaces. */
const START_UP_LINE = /^#AWSMFA-COMPLETION-START-UP$/m;
/** The line of the completion script after which comes what must run at start (the TabExpansion2 wrapper). */
const START_UP_PART = /^#AWSMFA-START-UP\n/m;
/** What would end that text (a single-quoted here-string) early. */
const HERE_STRING_END = /^'@/m;

/**
 * `init`'s output: the completion script goes into the integration's deferred code (see
 * shells/awsmfa.ps1), except its start-up part, which goes among the code that runs at start.
 */
function combinePwsh(completions: string, integration: string): string {
  const damaged = (what: string) => new AwsmfaError(what, { hint: 'Reinstall awsmfa: its shells/ directory is damaged.' });
  if (!COMPLETION_LINE.test(integration) || !START_UP_LINE.test(integration)) throw damaged('shells/awsmfa.ps1 lacks its #AWSMFA-COMPLETION-SCRIPT or #AWSMFA-COMPLETION-START-UP line');
  const split = START_UP_PART.exec(completions);
  if (!split) throw damaged('the PowerShell completion script has no #AWSMFA-START-UP line');
  const deferred = completions.slice(0, split.index);
  const startUp = completions.slice(split.index + split[0].length);
  if (HERE_STRING_END.test(deferred)) throw damaged("the PowerShell completion script has a line starting with '@");
  return integration.replace(COMPLETION_LINE, () => deferred.replace(/\n*$/, '')).replace(START_UP_LINE, () => startUp.replace(/\n*$/, ''));
}

/** PowerShell's keywords (case-insensitive), which cannot name a function one calls by name. */
const PWSH_RESERVED = new Set(
  'begin break catch class clean continue data define do dynamicparam else elseif end enum exit filter finally for foreach from function hidden if in param process return static switch throw trap try until using var while workflow'.split(' '),
);

function pwshArray(items: readonly string[]): string {
  return `@(${items.map(quotePwsh).join(', ')})`;
}

function pwshOption(option: CompletionOption): string {
  const value = option.value === undefined ? '$null' : quotePwsh(option.value);
  return `@{ Names = ${pwshArray(option.names)}; Value = ${value}; Description = ${quotePwsh(option.description)} }`;
}

function pwshCompletionData(spec: CompletionSpec): string {
  const lines = [
    '# The commands, their options (Value: the kind of value one takes) and the kinds of their arguments.',
    'function global:__awsmfa_completion_data {',
    '    @{',
    '        Commands = @(',
  ];
  spec.commands.forEach((command, i) => {
    const rest = command.rest === undefined ? '$null' : quotePwsh(command.rest);
    lines.push(
      '            @{',
      `                Name = ${quotePwsh(command.name)}`,
      `                Description = ${quotePwsh(command.description)}`,
      '                Options = @(',
      ...command.options.map((o, j) => `                    ${pwshOption(o)}${j < command.options.length - 1 ? ',' : ''}`),
      '                )',
      `                Arguments = ${pwshArray(command.positionals)}`,
      `                Rest = ${rest}`,
      `            }${i < spec.commands.length - 1 ? ',' : ''}`,
    );
  });
  lines.push(
    '        )',
    '        GlobalOptions = @(',
    ...spec.globalOptions.map((o, j) => `            ${pwshOption(o)}${j < spec.globalOptions.length - 1 ? ',' : ''}`),
    '        )',
    `        Shells = ${pwshArray(spec.shells)}`,
    '    }',
    '}',
  );
  return lines.join('\n');
}
