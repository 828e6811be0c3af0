import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChangeFeed } from '../stores/types.js';

/** This gateway among the cluster's: server.ts builds it from the `gateway:<id>` leases. */
export interface Gateways {
  /** This gateway's id (its `gateway:<id>` lease). */
  readonly self: string;
  /** The ids of the gateways alive now (their lease runs), this one included. */
  live(): Promise<string[]>;
}

/** Which gateways appended their buffered records before a cluster-wide flush delivered. */
export interface GatewaysFlushed {
  /** Gateways alive when the flush began. */
  asked: number;
  answered: number;
  /** Those that did not answer within the wait: records they buffered may go in the next delivery. */
  silent: string[];
}

/**
 * The cluster side of POST /-/admin/logging/flush. Each gateway buffers the records of the requests it
 * served for up to 20 ms before appending them to the shared spool (access-log.ts), so a flush that
 * delivered only what is spooled would miss what the other gateways hold at that moment. The gateway
 * asked for the flush announces a `logging-flush` on the change feed (PostgreSQL NOTIFY); every gateway
 * appends its buffer and answers `logging-flushed`; the asker waits for the gateways alive (their
 * `gateway:<id>` leases) — a bounded wait, since one may die or stall meanwhile — then delivers.
 */
export class PeerFlush {
  readonly #changes: ChangeFeed;
  readonly #gateways: Gateways;
  /** Flushes this gateway asked for, by id: the gateways yet to answer, and what to call when none are left. */
  readonly #asked = new Map<string, { missing: Set<string>; done: () => void }>();

  constructor(options: { changes: ChangeFeed; gateways: Gateways; settle: () => Promise<void>; log: Logger }) {
    const { changes, gateways, settle, log } = options;
    this.#changes = changes;
    this.#gateways = gateways;
    changes.subscribe((change) => {
      if (change.kind === 'logging-flush') {
        const { flushId } = change;
        void settle()
          .then(() => changes.publish({ kind: 'logging-flushed', flushId, gateway: gateways.self }))
          .catch((err) => log.error({ err, flushId }, 'access log flush asked by another gateway failed'));
      } else if (change.kind === 'logging-flushed') {
        const asked = this.#asked.get(change.flushId);
        asked?.missing.delete(change.gateway);
        if (asked?.missing.size === 0) asked.done();
      }
    });
  }

  /** Asks every live gateway to spool its buffer; resolves once all answered or after `timeoutMs`. */
  async flushAll(timeoutMs: number): Promise<GatewaysFlushed> {
    const live = await this.#gateways.live();
    const missing = new Set(live);
    const flushId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<void>((resolve) => {
      this.#asked.set(flushId, { missing, done: resolve });
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      if (missing.size > 0) {
        await this.#changes.publish({ kind: 'logging-flush', flushId });
        await answered;
      }
    } finally {
      clearTimeout(timer);
      this.#asked.delete(flushId);
    }
    return { asked: live.length, answered: live.length - missing.size, silent: [...missing] };
  }
}
