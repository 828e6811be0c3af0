import { channel } from 'node:diagnostics_channel';
import type { LifecycleCounts } from '../stores/types.js';

/**
 * What the engine reports as it works, on diagnostics_channel (as undici does): the engine never
 * imports metrics; the server's Metrics subscribes. Publishing with no subscriber costs nothing.
 */
export const GC_CHANNEL = 'coffer:engine:gc';
export const LIFECYCLE_CHANNEL = 'coffer:engine:lifecycle';

/** A garbage collection pass ended. */
export interface GcEvent {
  deleted: number;
}

/** A lifecycle pass ended, with what it did. */
export interface LifecycleEvent {
  counts: LifecycleCounts;
}

export const gcChannel = channel(GC_CHANNEL);
export const lifecycleChannel = channel(LIFECYCLE_CHANNEL);

/**
 * Bucket notification delivery (workers/notify-delivery.ts) reports each round of a target here:
 * events delivered (of which `retried` after a failed attempt), attempts failed, moved to the
 * dead-letter list. The backlog is read from the outbox at scrape time instead.
 */
export const NOTIFY_CHANNEL = 'coffer:notify:delivery';

export interface NotifyDeliveryEvent {
  target: string;
  delivered: number;
  retried: number;
  failed: number;
  deadLettered: number;
}

export const notifyChannel = channel(NOTIFY_CHANNEL);
