import dns from 'node:dns';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type Clock, configFrom, parseNotifyConfig, type RunningServer, startServer } from '@coffer/server';
import COS from 'cos-nodejs-sdk-v5';
import type { Logger } from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { clusterSize, roundRobinProxy } from './cluster.js';
import { createTestDatabase, dropTestDatabase, metadataOnPostgres } from './postgres.js';

/** The base domain virtual-host tests use; `installLocalhostResolver` makes `*.cos.localhost` resolve. */
export const TEST_DOMAIN = 'cos.localhost';
export const TEST_REGION = 'ap-guangzhou';

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  secretId: string;
  secretKey: string;
  appId: string;
  server: RunningServer;
  /** With COFFER_TEST_CLUSTER=N: the N gateways behind the proxy (`server` is the first, at the proxy's url). */
  gateways: RunningServer[];
  /**
   * An @aws-sdk/client-s3 client, path style, checksums as the SDK defaults them (CRC32).
   * `forcePathStyle: false` points it at `http://cos.localhost:port`, so it sends Host `<bucket>.cos.localhost:port`
   * (against 127.0.0.1 the SDK would fall back to path style). `credentials` overrides the root key.
   */
  s3(options?: {
    forcePathStyle?: boolean;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  }): S3Client;
  /**
   * A cos-nodejs-sdk-v5 client: 'path' = `Domain: host/{Bucket}` (path style, bucket not signed),
   * 'vhost' = `Domain: {Bucket}.cos.localhost:port` (virtual host, needs installLocalhostResolver),
   * 'ip' = `Ip: host:port` (real COS host names).
   */
  cos(mode?: 'path' | 'vhost' | 'ip', options?: Record<string, unknown>): COS;
  /** A bucket name unique to this test run, in COS's `<name>-<appid>` form. */
  bucketName(prefix?: string): string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** The engine's clock (timestamps, lifecycle, GC): move it to age objects. */
  clock?: Clock;
  /** The clock signatures are checked against (to provoke RequestTimeTooSkewed / expiry). */
  authClock?: Clock;
  /** Raw config values (as the environment would give them). */
  config?: Record<string, string>;
  /** A logger of the test's own (to assert on log lines); default: pino at COFFER_TEST_LOG_LEVEL or silent. */
  log?: Logger;
  /**
   * Start on this existing data directory instead of a fresh one: a restart. Stop the first server
   * with `t.server.close()` (which leaves the directory), start the second with `{ dataDir: t.dataDir }`.
   */
  dataDir?: string;
  /** COFFER_NOTIFY_* settings (notification targets), as the environment would give them. */
  notifyEnv?: Record<string, string>;
}

let bucketCounter = 0;
/** With COFFER_TEST_METADATA=postgres: each data directory's metadata database, kept across a restart. */
const metadataUrls = new Map<string, string>();

/** The PostgreSQL database holding a test server's metadata (COFFER_TEST_METADATA=postgres), if any. */
export function metadataUrlOf(dataDir: string): string | undefined {
  return metadataUrls.get(dataDir);
}

/**
 * Starts Coffer in this process on 127.0.0.1 with a fresh data directory (or `options.dataDir`);
 * close() stops it and removes the directory.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  installLocalhostResolver();
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-e2e-')));
  const gateways = clusterSize();
  let metadataUrl = metadataUrls.get(dataDir);
  if (metadataUrl === undefined && metadataOnPostgres()) {
    // The cluster project's schema-only template (helpers/cluster-setup.ts), when this runs in it.
    metadataUrl = await createTestDatabase(inject('pgTemplateUrl'));
    metadataUrls.set(dataDir, metadataUrl);
  }
  const config = configFrom({
    ...(metadataUrl === undefined ? {} : { metadataUrl }),
    address: '127.0.0.1:0',
    dataDir,
    domain: TEST_DOMAIN,
    region: TEST_REGION,
    logLevel: process.env.COFFER_TEST_LOG_LEVEL ?? 'silent',
    fsync: '0',
    gcGraceMs: '0',
    // A cluster's three gateways, in every test server alive at once, share PostgreSQL's max_connections.
    ...(gateways > 0 ? { metadataPoolSize: '3' } : {}),
    ...options.config,
    ...(options.notifyEnv ? { notify: parseNotifyConfig(options.notifyEnv) } : {}),
  } as Parameters<typeof configFrom>[0]);
  const startOptions = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.authClock ? { authClock: options.authClock } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  const cluster = gateways > 0 ? await startCluster(gateways, config, startOptions) : undefined;
  const server = cluster?.server ?? (await startServer(config, startOptions));
  const { secretId, secretKey, appId } = server.identity;
  const clients: { destroy(): void }[] = [];
  return {
    url: server.url,
    port: server.port,
    dataDir,
    secretId,
    secretKey,
    appId,
    server,
    gateways: cluster?.gateways ?? [server],
    s3: (opts = {}) => {
      const pathStyle = opts.forcePathStyle ?? true;
      const client = new S3Client({
        endpoint: opts.endpoint ?? (pathStyle ? server.url : `http://${TEST_DOMAIN}:${server.port}`),
        region: TEST_REGION,
        forcePathStyle: pathStyle,
        credentials: opts.credentials ?? { accessKeyId: secretId, secretAccessKey: secretKey },
        maxAttempts: 1,
        // A cluster: a connection per request, so that the proxy spreads requests over the gateways.
        ...(gateways > 0 ? { requestHandler: { httpAgent: new http.Agent({ keepAlive: false }) } } : {}),
      });
      clients.push(client);
      return client;
    },
    cos: (mode = 'path', opts = {}) => {
      const endpoint =
        mode === 'path'
          ? { Domain: `127.0.0.1:${server.port}/{Bucket}` }
          : mode === 'vhost'
            ? { Domain: `{Bucket}.${TEST_DOMAIN}:${server.port}` }
            : { Ip: `127.0.0.1:${server.port}` };
      return new COS({
        SecretId: secretId,
        SecretKey: secretKey,
        Protocol: 'http:',
        ServiceDomain: server.url,
        ...(gateways > 0 ? { KeepAlive: false } : {}),
        ...endpoint,
        ...opts,
      });
    },
    bucketName: (prefix = 'test') => `${prefix}${process.pid}x${bucketCounter++}-1250000000`,
    close: async () => {
      for (const client of clients) client.destroy();
      await server.close();
      await fs.rm(dataDir, { recursive: true, force: true });
      if (metadataUrl !== undefined) {
        metadataUrls.delete(dataDir);
        await dropTestDatabase(metadataUrl);
      }
    },
  };
}

/**
 * COFFER_TEST_CLUSTER=N: N gateways (in this process, each with its own stores, caches, leases and
 * tmp/<gateway>/) on one PostgreSQL database and one data directory, behind a round-robin TCP proxy.
 * The RunningServer returned is the first gateway's (its engine, identity) with the proxy's url and
 * port, metrics whose per-operation counts add up every gateway's, and a close() that stops the proxy
 * and every gateway.
 */
async function startCluster(
  n: number,
  config: ReturnType<typeof configFrom>,
  options: Parameters<typeof startServer>[1],
): Promise<{ server: RunningServer; gateways: RunningServer[] }> {
  // The first one migrates the schema and makes credentials.json and master.key; the others find them.
  const first = await startServer(config, options);
  const others = await Promise.all(Array.from({ length: n - 1 }, () => startServer(config, options)));
  const all = [first, ...others];
  const proxy = await roundRobinProxy(all.map((g) => g.port));
  const url = `http://127.0.0.1:${proxy.port}`;
  let closed: Promise<void> | undefined;
  const server: RunningServer = {
    ...first,
    metrics: clusterMetrics(all),
    url,
    port: proxy.port,
    consoleUrl: first.consoleUrl.replace(first.url, url),
    close: () => {
      closed ??= (async () => {
        await proxy.close();
        await Promise.all(all.map((g) => g.close()));
      })();
      return closed;
    },
  };
  return { server, gateways: all };
}

/**
 * The first gateway's Metrics, except that `requests` and `snapshot` (what tests count requests with)
 * add up every gateway's: a test counting the requests a client sent must not depend on which gateway
 * the proxy handed each one to.
 */
function clusterMetrics(all: RunningServer[]): RunningServer['metrics'] {
  const requests = (operation: string) => all.reduce((sum, g) => sum + g.metrics.requests(operation), 0);
  const snapshot = () => {
    const merged: ReturnType<RunningServer['metrics']['snapshot']> = {};
    for (const g of all) {
      for (const [operation, { total, byStatus }] of Object.entries(g.metrics.snapshot())) {
        const into = (merged[operation] ??= { total: 0, byStatus: {} });
        into.total += total;
        for (const [status, n] of Object.entries(byStatus)) into.byStatus[status] = (into.byStatus[status] ?? 0) + n;
      }
    }
    return merged;
  };
  const first = all[0]!.metrics;
  return new Proxy(first, {
    get(target, property) {
      if (property === 'requests') return requests;
      if (property === 'snapshot') return snapshot;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let resolverInstalled = false;

/**
 * Resolves `*.localhost` to 127.0.0.1 inside this process (glibc does not), so clients can use
 * virtual-host style against a local server, as they would with wildcard DNS.
 */
export function installLocalhostResolver(): void {
  if (resolverInstalled) return;
  resolverInstalled = true;
  const original = dns.lookup;
  const patched = (hostname: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    if (hostname.endsWith('.localhost')) {
      if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
      return;
    }
    // biome-ignore lint/suspicious/noExplicitAny: forwarding every overload of dns.lookup unchanged
    return (original as any).call(dns, hostname, options, callback);
  };
  (dns as { lookup: unknown }).lookup = patched;
}

/** Reads a whole Node stream or web body into a Buffer. */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** What `useS3Bucket` gives a suite once its beforeAll has run. */
export interface S3BucketFixture {
  t: TestServer;
  s3: S3Client;
  bucket: string;
}

/**
 * For a describe block: a server started before its tests, with one bucket made through
 * @aws-sdk/client-s3, stopped after them. The fields are filled in by the beforeAll.
 */
export function useS3Bucket(name: string): S3BucketFixture {
  const fixture = {} as S3BucketFixture;
  beforeAll(async () => {
    fixture.t = await startTestServer();
    fixture.s3 = fixture.t.s3();
    fixture.bucket = fixture.t.bucketName(name);
    await fixture.s3.send(new CreateBucketCommand({ Bucket: fixture.bucket }));
  });
  afterAll(async () => {
    await fixture.t?.close();
  });
  return fixture;
}
