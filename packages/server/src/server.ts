import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { nativeImplementation } from '@coffer/native';
import { type Logger, pino } from 'pino';
import { Accounts } from './accounts/accounts.js';
import { deriveKey, loadOrCreateMasterKey, MASTER_KEY_FILE } from './accounts/master-key.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './engine/context.js';
import { createEngine, type Engine } from './engine/engine.js';
import { createDispatcher } from './http/dispatch.js';
import { Metrics } from './http/metrics.js';
import { type Identity, loadOrCreateIdentity } from './identity.js';
import { withBucketCache } from './stores/cached-meta-store.js';
import { FsBlobStore } from './stores/fs/fs-blob-store.js';
import { SqliteMetaStore } from './stores/sqlite/sqlite-meta-store.js';
import { scheduleLifecycle } from './workers/lifecycle-schedule.js';
import { NotifyDelivery } from './workers/notify-delivery.js';
import { PeriodicJob } from './workers/scheduler.js';

export interface StartOptions {
  /**
   * The engine's time (object timestamps, lifecycle, GC); defaults to the system clock shifted by
   * config.clockOffsetDays. Tests move it to make objects age.
   */
  clock?: Clock;
  /**
   * The time signatures are checked against (expiry, skew). Always the real clock unless a test
   * injects one: moving the engine's clock for a lifecycle trial must not make every client's
   * signature look skewed.
   */
  authClock?: Clock;
  /** Logger to use; defaults to pino on stdout at config.logLevel. */
  log?: Logger;
}

export interface RunningServer {
  /** http://host:port as reachable locally (0.0.0.0 shown as 127.0.0.1). */
  url: string;
  port: number;
  identity: Identity;
  engine: Engine;
  config: Config;
  /** Request counters by S3 operation (also served at /-/admin/metrics). */
  metrics: Metrics;
  /** Graceful shutdown: stop accepting, finish in-flight requests, stop workers, close the database. */
  close(): Promise<void>;
}

/** How often the GC worker looks for blobs to delete. */
const GC_INTERVAL_MS = 5_000;
/** Longest a graceful shutdown waits for in-flight requests before cutting connections. */
const SHUTDOWN_GRACE_MS = 30_000;

/**
 * Builds the stores from config, recovers interrupted writes, and serves HTTP. This is `coffer server`
 * and what tests start on an ephemeral port.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'coffer' } });
  const offsetMs = config.clockOffsetDays * 86_400_000;
  const clock = options.clock ?? (offsetMs === 0 ? systemClock : { nowMs: () => Date.now() + offsetMs });
  const authClock = options.authClock ?? systemClock;
  await fs.mkdir(config.dataDir, { recursive: true });
  const identity = await loadOrCreateIdentity(config);
  const meta = withBucketCache(
    new SqliteMetaStore({ filename: path.join(config.dataDir, 'meta.db'), fsync: config.fsync }),
  );
  const blobs = await FsBlobStore.open({ directory: config.dataDir, fsync: config.fsync });
  const masterKey = await loadOrCreateMasterKey(config.dataDir);
  if (masterKey.looseMode)
    log.warn({ file: MASTER_KEY_FILE }, 'master.key is readable by group or others: chmod 600 it');
  const engine = createEngine({
    meta,
    blobs,
    log,
    clock,
    region: config.region,
    sealKey: deriveKey(masterKey.key, 'blob-seal'),
    limits: { maxPutSizeBytes: config.maxPutSizeBytes, gcGraceMs: config.gcGraceMs },
  });
  const recovered = await engine.recoverPendingWrites();
  if (recovered > 0) log.warn({ blobs: recovered }, 'removed blobs of writes interrupted by a crash');
  log.debug({ checksums: nativeImplementation }, 'checksum implementations');

  const accounts = new Accounts({
    meta,
    masterKey: masterKey.key,
    root: identity,
    nowMs: () => authClock.nowMs(),
    stsMaxDurationSeconds: config.stsMaxDurationSeconds,
  });
  const metrics = new Metrics();
  const dispatch = createDispatcher({
    engine,
    config,
    log,
    metrics,
    appIdOf: () => identity.appId,
    accounts,
    auth: {
      region: config.region,
      maxSkewMs: config.maxSkewMs,
      nowMs: () => authClock.nowMs(),
      lookupCredential: (id, token) => accounts.lookupCredential(id, token),
    },
  });
  let closing = false;
  const server = http.createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, (req, res) => {
    if (closing) res.setHeader('connection', 'close');
    void dispatch(req, res);
  });
  // Expect: 100-continue — answer only once the handler wants the body (see createDispatcher).
  server.on('checkContinue', (req, res) => {
    if (closing) res.setHeader('connection', 'close');
    void dispatch(req, res, true);
  });
  // Expectations other than 100-continue (an empty Expect, `Expect: 200`): S3 ignores them, so do we,
  // rather than Node's automatic 417.
  server.on('checkExpectation', (req, res) => {
    if (closing) res.setHeader('connection', 'close');
    void dispatch(req, res);
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    log.debug({ err }, 'client error');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.address.port, config.address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const gc = new PeriodicJob('gc', GC_INTERVAL_MS, () => engine.collectGarbage(), log).start();
  // Bucket notifications: the one place that decides the delivery worker runs here (a lease, with scale-out).
  const notify = new NotifyDelivery({ meta, config: config.notify, log }).start();
  engine.attachNotifier(notify);
  const lifecycle =
    config.lifecycleHourUtc >= 0 ? scheduleLifecycle(engine, clock, config.lifecycleHourUtc, log) : undefined;
  const { port } = server.address() as AddressInfo;
  const host = config.address.host === '0.0.0.0' || config.address.host === '::' ? '127.0.0.1' : config.address.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    identity,
    engine,
    config,
    metrics,
    close: () => {
      closed ??= (async () => {
        closing = true;
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        await done;
        clearInterval(idle);
        clearTimeout(force);
        await lifecycle?.stop();
        await gc.stop();
        await notify.stop();
        await meta.close();
        await blobs.close();
      })();
      return closed;
    },
  };
}
