// Plain-text tables for the terminal.

/**
 * columns: [{ title, key, align?, digits? }], rows: objects. Numbers are right-aligned, and shown
 * with `digits` decimals when the column sets it (integers get thousands separators otherwise).
 */
export function formatTable(columns, rows) {
  const cells = rows.map((row) => columns.map((c) => format(row[c.key], c.digits)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i].length)));
  const alignOf = (c, i) => c.align ?? (rows.some((row) => typeof row[columns[i].key] === 'number') ? 'right' : 'left');
  const line = (values) =>
    values.map((v, i) => (alignOf(columns[i], i) === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function format(value, digits) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (digits !== undefined) return value.toFixed(digits);
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return value < 10 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(1);
  }
  return String(value);
}
