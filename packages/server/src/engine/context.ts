import type { Logger } from 'pino';
import type { ObjectAccessStore } from '../stores/domain-stores.js';
import type { BlobStore, MetadataStore } from '../stores/types.js';
import type { Kms } from './kms.js';

/** A source of time the engine and workers read; tests move it forward, COFFER_CLOCK_OFFSET_DAYS shifts it. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** Limits the engine enforces, from Config. */
export interface EngineLimits {
  maxPutSizeBytes: number;
  gcGraceMs: number;
  /** Bodies of at most this many bytes are stored inline, in the metadata (write-blob.ts); 0 or undefined: never. */
  inlineMaxBytes?: number;
}

/** What the engine knows of the delivery worker (workers/notify-delivery.ts), which the server attaches. */
export interface Notifier {
  /** `<kind>:<ID>` of every declared target: a bucket configuration may name only these. */
  readonly targetNames: ReadonlySet<string>;
  /** Events were recorded: deliver soon. */
  wake(): void;
  /** Per-target delivery metrics, for the admin endpoint. */
  metrics(): Promise<unknown[]>;
}

/** What every engine operation works with. Built once by createEngine; no HTTP types in here. */
export interface EngineContext {
  meta: MetadataStore;
  blobs: BlobStore;
  log: Logger;
  clock: Clock;
  limits: EngineLimits;
  region: string;
  /** The key sealed blobs' keys derive from (seal.ts): from the master key, so it survives restarts. */
  sealKey: Buffer;
  /** The local KMS key registry of SSE-KMS (kms.ts). */
  kms: Kms;
  /** When INTELLIGENT_TIERING versions were last read (intelligent-tiering.ts). */
  access: ObjectAccessStore;
  /** Blobs being read right now, by id; GC leaves them alone until the readers finish. */
  pins: Map<string, number>;
  /** Part writes in progress, by upload id, so an abort can stop them. */
  uploadsInFlight: Map<string, Set<AbortController>>;
  /** The notification delivery worker, when one runs here (workers/notify-delivery.ts attaches it). */
  notifier?: Notifier;
}

export function pin(ctx: EngineContext, blobIds: Iterable<string>): () => void {
  const ids = [...new Set(blobIds)];
  for (const id of ids) ctx.pins.set(id, (ctx.pins.get(id) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const id of ids) {
      const n = (ctx.pins.get(id) ?? 1) - 1;
      if (n <= 0) ctx.pins.delete(id);
      else ctx.pins.set(id, n);
    }
  };
}
