/**
 * One CSV cell per RFC 4180 (quoted when it holds a quote, a comma or a line break; quotes doubled), with the
 * formula-injection guard: a cell a spreadsheet would read as a formula or a command (starting with = + - @, a tab or
 * a carriage return) gets a leading apostrophe, so it is shown as text.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : `${value as number}`;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV record: the cells joined by commas, ended by CRLF (RFC 4180). */
export function csvRow(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** The UTF-8 byte order mark: spreadsheet programs read the file as UTF-8 with it (Excel needs it for Chinese). */
export const UTF8_BOM = '\uFEFF';
