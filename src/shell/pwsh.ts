import { checkShellWord, renderChanges, type Dialect } from './dialect.js';

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
  failure() {
    // `throw` is a language statement, so it works in any host, and a terminating error: it stops the
    // rest of the user's command line (`… | Invoke-Expression; aws s3 ls` does not reach `aws`) and
    // sets $? to false, but only ends a script, never the interactive session. The message goes to
    // the error stream, not to stdout. $LASTEXITCODE is set too, for callers that look at that.
    return "$global:LASTEXITCODE = 1; throw 'awsmfa: no session was exported (see the message above)'\n";
  },
};
