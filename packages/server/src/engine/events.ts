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
