import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChangeFeed, MetadataChange } from '../stores/types.js';
import { PeerFlush } from './access-log-peers.js';

const log = pino({ level: 'silent' });

/** LISTEN/NOTIFY in one process: every subscriber hears every change, later (as over the network). */
function memoryFeed(): () => ChangeFeed {
  const listeners = new Set<(change: MetadataChange) => void>();
  return () => ({
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async publish(change) {
      setImmediate(() => {
        for (const listener of listeners) listener(change);
      });
    },
  });
}

/** Gateways on one feed, each counting how often it was asked to spool its buffer. */
function cluster(ids: string[], live: string[]) {
  const feed = memoryFeed();
  const settled = new Map<string, number>(ids.map((id) => [id, 0]));
  const peers = ids.map(
    (self) =>
      new PeerFlush({
        changes: feed(),
        gateways: { self, live: async () => live },
        settle: async () => {
          settled.set(self, settled.get(self)! + 1);
        },
        log,
      }),
  );
  return { peers, settled };
}

describe('a flush of every gateway (POST /-/admin/logging/flush in a cluster)', () => {
  it('has every live gateway spool its buffer before it answers', async () => {
    const { peers, settled } = cluster(['a', 'b', 'c'], ['a', 'b', 'c']);
    expect(await peers[1]!.flushAll(10_000)).toEqual({ asked: 3, answered: 3, silent: [] });
    expect(Object.fromEntries(settled)).toEqual({ a: 1, b: 1, c: 1 });
  });

  it('waits a bounded time for a gateway whose lease still runs but that does not answer, and names it', async () => {
    // "c" died a moment ago: its lease has not lapsed yet, and nothing listens for it any more.
    const { peers, settled } = cluster(['a', 'b'], ['a', 'b', 'c']);
    expect(await peers[0]!.flushAll(200)).toEqual({ asked: 3, answered: 2, silent: ['c'] });
    expect(Object.fromEntries(settled)).toEqual({ a: 1, b: 1 });
  });
});
