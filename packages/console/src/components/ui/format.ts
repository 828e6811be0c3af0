const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → "1.5 KB" (binary multiples, as the COS console shows sizes). */
export function formatBytes(bytes: number | string | undefined): string {
  let n = Number(bytes ?? 0);
  if (!Number.isFinite(n)) return '—';
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

export function formatDate(value: string | number | undefined): string {
  if (value === undefined || value === '') return '—';
  const d = typeof value === 'number' ? new Date(value) : new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}
