import type { Logger } from 'pino';
import { type NotifyDeliveryEvent, notifyChannel } from '../engine/events.js';
import type { NotifyConfig } from '../notify-config.js';
import type { MetadataStore, OutboxRecord } from '../stores/types.js';
import { createSender, SEND_TIMEOUT_MS, type TargetSender } from './notify-targets.js';

/** Counters of one target since this process started, plus the outbox's view of its backlog. */
export interface TargetMetrics {
  target: string;
  delivered: number;
  /** Events sent again after a failed attempt and taken. */
  retried: number;
  /** Failed attempts (the event stays in the outbox). */
  failed: number;
  deadLettered: number;
  backlog: number;
  /** When the oldest undelivered event was recorded (ISO), or null. */
  oldestUndelivered: string | null;
  lastError: string | null;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** Without a wake-up (another gateway's writes), the outbox is looked at this often. */
const POLL_MS = 1000;
const DEAD_LETTER_EVERY_MS = 60_000;
/**
 * After a wake-up, wait this long before the round, so a burst of writes is sent (and forgotten,
 * in one transaction) together rather than one round per write.
 */
const COALESCE_MS = 5;

/**
 * Whether this gateway may deliver now (background.ts passes the `notify` lease; without one, always).
 * `mayStart(marginMs)` is asked before each send: true only if the lease outlasts a send that takes
 * `marginMs`, so a send never overlaps the next holder's.
 */
export interface DeliveryGate {
  mayStart(marginMs: number): boolean;
}

/**
 * Delivers the outbox: at least once, in order per (target, key). Each target has its own loop:
 * take the oldest events, send the events of different keys concurrently and the events of one key
 * one after another, stopping a key at its first failure; delete what was taken. A failure backs the
 * target off (250 ms doubling to 30 s) and the failed events are first in line next time, so a
 * target that was down for an hour receives everything, in order, when it comes back. Events still
 * undelivered after `deadLetterAfterMs` move to the dead-letter list.
 *
 * Under scale-out every gateway runs the loops, but only the one holding the `notify` lease (`gate`)
 * takes and sends events; the others only wait. When the lease moves, the new holder starts from the
 * outbox: what the old holder sent but had not yet deleted is sent again (at least once), and because
 * a send starts only while the lease outlasts it (`mayStart`), the two never send at the same time, so
 * the order per key holds across the move.
 */
export class NotifyDelivery {
  readonly #meta: MetadataStore;
  readonly #config: NotifyConfig;
  readonly #log: Logger;
  readonly #loops = new Map<
    string,
    { sender: TargetSender; metrics: TargetMetrics; wake?: () => void; dirty?: boolean }
  >();
  readonly #gate: DeliveryGate | undefined;
  #running = false;
  #stopped: Promise<void>[] = [];

  constructor(options: { meta: MetadataStore; config: NotifyConfig; log: Logger; gate?: DeliveryGate }) {
    this.#meta = options.meta;
    this.#config = options.config;
    this.#gate = options.gate;
    this.#log = options.log.child({ worker: 'notify' });
  }

  /** Names (`<kind>:<ID>`) of the targets the operator declared. */
  get targetNames(): Set<string> {
    return new Set(this.#config.targets.map((t) => `${t.kind}:${t.id}`));
  }

  start(): this {
    if (this.#running) return this;
    this.#running = true;
    for (const target of this.#config.targets) {
      const name = `${target.kind}:${target.id}`;
      this.#loops.set(name, {
        sender: createSender(target),
        metrics: {
          target: name,
          delivered: 0,
          retried: 0,
          failed: 0,
          deadLettered: 0,
          backlog: 0,
          oldestUndelivered: null,
          lastError: null,
        },
      });
      this.#stopped.push(this.#run(name));
    }
    return this;
  }

  /** New events were recorded: look at once rather than at the next poll. */
  wake(): void {
    for (const loop of this.#loops.values()) {
      // Events recorded while a round runs are looked at right after it, not at the next poll.
      loop.dirty = true;
      loop.wake?.();
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await Promise.all(this.#stopped);
    await Promise.all([...this.#loops.values()].map((l) => l.sender.close().catch(() => {})));
  }

  async metrics(): Promise<TargetMetrics[]> {
    const backlog = new Map((await this.#meta.outboxBacklog()).map((b) => [b.target, b]));
    const out: TargetMetrics[] = [];
    for (const [name, loop] of this.#loops) {
      const b = backlog.get(name);
      out.push({
        ...loop.metrics,
        backlog: b?.count ?? 0,
        oldestUndelivered: b ? new Date(b.oldestMs).toISOString() : null,
      });
    }
    // Events for targets no longer declared stay in the outbox; show them rather than hide them.
    for (const [name, b] of backlog) {
      if (this.#loops.has(name)) continue;
      out.push({
        target: name,
        delivered: 0,
        retried: 0,
        failed: 0,
        deadLettered: 0,
        backlog: b.count,
        oldestUndelivered: new Date(b.oldestMs).toISOString(),
        lastError: 'target not declared on this server',
      });
    }
    return out;
  }

  async #run(name: string): Promise<void> {
    const loop = this.#loops.get(name)!;
    let backoffMs = 0;
    let nextDeadLetterMs = 0;
    while (this.#running) {
      let pause = POLL_MS;
      loop.dirty = false;
      try {
        if (this.#gate && !this.#gate.mayStart(SEND_TIMEOUT_MS)) {
          // Another gateway holds the lease (or this one is about to lose it): only wait.
          backoffMs = 0;
        } else {
          if (Date.now() >= nextDeadLetterMs) {
            nextDeadLetterMs = Date.now() + DEAD_LETTER_EVERY_MS;
            const n = await this.#meta.outboxDeadLetter(name, Date.now() - this.#config.deadLetterAfterMs, Date.now());
            if (n > 0) {
              loop.metrics.deadLettered += n;
              report({ target: name, delivered: 0, retried: 0, failed: 0, deadLettered: n });
              this.#log.warn({ target: name, events: n }, 'events moved to the dead-letter list');
            }
          }
          const round = await this.#round(name, loop.sender, loop.metrics);
          if (round.failed) {
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs ? backoffMs * 2 : MIN_BACKOFF_MS);
            pause = backoffMs;
          } else {
            backoffMs = 0;
            if (round.full && !round.gated) continue;
            if (loop.dirty) pause = COALESCE_MS;
          }
        }
      } catch (err) {
        this.#log.warn({ err, target: name }, 'notification round failed');
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs ? backoffMs * 2 : MIN_BACKOFF_MS);
        pause = backoffMs;
      }
      if (!this.#running) break;
      await new Promise<void>((resolve) => {
        let timer = setTimeout(done, pause);
        function done() {
          clearTimeout(timer);
          loop.wake = undefined;
          resolve();
        }
        function woken() {
          clearTimeout(timer);
          loop.wake = undefined;
          timer = setTimeout(done, COALESCE_MS);
        }
        // After a failure, a wake-up does not cut the backoff short.
        loop.wake = backoffMs ? undefined : woken;
        if (!this.#running) done();
      });
    }
  }

  async #round(
    name: string,
    sender: TargetSender,
    metrics: TargetMetrics,
  ): Promise<{ full: boolean; failed: boolean; gated?: boolean }> {
    const batch = await this.#meta.outboxBatch(name, this.#config.batchSize);
    if (batch.length === 0) return { full: false, failed: false };
    const byKey = new Map<string, OutboxRecord[]>();
    for (const event of batch) {
      const list = byKey.get(event.key);
      if (list) list.push(event);
      else byKey.set(event.key, [event]);
    }
    const delivered: number[] = [];
    const failed: number[] = [];
    let retried = 0;
    let lastError = '';
    let gated = false;
    await Promise.all(
      [...byKey.values()].map(async (events) => {
        for (const event of events) {
          if (this.#gate && !this.#gate.mayStart(SEND_TIMEOUT_MS)) {
            // The lease is running out: leave the rest (in order) to whoever holds it next.
            gated = true;
            return;
          }
          try {
            await sender.send(event);
            delivered.push(event.id);
            if (event.attempts > 0) retried++;
          } catch (err) {
            failed.push(event.id);
            lastError = err instanceof Error ? err.message : String(err);
            // The key's later events wait: order per key matters more than progress.
            return;
          }
        }
      }),
    );
    if (delivered.length) await this.#meta.outboxDelivered(delivered);
    if (failed.length) {
      await this.#meta.outboxFailed(failed, lastError);
      metrics.lastError = lastError;
      this.#log.debug({ target: name, failed: failed.length, error: lastError }, 'notification delivery failed');
    }
    metrics.delivered += delivered.length;
    metrics.retried += retried;
    metrics.failed += failed.length;
    report({ target: name, delivered: delivered.length, retried, failed: failed.length, deadLettered: 0 });
    return { full: batch.length === this.#config.batchSize, failed: failed.length > 0, gated };
  }
}

/** Publishes a round's counts for the Prometheus metrics (http-kit/metrics.ts subscribes). */
function report(event: NotifyDeliveryEvent): void {
  if (notifyChannel.hasSubscribers) notifyChannel.publish(event);
}
