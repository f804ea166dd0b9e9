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
  let text = '';
  rows.forEach((row, at) => {
    const cells = row.map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - measured[at]![index]!)));
    text += `${`${indent}${cells.join(gap)}`.trimEnd()}\n`;
  });
  return text;
}
