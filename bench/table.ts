/** Prints a Markdown table, columns padded to their widest cell; `leftAligned` columns pad on the right. */
export function printTable(header: readonly string[], rows: readonly string[][], leftAligned: ReadonlySet<number> = new Set()): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    '| ' + cells.map((cell, i) => leftAligned.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((width) => '-'.repeat(width + 2)).join('|') + '|');
  for (const row of rows) console.log(line(row));
}
