import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import client from 'prom-client';
import type { Operation } from '../authz/actions.js';
import {
  GC_CHANNEL,
  type GcEvent,
  LIFECYCLE_CHANNEL,
  type LifecycleEvent,
  NOTIFY_CHANNEL,
  type NotifyDeliveryEvent,
} from '../engine/events.js';
import type { MetadataStore } from '../stores/types.js';

/** What a request is counted under: its routed operation, or Unknown (not routed: Coffer's own endpoints, refused before routing). */
export type MetricOperation =
  | Operation
  | 'Unknown'
  | 'Health'
  | 'Metrics'
  | 'GetSessionToken'
  | 'WhoAmI'
  | 'ListNotificationTargets'
  | `Admin${string}`;

/** Latency buckets (seconds) for requests and metadata calls: 0.5 ms to 30 s. */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the usage gauges need from the engine: buckets and their live usage (O(1) each). */
export interface UsageSource {
  listBuckets(): Promise<{ id: number; name: string }[]>;
  bucketUsage(bucketId: number): ReturnType<MetadataStore['bucketUsage']>;
  garbageCount(): Promise<number>;
  unfinishedLifecycleRun(): ReturnType<MetadataStore['unfinishedLifecycleRun']>;
  /** Undelivered notification events per target (the outbox). */
  outboxBacklog(): ReturnType<MetadataStore['outboxBacklog']>;
  /** `<kind>:<ID>` of the declared notification targets: each gets its series, at 0 until it has news. */
  notifyTargets: readonly string[];
  accessLogBacklog(): ReturnType<MetadataStore['accessLogBacklog']>;
}

export interface MetricsOptions {
  /** Usage gauges name at most this many buckets (the largest by bytes); the rest sum into bucket="_other". */
  maxBuckets?: number;
  /** Node's own metrics (event-loop lag, heap, GC pauses, handles) from prom-client. Default on. */
  processMetrics?: boolean;
}

/**
 * The server's Prometheus metrics (/-/metrics, docs/operations.md "Metrics"), in a registry of its
 * own so two servers in one process (tests) never share counters. prom-client does the exposition
 * format and Node's runtime metrics; this class names what Coffer counts.
 */
export class Metrics {
  readonly registry = new client.Registry();
  /** Plain per-operation totals, for tests and /-/admin/metrics (prom-client's reads are async). */
  readonly #totals = new Map<string, { total: number; byStatus: Record<string, number> }>();
  readonly #requests: client.Counter<'operation' | 'status'>;
  readonly #duration: client.Histogram<'operation'>;
  readonly #bytesIn: client.Counter<'operation'>;
  readonly #bytesOut: client.Counter<'operation'>;
  readonly #inFlight: client.Gauge;
  readonly #meta: client.Histogram<'method'>;
  readonly #gcDeleted: client.Counter;
  readonly #gcRuns: client.Counter;
  readonly #lifecycleRuns: client.Counter;
  readonly #lifecycleActions: client.Counter<'action'>;
  readonly #lifecycleFreed: client.Counter;
  readonly #notify: Record<keyof Omit<NotifyDeliveryEvent, 'target'>, client.Counter<'target'>>;
  readonly #unsubscribe: (() => void)[] = [];
  #usage: UsageSource | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.#requests = new client.Counter({
      name: 'coffer_requests_total',
      help: 'Requests answered, by operation (S3 operation name) and HTTP status.',
      labelNames: ['operation', 'status'],
      registers,
    });
    this.#duration = new client.Histogram({
      name: 'coffer_request_duration_seconds',
      help: 'Time from request arrival to the end of the answer, by operation.',
      labelNames: ['operation'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.#bytesIn = new client.Counter({
      name: 'coffer_received_bytes_total',
      help: 'Request body bytes received (declared Content-Length), by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.#bytesOut = new client.Counter({
      name: 'coffer_sent_bytes_total',
      help: 'Response body bytes sent (Content-Length of the answer), by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.#inFlight = new client.Gauge({
      name: 'coffer_requests_in_flight',
      help: 'Requests being served now.',
      registers,
    });
    this.#meta = new client.Histogram({
      name: 'coffer_metadata_store_duration_seconds',
      help: 'Metadata store call latency (including the wait for a group commit), by store method.',
      labelNames: ['method'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.#gcRuns = new client.Counter({ name: 'coffer_gc_runs_total', help: 'Garbage collection passes.', registers });
    this.#gcDeleted = new client.Counter({
      name: 'coffer_gc_blobs_deleted_total',
      help: 'Blob files deleted by garbage collection.',
      registers,
    });
    this.#lifecycleRuns = new client.Counter({
      name: 'coffer_lifecycle_runs_total',
      help: 'Lifecycle passes finished by this process.',
      registers,
    });
    this.#lifecycleActions = new client.Counter({
      name: 'coffer_lifecycle_actions_total',
      help: 'Lifecycle actions taken by this process, by action.',
      labelNames: ['action'],
      registers,
    });
    this.#lifecycleFreed = new client.Counter({
      name: 'coffer_lifecycle_freed_bytes_total',
      help: 'Bytes of blobs lifecycle actions left unreferenced (freed at the next GC pass).',
      registers,
    });
    const self = this;
    new client.Gauge({
      name: 'coffer_gc_backlog_blobs',
      help: 'Blobs queued for deletion (including those still in their grace period).',
      registers,
      async collect() {
        if (self.#usage) this.set(await self.#usage.garbageCount());
      },
    });
    new client.Gauge({
      name: 'coffer_access_log_backlog_records',
      help: 'Access log records spooled and not yet delivered to their target buckets.',
      registers,
      async collect() {
        if (self.#usage) this.set((await self.#usage.accessLogBacklog()).records);
      },
    });
    new client.Gauge({
      name: 'coffer_access_log_failing_batches',
      help: 'Access log batches whose last delivery failed (their target bucket missing or unwritable); retried.',
      registers,
      async collect() {
        if (self.#usage) this.set((await self.#usage.accessLogBacklog()).failing);
      },
    });
    new client.Gauge({
      name: 'coffer_lifecycle_run_unfinished',
      help: '1 while a lifecycle pass is interrupted or running (a restart resumes it), else 0.',
      registers,
      async collect() {
        if (self.#usage) this.set((await self.#usage.unfinishedLifecycleRun()) ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'coffer_lease_held',
      help: '1 while this gateway holds the lease of a background job (gc, lifecycle), else 0.',
      labelNames: ['lease'] as const,
      registers,
      collect() {
        for (const lease of self.#leases()) this.set({ lease: lease.name }, lease.held() ? 1 : 0);
      },
    });
    this.#usageGauges(options.maxBuckets ?? 100);
    this.#notify = this.#notifyMetrics();
    if (options.processMetrics ?? true) client.collectDefaultMetrics({ register: this.registry, prefix: 'coffer_' });

    const onGc = (message: unknown) => {
      this.#gcRuns.inc();
      this.#gcDeleted.inc((message as GcEvent).deleted);
    };
    const onLifecycle = (message: unknown) => {
      const run = message as LifecycleEvent;
      this.#lifecycleRuns.inc();
      const { bytesFreed, ...actions } = run.counts;
      for (const [action, n] of Object.entries(actions)) if (n > 0) this.#lifecycleActions.inc({ action }, n);
      if (bytesFreed > 0) this.#lifecycleFreed.inc(bytesFreed);
    };
    const onNotify = (message: unknown) => {
      const { target, ...counts } = message as NotifyDeliveryEvent;
      for (const [name, n] of Object.entries(counts)) {
        if (n > 0) this.#notify[name as keyof typeof counts].inc({ target }, n);
      }
    };
    subscribe(GC_CHANNEL, onGc);
    subscribe(LIFECYCLE_CHANNEL, onLifecycle);
    subscribe(NOTIFY_CHANNEL, onNotify);
    this.#unsubscribe.push(
      () => unsubscribe(GC_CHANNEL, onGc),
      () => unsubscribe(LIFECYCLE_CHANNEL, onLifecycle),
      () => unsubscribe(NOTIFY_CHANNEL, onNotify),
    );
  }

  #leases: () => readonly { name: string; held(): boolean }[] = () => [];

  /** The background jobs' leases, for coffer_lease_held (set once the workers start). */
  observeLeases(source: () => readonly { name: string; held(): boolean }[]): void {
    this.#leases = source;
  }

  /** Where the gauges read usage and backlogs from (set once the stores are open). */
  observeStore(source: UsageSource): void {
    this.#usage = source;
    for (const target of source.notifyTargets) {
      for (const counter of Object.values(this.#notify)) counter.inc({ target }, 0);
    }
  }

  /**
   * Bucket notification delivery per target (docs/notifications.md): counters fed by the delivery
   * worker's rounds (NOTIFY_CHANNEL), and the backlog and its oldest event's age read from the
   * outbox at scrape time, so they hold for events recorded by any process.
   */
  #notifyMetrics(): Record<keyof Omit<NotifyDeliveryEvent, 'target'>, client.Counter<'target'>> {
    const registers = [this.registry];
    const labelNames = ['target'] as const;
    const counter = (name: string, help: string) => new client.Counter({ name, help, labelNames, registers });
    const counters = {
      delivered: counter('coffer_notify_delivered_total', 'Notification events delivered, by target.'),
      retried: counter(
        'coffer_notify_retried_total',
        'Notification events delivered after at least one failed attempt, by target.',
      ),
      failed: counter(
        'coffer_notify_failed_total',
        'Failed delivery attempts (the event stays in the outbox and is retried), by target.',
      ),
      deadLettered: counter(
        'coffer_notify_dead_lettered_total',
        'Notification events moved to the dead-letter list after COFFER_NOTIFY_DEAD_LETTER_DAYS, by target.',
      ),
    };
    let reading: Promise<void> | undefined;
    // One read of the outbox fills both gauges (prom-client collects them concurrently).
    const fill = () =>
      (reading ??= (async () => {
        try {
          backlog.reset();
          oldest.reset();
          if (!this.#usage) return;
          const nowMs = Date.now();
          for (const target of this.#usage.notifyTargets) {
            backlog.set({ target }, 0);
            oldest.set({ target }, 0);
          }
          for (const b of await this.#usage.outboxBacklog()) {
            backlog.set({ target: b.target }, b.count);
            oldest.set({ target: b.target }, Math.max(0, (nowMs - b.oldestMs) / 1000));
          }
        } finally {
          reading = undefined;
        }
      })());
    const backlog: client.Gauge<'target'> = new client.Gauge({
      name: 'coffer_notify_backlog_events',
      help: 'Notification events recorded and not yet delivered, by target.',
      labelNames,
      registers,
      collect: fill,
    });
    const oldest: client.Gauge<'target'> = new client.Gauge({
      name: 'coffer_notify_oldest_undelivered_seconds',
      help: 'Age of the oldest undelivered notification event, by target (0 when none waits).',
      labelNames,
      registers,
      collect: fill,
    });
    return counters;
  }

  /**
   * Per-bucket usage, read at scrape time from the live usage rows. Cardinality is bounded: the
   * `maxBuckets` largest buckets by bytes get their own series, the others are summed as "_other".
   */
  #usageGauges(maxBuckets: number): void {
    const labelNames = ['bucket', 'storage_class'] as const;
    let filling: Promise<void> | undefined;
    // One read of the buckets fills both gauges; prom-client collects metrics concurrently, so each
    // gauge's collect joins the read in progress.
    const fill = () =>
      (filling ??= (async () => {
        try {
          objects.reset();
          bytes.reset();
          if (!this.#usage) return;
          const rows: { bucket: string; byClass: Record<string, { count: number; bytes: number }>; total: number }[] =
            [];
          for (const b of await this.#usage.listBuckets()) {
            const usage = await this.#usage.bucketUsage(b.id);
            const total = Object.values(usage.objects).reduce((n, c) => n + c.bytes, 0);
            rows.push({ bucket: b.name, byClass: usage.objects, total });
          }
          rows.sort((a, b) => b.total - a.total || (a.bucket < b.bucket ? -1 : 1));
          for (const [i, row] of rows.entries()) {
            const bucket = i < maxBuckets ? row.bucket : '_other';
            for (const [storageClass, c] of Object.entries(row.byClass)) {
              objects.inc({ bucket, storage_class: storageClass }, c.count);
              bytes.inc({ bucket, storage_class: storageClass }, c.bytes);
            }
          }
        } finally {
          filling = undefined;
        }
      })());
    const objects: client.Gauge<'bucket' | 'storage_class'> = new client.Gauge({
      name: 'coffer_bucket_objects',
      help: 'Current objects per bucket and storage class (live usage).',
      labelNames,
      registers: [this.registry],
      collect: fill,
    });
    const bytes: client.Gauge<'bucket' | 'storage_class'> = new client.Gauge({
      name: 'coffer_bucket_bytes',
      help: 'Bytes of current objects per bucket and storage class (live usage).',
      labelNames,
      registers: [this.registry],
      collect: fill,
    });
  }

  /** A request started (counts toward in-flight until `finish`). */
  start(): void {
    this.#inFlight.inc();
  }

  /** A request ended: counted by operation and status, timed, its bytes added. */
  finish(operation: MetricOperation, status: number, startMs: number, bytesIn: number, bytesOut: number): void {
    this.#inFlight.dec();
    this.count(operation, status);
    this.#duration.observe({ operation }, (performance.now() - startMs) / 1000);
    if (bytesIn > 0) this.#bytesIn.inc({ operation }, bytesIn);
    if (bytesOut > 0) this.#bytesOut.inc({ operation }, bytesOut);
  }

  count(operation: MetricOperation, status: number): void {
    this.#requests.inc({ operation, status: String(status) });
    let entry = this.#totals.get(operation);
    if (!entry) this.#totals.set(operation, (entry = { total: 0, byStatus: {} }));
    entry.total++;
    const statusClass = `${Math.floor(status / 100)}xx`;
    entry.byStatus[statusClass] = (entry.byStatus[statusClass] ?? 0) + 1;
  }

  /** Requests of one operation so far (all statuses). */
  requests(operation: string): number {
    return this.#totals.get(operation)?.total ?? 0;
  }

  snapshot(): Record<string, { total: number; byStatus: Record<string, number> }> {
    return Object.fromEntries([...this.#totals].map(([k, v]) => [k, { total: v.total, byStatus: { ...v.byStatus } }]));
  }

  /**
   * The store with every async method timed into coffer_metadata_store_duration_seconds. A Proxy,
   * so a method added to MetadataStore is timed without a change here.
   */
  timeStore(store: MetadataStore): MetadataStore {
    const histogram = this.#meta;
    const timed = new Map<PropertyKey, unknown>();
    return new Proxy(store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function' || typeof name !== 'string') return value;
        let wrapped = timed.get(name);
        if (!wrapped) {
          const method = name;
          wrapped = function (this: unknown, ...args: unknown[]) {
            const end = histogram.startTimer({ method });
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (result instanceof Promise) return result.finally(end);
            end();
            return result;
          };
          timed.set(name, wrapped);
        }
        return wrapped;
      },
    });
  }

  /** The Prometheus text exposition of every metric. */
  expose(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    for (const off of this.#unsubscribe) off();
  }
}
