import type { Logger } from 'pino';
import type { LeaseStore } from '../stores/lease-store.js';
import type { MetadataStore } from '../stores/types.js';

/** What recovery needs of the blob store in shared mode (FsBlobStore). */
export interface SharedTemporary {
  otherTemporary(): Promise<{ name: string; isDirectory: boolean; mtimeMs: number }[]>;
  removeTemporary(name: string): Promise<void>;
  writingIn(gatewayTmp: string, blobId: string): Promise<boolean>;
  blobMtimeMs(blobId: string): Promise<number | undefined>;
  delete(blobId: string): Promise<void>;
}

export interface SharedRecoveryOptions {
  blobs: SharedTemporary;
  meta: Pick<MetadataStore, 'listPendingBlobs' | 'dropPendingBlobs'>;
  leases: Pick<LeaseStore, 'getLease'>;
  /** This gateway's directory under tmp/ (its writes in progress). */
  gatewayTmp: string;
  /**
   * How long a pending blob must look abandoned (no live gateway's tmp/ holds it, its file unchanged)
   * before it is deleted; also the age after which a tmp/ entry nobody leases is removed.
   */
  staleMs: number;
  /** Real time (lease expiry and file times are compared with it). */
  nowMs: () => number;
  log: Logger;
}

const GATEWAY_LEASE_PREFIX = 'gateway:';

/** The liveness lease each gateway holds while it runs: `gateway:<its tmp/ directory>`. */
export function gatewayLease(gatewayTmp: string): string {
  return `${GATEWAY_LEASE_PREFIX}${gatewayTmp}`;
}

/** The gateways alive at `nowMs` (their `gateway:<id>` lease runs), by id. */
export async function liveGateways(leases: LeaseStore, nowMs: number): Promise<string[]> {
  return (await leases.listLeases(GATEWAY_LEASE_PREFIX, nowMs)).map((l) => l.name.slice(GATEWAY_LEASE_PREFIX.length));
}

/**
 * Start-up recovery for gateways that share one data directory (docs/operations.md, "A shared data
 * directory"), run periodically by the holder of the `recovery` lease. The embedded server clears tmp/
 * and every pending blob at start (engine/gc.ts recoverPendingWrites), which is right when it alone
 * writes there; here other gateways are writing at the same moment, so:
 *
 * - a gateway's tmp/<gateway>/ is removed only once its liveness lease (`gateway:<gateway>`) has lapsed
 *   (a directory never leased: once it is `staleMs` old, as a gateway starts writing before its first
 *   lease call returns);
 * - a pending blob (an intent with no committed version) is deleted only when no live gateway's tmp/
 *   holds it, and it has looked so for `staleMs` across passes, and its file (if renamed into place)
 *   has not changed for `staleMs`: a write between its rename and its commit is never mistaken for
 *   a dead one.
 */
export class SharedRecovery {
  /** Pending blobs seen abandoned, and since when (this holder's memory; a new holder starts afresh). */
  readonly #abandonedSince = new Map<string, number>();

  constructor(private readonly options: SharedRecoveryOptions) {}

  async run(): Promise<{ tmpRemoved: number; blobsRemoved: number }> {
    const { blobs, meta, leases, staleMs, nowMs, log } = this.options;
    const now = nowMs();
    const live = [this.options.gatewayTmp];
    let tmpRemoved = 0;
    for (const entry of await blobs.otherTemporary()) {
      let alive: boolean;
      if (!entry.isDirectory) alive = entry.mtimeMs > now - staleMs;
      else {
        const lease = await leases.getLease(gatewayLease(entry.name));
        alive = lease ? lease.expiresMs > now : entry.mtimeMs > now - staleMs;
      }
      if (alive) {
        if (entry.isDirectory) live.push(entry.name);
        continue;
      }
      await blobs.removeTemporary(entry.name);
      tmpRemoved++;
    }
    const pending = await meta.listPendingBlobs();
    const stillPending = new Set(pending);
    for (const id of this.#abandonedSince.keys()) if (!stillPending.has(id)) this.#abandonedSince.delete(id);
    const dropped: string[] = [];
    for (const id of pending) {
      let writing = false;
      for (const gateway of live) if (!writing) writing = await blobs.writingIn(gateway, id);
      if (writing) {
        this.#abandonedSince.delete(id);
        continue;
      }
      const since = this.#abandonedSince.get(id) ?? now;
      this.#abandonedSince.set(id, since);
      if (now - since < staleMs) continue;
      const mtimeMs = await blobs.blobMtimeMs(id);
      if (mtimeMs !== undefined && mtimeMs > now - staleMs) continue;
      await blobs.delete(id);
      dropped.push(id);
      this.#abandonedSince.delete(id);
    }
    if (dropped.length > 0) await meta.dropPendingBlobs(dropped);
    if (tmpRemoved > 0 || dropped.length > 0) {
      log.warn({ tmpRemoved, blobs: dropped.length }, 'removed writes of gateways that died');
    }
    return { tmpRemoved, blobsRemoved: dropped.length };
  }
}
