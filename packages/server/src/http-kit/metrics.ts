import type { Operation } from '../authz/actions.js';

/** What a request is counted under: its routed operation, or Unknown (not routed: Coffer's own endpoints, refused before routing). */
export type MetricOperation = Operation | 'Unknown';

/** Request counters by S3 operation and status class, for operators (/-/admin/metrics) and tests. */
export class Metrics {
  readonly #requests = new Map<MetricOperation, { total: number; byStatus: Record<string, number> }>();

  count(operation: MetricOperation, status: number): void {
    let entry = this.#requests.get(operation);
    if (!entry) this.#requests.set(operation, (entry = { total: 0, byStatus: {} }));
    entry.total++;
    const statusClass = `${Math.floor(status / 100)}xx`;
    entry.byStatus[statusClass] = (entry.byStatus[statusClass] ?? 0) + 1;
  }

  /** Requests of one operation so far (all statuses). */
  requests(operation: MetricOperation): number {
    return this.#requests.get(operation)?.total ?? 0;
  }

  snapshot(): Record<string, { total: number; byStatus: Record<string, number> }> {
    return Object.fromEntries(
      [...this.#requests].map(([k, v]) => [k, { total: v.total, byStatus: { ...v.byStatus } }]),
    );
  }
}
