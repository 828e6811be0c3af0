// Plain-text tables for the bench scripts: columns with a header, a rule, right-aligned numbers.

/** Formats a number for a table cell: n/a for missing, thousands separators, `digits` decimals. */
export function num(x, digits = 1) {
  if (x === undefined || x === null || Number.isNaN(x)) return 'n/a';
  return x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Renders rows (arrays of cells) under `columns` ([{ title, align: 'left' | 'right' }]) as lines of text; a row
 * that is a string is printed as it is (a note or a ratio line between rows).
 */
export function table(columns, rows) {
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...rows.filter(Array.isArray).map((r) => String(r[i] ?? '').length)),
  );
  const cell = (text, i) =>
    columns[i].align === 'left' ? String(text).padEnd(widths[i]) : String(text).padStart(widths[i]);
  const line = (cells) => cells.map(cell).join('  ').trimEnd();
  return [
    line(columns.map((c) => c.title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => (Array.isArray(r) ? line(r) : r)),
  ];
}

/** The load generator's own table: one line per result row. */
export function loadTable(rows, formatSize) {
  return table(
    [
      { title: 'target', align: 'left' },
      { title: 'mode', align: 'left' },
      { title: 'size' },
      { title: 'c' },
      { title: 'ops' },
      { title: 'ops/s' },
      { title: 'MiB/s' },
      { title: 'p50 ms' },
      { title: 'p99 ms' },
      { title: 'errors' },
      { title: 'client CPU' },
    ],
    rows.map((r) => [
      r.target,
      r.mode,
      r.sizeBytes ? formatSize(r.sizeBytes) : '-',
      r.concurrency,
      r.ops,
      num(r.opsPerSec),
      num(r.mibPerSec),
      num(r.p50Ms, 2),
      num(r.p99Ms, 2),
      r.errors,
      `${num(r.clientCpuPct, 0)}%`,
    ]),
  );
}
