/**
 * Plain text columns, padded by visible width so that colour codes don't push columns apart.
 * The last column is not padded, so lines carry no trailing blanks.
 */
const ANSI = /\u001b\[[0-9;]*m/g;

/** Characters (code points): a loop rather than a spread, as tables may have thousands of rows. */
function codePoints(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    // A character outside the BMP is two UTF-16 units (a high then a low surrogate) and one character.
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    count++;
  }
  return count;
}

/** Characters shown, colour codes left out. */
function visibleWidth(text: string): number {
  return codePoints(text.includes('\u001b') ? text.replace(ANSI, '') : text);
}

export function renderTable(rows: readonly (readonly string[])[], indent = '  ', gap = '  '): string {
  const measured = rows.map((row) => row.map(visibleWidth));
  const widths: number[] = [];
  for (const row of measured) row.forEach((width, index) => (widths[index] = Math.max(widths[index] ?? 0, width)));
  // Plain loops: a listing of 5,000 profiles is 35,000 cells.
  let text = '';
  for (let at = 0; at < rows.length; at++) {
    const row = rows[at]!;
    let line = indent;
    for (let index = 0; index < row.length; index++) {
      if (index > 0) line += gap;
      line += row[index];
      const pad = index === row.length - 1 ? 0 : widths[index]! - measured[at]![index]!;
      if (pad > 0) line += ' '.repeat(pad);
    }
    text += `${line.trimEnd()}\n`;
  }
  return text;
}
