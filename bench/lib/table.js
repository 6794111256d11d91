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

/** The latency columns of a case table: case, n, p50/p90/p99/mean in `unit` with `digits` decimals. */
export function latencyColumns({ unit = 'ms', digits = 3, labelKey = 'label' } = {}) {
  return [
    { title: 'case', key: labelKey },
    { title: 'n', key: 'n' },
    { title: `p50 ${unit}`, key: 'p50', digits },
    { title: `p90 ${unit}`, key: 'p90', digits },
    { title: `p99 ${unit}`, key: 'p99', digits },
    { title: `mean ${unit}`, key: 'mean', digits },
  ];
}

/** ratioRows: [{ ratio: name, p50, p90, p99, mean }] from stats.ratios(), shown as "1.23x". */
export function formatRatioTable(ratioRows) {
  const times = (x) => `${x.toFixed(2)}x`;
  return formatTable(
    [
      { title: 'ratio', key: 'ratio' },
      { title: 'p50', key: 'p50', align: 'right' },
      { title: 'p90', key: 'p90', align: 'right' },
      { title: 'p99', key: 'p99', align: 'right' },
      { title: 'mean', key: 'mean', align: 'right' },
    ],
    ratioRows.map((r) => ({ ratio: r.ratio, p50: times(r.p50), p90: times(r.p90), p99: times(r.p99), mean: times(r.mean) })),
  );
}

/**
 * concurrency: { [inFlight]: { [caseKey]: stats.inParallel() result } }, labelled by cases[caseKey].label.
 */
export function formatConcurrencyTable(concurrency, cases) {
  return formatTable(
    [
      { title: 'case', key: 'label' },
      { title: 'in flight', key: 'inFlight' },
      { title: 'n', key: 'n' },
      { title: 'p50 ms', key: 'p50', digits: 3 },
      { title: 'p99 ms', key: 'p99', digits: 3 },
      { title: 'calls/s', key: 'callsPerSecond' },
    ],
    Object.entries(concurrency ?? {}).flatMap(([inFlight, byCase]) => Object.entries(byCase).map(([name, r]) => ({ label: cases[name]?.label ?? name, inFlight, ...r }))),
  );
}

/** measured: { truncated, perCase }: a line saying the time budget cut the run short, or ''. */
export function truncationNote(measured) {
  return measured.truncated ? `\nNOTE: the time budget cut the run short at ${measured.perCase} calls per case.` : '';
}
