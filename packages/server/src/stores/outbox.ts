import type { ObjectVersion } from './types.js';

/**
 * The notification outbox: events are recorded in the same store transaction as the write that
 * caused them (so a crash never keeps a write and loses its event, or the other way round), and a
 * delivery worker (workers/notify-delivery.ts) drains them to their targets.
 */

/** What a write did, handed to the engine's event recorder inside the write's transaction. */
export type WriteOutcome =
  | { kind: 'created'; version: ObjectVersion }
  | {
      kind: 'removed';
      key: string;
      /** The version removed, or the delete marker created (undefined: unversioned removal or nothing there). */
      versionId?: string;
      deleteMarkerCreated: boolean;
      /** Store-wide increasing number for this event (the S3 `sequencer`). */
      seq: number;
    }
  | { kind: 'restored'; version: ObjectVersion };

/** One event for one target, as the outbox keeps it until delivered. */
export interface OutboxEntry {
  /** `<kind>:<ID>`, e.g. `webhook:thumbs`. */
  target: string;
  /** The object key: delivery is in order per (target, key). */
  key: string;
  /** The event document (S3 event JSON), rendered when recorded. */
  payload: string;
}

/**
 * Runs inside the write's transaction with what the write did and returns the outbox entries to
 * insert there; it must not do I/O. Throwing aborts the write.
 */
export type RecordEvents = (outcome: WriteOutcome) => OutboxEntry[];

export interface OutboxRecord extends OutboxEntry {
  /** Increasing: the order events were recorded in. */
  id: number;
  createdMs: number;
  /** Failed delivery attempts so far. */
  attempts: number;
  lastError?: string;
}

export interface DeadLetter extends OutboxRecord {
  deadMs: number;
}

export interface OutboxBacklog {
  target: string;
  count: number;
  oldestMs: number;
}

export interface OutboxStore {
  /** The oldest undelivered entries of a target, in recording order. */
  outboxBatch(target: string, limit: number): Promise<OutboxRecord[]>;
  /** Removes delivered entries. */
  outboxDelivered(ids: number[]): Promise<void>;
  /** Counts a failed attempt on each entry and keeps the error. */
  outboxFailed(ids: number[], error: string): Promise<void>;
  /** Undelivered entries per target: how many, and when the oldest was recorded. */
  outboxBacklog(): Promise<OutboxBacklog[]>;
  /** Moves a target's entries recorded before `olderThanMs` to the dead-letter list; returns how many. */
  outboxDeadLetter(target: string, olderThanMs: number, nowMs: number): Promise<number>;
  /** Dead letters, newest first. */
  deadLetters(limit: number): Promise<DeadLetter[]>;
}
