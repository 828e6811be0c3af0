import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { nativeImplementation } from '@coffer/native';
import { type Logger, pino } from 'pino';
import { Accounts } from './accounts/accounts.js';
import { deriveKey, loadOrCreateMasterKey, MASTER_KEY_FILE } from './accounts/master-key.js';
import type { Config } from './config.js';
import { createPrivateFile, type DataDirLock, openDataDir, StartupError } from './data-dir.js';
import { type Clock, systemClock } from './engine/context.js';
import { createEngine, type Engine } from './engine/engine.js';
import { RequestCounter } from './engine/request-counts.js';
import { answerClientError } from './http/client-error.js';
import { CONSOLE_PATH } from './http/console-static.js';
import { createDispatcher } from './http/dispatch.js';
import { Metrics } from './http-kit/metrics.js';
import { type Identity, loadOrCreateIdentity } from './identity.js';
import { withBucketCache } from './stores/cached-meta-store.js';
import type { KmsKeyStore, ObjectAccessStore } from './stores/domain-stores.js';
import { FsBlobStore } from './stores/fs/fs-blob-store.js';
import type { LeaseStore } from './stores/lease-store.js';
import { PgMetaStore } from './stores/pg/pg-meta-store.js';
import { SqliteKmsKeyStore } from './stores/sqlite/kms-keys.js';
import { SqliteLeaseStore } from './stores/sqlite/leases.js';
import { SqliteObjectAccessStore } from './stores/sqlite/object-access.js';
import { SqliteMetaStore } from './stores/sqlite/sqlite-meta-store.js';
import type { MetadataStore } from './stores/types.js';
import { TlsFiles } from './tls-files.js';
import { holderId, lifecyclePassLease, startBackgroundWork } from './workers/background.js';
import { liveGateways } from './workers/shared-recovery.js';

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
  /** How often the TLS certificate and key files are checked for a change. Default 5 s. */
  tlsWatchIntervalMs?: number;
  /**
   * Run as one of several gateways sharing the metadata store and the data directory (what a shared
   * store such as PostgreSQL implies; see sharedDataDir()). Tests set it to run two servers on one
   * SQLite file and one directory.
   */
  sharedMetadata?: boolean;
}

export interface RunningServer {
  /** http://host:port as reachable locally (0.0.0.0 shown as 127.0.0.1). */
  url: string;
  /** The web console's address: `<url>/-/console/`, or on `consoleAddress` when that is set. */
  consoleUrl: string;
  port: number;
  identity: Identity;
  engine: Engine;
  config: Config;
  /** Prometheus metrics (served at /-/metrics; per-operation totals also at /-/admin/metrics). */
  metrics: Metrics;
  /**
   * Loads the TLS certificate and key files again now (what SIGHUP does; a change to the files is
   * also picked up by itself). False if they do not load: the previous pair keeps serving.
   */
  reloadTls(): boolean;
  /** Graceful shutdown: stop accepting, finish in-flight requests, stop workers, close the database. */
  close(): Promise<void>;
}

/** `<data>/server.json`: `{ pid, url, startedAt }` of the server running on that directory. */
export const SERVER_FILE = 'server.json';

/** How often the GC worker (on the gateway holding its lease) looks for blobs to delete. */
const GC_INTERVAL_MS = 5_000;
/**
 * Shared data directory: how often the `recovery` lease's holder looks for dead gateways' writes, at
 * most; a shorter config.sharedStaleMs (how long they must look abandoned) looks more often.
 */
const SHARED_RECOVERY_INTERVAL_MS = 60_000;

/**
 * Whether this gateway shares its metadata store, and so its data directory, with others: with
 * PostgreSQL metadata (`--metadata postgres://…`), or when a test asks.
 */
function sharedDataDir(config: Config, options: StartOptions): boolean {
  return options.sharedMetadata === true || config.metadataUrl !== undefined;
}

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
  const shared = sharedDataDir(config, options);
  const dataDir = await openDataDir(config.dataDir, log, {
    shared,
    ...(config.metadataUrl === undefined ? {} : { metadataUrl: config.metadataUrl }),
  });
  try {
    return await serve(config, log, clock, authClock, dataDir, options.tlsWatchIntervalMs ?? 5_000, shared);
  } catch (err) {
    await dataDir.release();
    throw err;
  }
}

async function serve(
  config: Config,
  log: Logger,
  clock: Clock,
  authClock: Clock,
  dataDir: DataDirLock,
  tlsWatchIntervalMs: number,
  shared: boolean,
): Promise<RunningServer> {
  // Read first: a certificate that cannot be used stops the start before anything is opened.
  const tlsFiles = config.tls ? new TlsFiles(config.tls, log) : undefined;
  const tlsOptions = tlsFiles?.load();
  const identity = await loadOrCreateIdentity(config);
  const metrics = new Metrics({ maxBuckets: config.metricsMaxBuckets });
  const stores = await openMetadataStore(config);
  // Timed below the bucket cache: coffer_metadata_store_duration_seconds measures the store, and a cache
  // hit (several per request: the bucket, its ACL, policy, …) costs a Map lookup, not a histogram observation.
  const meta = withBucketCache(metrics.timeStore(stores.meta));
  // The usage gauges read the store directly: a scrape is not metadata latency.
  metrics.observeStore({
    listBuckets: () => stores.meta.listBuckets(),
    bucketUsage: (id) => stores.meta.bucketUsage(id),
    garbageCount: () => stores.meta.garbageCount(),
    unfinishedLifecycleRun: () => stores.meta.unfinishedLifecycleRun(),
    outboxBacklog: () => stores.meta.outboxBacklog(),
    notifyTargets: config.notify.targets.map((target) => `${target.kind}:${target.id}`),
    accessLogBacklog: () => stores.meta.accessLogBacklog(),
  });
  const { leases } = stores;
  // Embedded, we hold the data directory's lock: leases still running were a killed server's. Shared
  // (PostgreSQL), they may be other live gateways': a dead gateway's leases lapse after their TTL.
  if (!shared && leases instanceof SqliteLeaseStore) await leases.expireAll();
  const holder = holderId();
  // Shared: this gateway writes in tmp/<gateway>/, which no other gateway's recovery touches while it lives.
  const gatewayTmp = shared ? holder.replace(/[^A-Za-z0-9._-]/g, '_') : undefined;
  const blobs = await FsBlobStore.open({
    directory: config.dataDir,
    fsync: config.fsync,
    ...(gatewayTmp ? { gatewayTmp } : {}),
  });
  const masterKey = await loadOrCreateMasterKey(config.dataDir);
  if (masterKey.looseMode)
    log.warn({ file: MASTER_KEY_FILE }, 'master.key is readable by group or others: chmod 600 it');
  const engine = createEngine({
    meta,
    blobs,
    log,
    clock,
    lifecyclePass: lifecyclePassLease({ leases, holder, ttlMs: config.leaseTtlMs, log }),
    // A cluster: POST /-/admin/logging/flush reaches every gateway alive (their `gateway:<id>` leases).
    ...(gatewayTmp && meta.changes
      ? { gateways: { self: gatewayTmp, live: () => liveGateways(leases, Date.now()) } }
      : {}),
    region: config.region,
    sealKey: deriveKey(masterKey.key, 'blob-seal'),
    kmsKeys: stores.kmsKeys,
    kmsWrapKey: deriveKey(masterKey.key, 'kms-wrap'),
    accountId: identity.appId,
    access: stores.access,
    limits: {
      maxPutSizeBytes: config.maxPutSizeBytes,
      gcGraceMs: config.gcGraceMs,
      inlineMaxBytes: config.inlineMaxBytes,
    },
  });
  // Shared, other gateways are writing right now: recovery is the `recovery` lease's job instead.
  const recovered = shared ? 0 : await engine.recoverPendingWrites();
  if (recovered > 0) log.warn({ blobs: recovered }, 'removed blobs of writes interrupted by a crash');
  log.debug({ checksums: nativeImplementation }, 'checksum implementations');

  const accounts = new Accounts({
    meta,
    masterKey: masterKey.key,
    root: identity,
    nowMs: () => authClock.nowMs(),
    stsMaxDurationSeconds: config.stsMaxDurationSeconds,
  });
  await accounts.load();
  // Requests per minute, bucket and operation, added to the store every flush (the Usage charts).
  const requestCounts = new RequestCounter({
    store: meta,
    log,
    flushMs: config.requestCountsFlushMs,
    bucketExists: async (name) => (await meta.getBucket(name)) !== undefined,
  });
  const dispatch = createDispatcher({
    engine,
    config,
    log,
    metrics,
    requestCounts,
    appIdOf: (ownerId) => accounts.appIdOf(ownerId),
    accounts,
    auth: {
      region: config.region,
      maxSkewMs: config.maxSkewMs,
      nowMs: () => authClock.nowMs(),
      lookupCredential: (id, token) => accounts.lookupCredential(id, token),
    },
  });
  let closing = false;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) res.setHeader('connection', 'close');
    void dispatch(req, res);
  };
  const server = createHttpServer(tlsOptions, onRequest);
  if (tlsFiles && server instanceof https.Server) tlsFiles.watch(server, tlsWatchIntervalMs);
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
    answerClientError(socket, err);
    log.debug({ err }, 'client error');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.address.port, config.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    tlsFiles?.close();
    await requestCounts.close();
    await leases.close();
    await meta.close();
    await blobs.close();
    throw listenError(config, err as NodeJS.ErrnoException);
  }
  const consoleServer = config.consoleAddress
    ? await listenConsole(config.consoleAddress, server, tlsOptions)
    : undefined;
  if (tlsFiles && consoleServer instanceof https.Server) tlsFiles.watch(consoleServer, tlsWatchIntervalMs);
  // Every background job runs on the gateway that holds its lease (all of them here, on a single node):
  // GC, lifecycle, notification delivery, access log delivery, inventory reports (workers/background.ts).
  const background = startBackgroundWork({
    engine,
    leases,
    clock,
    leaseTtlMs: config.leaseTtlMs,
    lifecycleHourUtc: config.lifecycleHourUtc,
    gcIntervalMs: GC_INTERVAL_MS,
    requestCountsRetentionDays: config.requestCountsRetentionDays,
    log,
    notify: { meta, config: config.notify },
    accessLog: {
      intervalMs: config.accessLogIntervalMs,
      retryMs: config.accessLogRetryMs,
      maxRecords: config.accessLogMaxRecords,
    },
    inventoryCheckMs: config.inventoryCheckMs,
    holder,
    ...(gatewayTmp
      ? {
          sharedRecovery: {
            blobs,
            meta,
            gatewayTmp,
            staleMs: config.sharedStaleMs,
            intervalMs: Math.min(SHARED_RECOVERY_INTERVAL_MS, Math.max(250, Math.floor(config.sharedStaleMs / 4))),
          },
        }
      : {}),
  });
  metrics.observeLeases(() => background.keepers);
  engine.attachNotifier(background.notify);
  const { port } = server.address() as AddressInfo;
  const scheme = tlsOptions ? 'https' : 'http';
  const url = localUrl(scheme, config.address.host, port);
  const consoleUrl = `${consoleServer ? localUrl(scheme, config.consoleAddress!.host, (consoleServer.address() as AddressInfo).port) : url}${CONSOLE_PATH}`;
  // Where local commands find this server (`coffer lifecycle run --data DIR`): removed again on a clean close.
  const serverFile = path.join(config.dataDir, SERVER_FILE);
  await fs.writeFile(
    serverFile,
    `${JSON.stringify({ pid: process.pid, url, startedAt: new Date().toISOString() })}\n`,
    {
      mode: 0o600,
    },
  );

  let closed: Promise<void> | undefined;
  return {
    url,
    consoleUrl,
    port,
    identity,
    engine,
    config,
    metrics,
    reloadTls: () => tlsFiles?.reload() ?? false,
    close: () => {
      closed ??= (async () => {
        closing = true;
        consoleServer?.close();
        consoleServer?.closeAllConnections();
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        await done;
        clearInterval(idle);
        clearTimeout(force);
        tlsFiles?.close();
        // After the last request was answered, before the store closes: nothing counted is lost.
        await requestCounts.close();
        await background.stop();
        await leases.close();
        metrics.close();
        await meta.close();
        await blobs.close();
        // Shared, another gateway may have written its own since.
        const written = await fs.readFile(serverFile, 'utf8').catch(() => '');
        if (written.includes(`"pid":${process.pid},`)) await fs.rm(serverFile, { force: true });
        await dataDir.release();
      })();
      return closed;
    },
  };
}

/** A listen failure as one line for the operator (`coffer server` prints StartupError without a stack). */
function listenError(config: Config, err: NodeJS.ErrnoException): Error {
  const where = `${config.address.host}:${config.address.port}`;
  if (err.code === 'EADDRINUSE') return new StartupError(`cannot listen on ${where}: the address is already in use`);
  if (err.code === 'EADDRNOTAVAIL') return new StartupError(`cannot listen on ${where}: no such local address`);
  if (err.code === 'EACCES') return new StartupError(`cannot listen on ${where}: permission denied`);
  return err;
}

function localUrl(scheme: string, host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** HTTPS with the given certificate, else plain HTTP; the same timeouts either way. */
function createHttpServer(
  tlsOptions: https.ServerOptions | undefined,
  onRequest: http.RequestListener,
): http.Server | https.Server {
  const options = { keepAliveTimeout: 30_000, requestTimeout: 0 };
  return tlsOptions
    ? https.createServer({ ...options, ...tlsOptions }, onRequest)
    : http.createServer(options, onRequest);
}

/**
 * The console's own listener: `/` redirects to the console, and every other request goes to the API
 * server's handlers (the console calls the API on its own origin, so it needs no CORS there).
 */
async function listenConsole(
  address: { host: string; port: number },
  api: http.Server | https.Server,
  tlsOptions: https.ServerOptions | undefined,
): Promise<http.Server | https.Server> {
  const server = createHttpServer(tlsOptions, (req, res) => {
    if (req.url === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(302, { location: CONSOLE_PATH });
      res.end();
      return;
    }
    api.emit('request', req, res);
  });
  for (const event of ['checkContinue', 'checkExpectation'] as const) {
    server.on(event, (req, res) => api.emit(event, req, res));
  }
  server.on('clientError', (err, socket) => answerClientError(socket, err));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The metadata store the config names, with the stores of other domains kept in the same database. */
interface MetadataStores {
  meta: MetadataStore;
  leases: LeaseStore & { close(): Promise<void> };
  kmsKeys: KmsKeyStore;
  access: ObjectAccessStore;
}

/** PostgreSQL with `--metadata postgres://…`, else SQLite in the data directory. */
async function openMetadataStore(config: Config): Promise<MetadataStores> {
  if (config.metadataUrl !== undefined) {
    let pg: PgMetaStore;
    try {
      pg = await PgMetaStore.open({
        url: config.metadataUrl,
        durable: config.fsync,
        poolSize: config.metadataPoolSize,
      });
    } catch (err) {
      const where = new URL(config.metadataUrl);
      throw new StartupError(
        `cannot open the metadata database ${where.host}${where.pathname} (--metadata): ${(err as Error).message}`,
      );
    }
    return { meta: pg, leases: pg.leaseStore(), kmsKeys: pg.kmsKeyStore(), access: pg.objectAccessStore() };
  }
  const metaFile = path.join(config.dataDir, 'meta.db');
  await createPrivateFile(metaFile);
  const sqlite = new SqliteMetaStore({ filename: metaFile, fsync: config.fsync });
  return {
    meta: sqlite,
    leases: new SqliteLeaseStore({ filename: metaFile }),
    kmsKeys: new SqliteKmsKeyStore(sqlite.shared()),
    access: new SqliteObjectAccessStore(sqlite.shared()),
  };
}
