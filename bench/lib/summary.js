// The matrix's rows as results: each row has a value per target (Coffer, the ceiling, the peer), ratios of Coffer
// to each baseline, and goals checked PASS / MISS. Ratios are Coffer's performance relative to the baseline, so
// above 1 means Coffer does better: value / baseline for rates, baseline / value for times and memory.
import { num, table } from './report.js';

export const TARGET_ORDER = ['coffer', 'ceiling', 's3rver'];

/**
 * A row: { id, title, unit, higherIsBetter, digits, measurements: { coffer, ceiling, s3rver } (each undefined when
 * the target does not apply), goals: [{ label, test(row) → true | false | undefined }], notes: [] }.
 * Each measurement is { value, ...whatever was measured (ops, opsPerSec, p50Ms, errors …) }.
 */
export function ratio(row, baseline) {
  const c = row.measurements.coffer?.value;
  const b = row.measurements[baseline]?.value;
  if (!(c > 0) || !(b > 0)) return undefined;
  return row.higherIsBetter ? c / b : b / c;
}

/** Goal helpers, each returning a { label, test } a row can list. */
export const goals = {
  /** Coffer at least `factor` × the ceiling (in the row's ratio sense). */
  ceiling: (factor) => ({
    label: `≥ ${factor.toFixed(2)}× ceiling`,
    test: (row) => maybe(ratio(row, 'ceiling'), (r) => r >= factor),
  }),
  peer: (factor = 2) => ({
    label: `≥ ${factor}× s3rver`,
    test: (row) => maybe(ratio(row, 's3rver'), (r) => r >= factor),
  }),
  atLeast: (limit, unit) => ({
    label: `≥ ${limit} ${unit}`,
    test: (row) => maybe(row.measurements.coffer?.value, (v) => v >= limit),
  }),
  below: (limit, unit) => ({
    label: `< ${limit} ${unit}`,
    test: (row) => maybe(row.measurements.coffer?.value, (v) => v < limit),
  }),
  /** Coffer's p50 latency within `factor` × another row's (listing a big bucket against a small one). */
  latencyWithin: (factor, otherRow, otherLabel) => ({
    label: `p50 ≤ ${factor}× ${otherLabel}`,
    test: (row) => {
      const mine = row.measurements.coffer?.p50Ms;
      const theirs = otherRow.measurements.coffer?.p50Ms;
      return maybe(mine > 0 && theirs > 0 ? mine / theirs : undefined, (r) => r <= factor);
    },
    detail: (row) => {
      const mine = row.measurements.coffer?.p50Ms;
      const theirs = otherRow.measurements.coffer?.p50Ms;
      return mine > 0 && theirs > 0 ? `(${(mine / theirs).toFixed(2)}×)` : '';
    },
  }),
  noErrors: () => ({
    label: 'no errors',
    test: (row) => maybe(row.measurements.coffer, (m) => (m.errors ?? 0) === 0),
  }),
};

function maybe(x, predicate) {
  return x === undefined || x === null || Number.isNaN(x) ? undefined : predicate(x);
}

export function evaluate(row) {
  return row.goals.map((g) => {
    const pass = g.test(row);
    return { goal: g.label, pass: pass === undefined ? null : pass, detail: g.detail?.(row) ?? '' };
  });
}

const verdict = (pass) => (pass === null ? 'n/a' : pass ? 'PASS' : 'MISS');

/** The summary table: one line per row with its value per target, the ratios and the goals. */
export function summaryTable(rows) {
  return table(
    [
      { title: 'row', align: 'left' },
      { title: 'unit', align: 'left' },
      { title: 'coffer' },
      { title: 'ceiling' },
      { title: 's3rver' },
      { title: '×ceiling' },
      { title: '×s3rver' },
      { title: 'CPU ms/req c/ceil/s3r' },
      { title: 'goals', align: 'left' },
    ],
    rows.map((row) => {
      const cell = (name) => {
        const m = row.measurements[name];
        if (m === undefined) return 'n/a';
        if (!(m.value > 0)) return 'failed';
        return `${num(m.value, row.digits ?? 1)}${m.errors > 0 ? '!' : ''}`;
      };
      const r = (name) => {
        const x = ratio(row, name);
        return x === undefined ? 'n/a' : x.toFixed(2);
      };
      const checks = evaluate(row)
        .map((c) => `${c.goal} ${verdict(c.pass)}${c.detail ? ` ${c.detail}` : ''}`)
        .join('; ');
      return [
        row.title,
        row.unit,
        cell('coffer'),
        cell('ceiling'),
        cell('s3rver'),
        r('ceiling'),
        r('s3rver'),
        cpuCell(row),
        checks,
      ];
    }),
  );
}

/** The servers' CPU milliseconds per request (PUT/GET rows), Coffer / ceiling / s3rver; '' where not measured. */
function cpuCell(row) {
  const values = TARGET_ORDER.map((name) => row.measurements[name]?.serverCpuMsPerOp);
  if (values.every((v) => v === undefined)) return '';
  return values.map((v) => (v === undefined ? '-' : v.toFixed(3))).join(' / ');
}

/** Every measurement: one line per row and target. */
export function measurementTable(rows, formatSize) {
  const lines = [];
  for (const row of rows) {
    for (const name of TARGET_ORDER) {
      const m = row.measurements[name];
      if (m === undefined) continue;
      lines.push([
        row.title,
        name,
        m.sizeBytes ? formatSize(m.sizeBytes) : '',
        m.concurrency ?? '',
        m.ops ?? '',
        num(m.opsPerSec),
        m.mibPerSec ? num(m.mibPerSec) : '',
        num(m.p50Ms, 2),
        num(m.p99Ms, 2),
        m.errors ?? 0,
        m.extra ?? '',
      ]);
    }
  }
  return table(
    [
      { title: 'row', align: 'left' },
      { title: 'target', align: 'left' },
      { title: 'size' },
      { title: 'c' },
      { title: 'ops' },
      { title: 'ops/s' },
      { title: 'MiB/s' },
      { title: 'p50 ms' },
      { title: 'p99 ms' },
      { title: 'errors' },
      { title: 'other', align: 'left' },
    ],
    lines,
  );
}

/** One JSON-able record per row. */
export function rowRecord(row) {
  return {
    bench: 'run',
    row: row.id,
    title: row.title,
    unit: row.unit,
    higherIsBetter: row.higherIsBetter,
    coffer: row.measurements.coffer ?? null,
    ceiling: row.measurements.ceiling ?? null,
    s3rver: row.measurements.s3rver ?? null,
    ratios: {
      ceiling: round3(ratio(row, 'ceiling')),
      s3rver: round3(ratio(row, 's3rver')),
    },
    goals: evaluate(row),
    ...(row.notes?.length ? { notes: row.notes } : {}),
  };
}

function round3(x) {
  return x === undefined ? null : Number(x.toFixed(3));
}
