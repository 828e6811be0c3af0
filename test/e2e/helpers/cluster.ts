import net from 'node:net';
import { clusterPendingTests } from '../cluster-excluded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * The cluster project's migrated, empty PostgreSQL database (helpers/cluster-setup.ts) that each
     * test server's database is copied from (CREATE DATABASE … TEMPLATE).
     */
    pgTemplateUrl?: string;
  }
}

/**
 * With COFFER_TEST_CLUSTER=N (N ≥ 2), every test server is a cluster (#19): N gateways on one
 * PostgreSQL database and one shared data directory, behind `roundRobinProxy`. Test clients made by
 * helpers/server.ts open a connection per request then, so requests go round-robin over the gateways.
 */
export function clusterSize(): number {
  const n = Number(process.env.COFFER_TEST_CLUSTER ?? '');
  return Number.isInteger(n) && n >= 2 ? n : 0;
}

export interface Proxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP load balancer on 127.0.0.1 that hands each new connection to the next port in turn, as an L4
 * balancer (HAProxy `mode tcp`, an NLB) would. Written on node:net rather than an HTTP proxy library
 * (http-proxy and the like) on purpose: an HTTP-level proxy answers `Expect: 100-continue` itself,
 * re-frames chunked bodies and turns a client's aborted upload into its own error, which would change
 * what the e2e tests observe; bytes piped both ways (half-close kept) change nothing.
 */
export async function roundRobinProxy(ports: number[]): Promise<Proxy> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port: ports[next++ % ports.length]!, host: '127.0.0.1', allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => sockets.delete(socket));
    }
    // Either side failing or closing closes the pair (a reset stays a reset for the other end).
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/**
 * Runs `check` until it passes: at once on one server; in a cluster, for up to 3 s, as a change made
 * through one gateway (an account suspended, a key deleted) reaches the others' caches by
 * LISTEN/NOTIFY within a bounded time, not before the response (docs/operations.md, "Caches").
 */
export async function settled<T>(check: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (clusterSize() > 0 ? 3000 : 0);
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * `settled`, for a change every gateway must have heard of: `check` (one request) passes that many
 * times in a row, the proxy handing each to the next gateway; once on one server.
 */
export function settledOnEveryGateway<T>(check: () => Promise<T>): Promise<T> {
  return settled(async () => {
    let result = await check();
    for (let i = 1; i < clusterSize(); i++) result = await check();
    return result;
  });
}

/**
 * Whether a test is to be skipped because it runs against a cluster that lacks what it tests: it must
 * be listed, with the reason, in test/e2e/cluster-excluded.ts's clusterPendingTests.
 */
export function pendingInCluster(file: string, title: string): boolean {
  if (!(`${file} > ${title}` in clusterPendingTests)) throw new Error(`not in clusterPendingTests: ${file} > ${title}`);
  return clusterSize() > 0;
}
