/**
 * Plain text columns, padded by visible width so that colour codes don't push columns apart.
 * The last column is not padded, so lines carry no trailing blanks.
 */
const ANSI = /\u001b\[[0-9;]*m/g;

function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

export function renderTable(rows: readonly (readonly string[])[], indent = '  ', gap = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, visibleWidth(cell))));
  return rows
    .map((row) => {
      const cells = row.map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - visibleWidth(cell))));
      return `${indent}${cells.join(gap)}`.trimEnd();
    })
    .map((line) => `${line}\n`)
    .join('');
}
