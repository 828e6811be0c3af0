import path from 'node:path';

/** Everything the server can be told, validated once at start-up. Only this module reads process.env. */
export interface Config {
  /** host:port to listen on. `--address`, COFFER_ADDRESS. Default 0.0.0.0:9000. Port 0 picks a free port. */
  address: { host: string; port: number };
  /**
   * A second host:port that serves the web console (and the API it calls, so it stays same-origin), for
   * operators who keep the console off the public address. `--console-address`, COFFER_CONSOLE_ADDRESS.
   * Default none: the console is at /-/console/ on `address` only.
   */
  consoleAddress?: { host: string; port: number };
  /** Where metadata (SQLite) and blobs live. `--data`, COFFER_DATA_DIR. Default ./data. */
  dataDir: string;
  /**
   * Metadata in PostgreSQL instead of SQLite: a connection string `postgres://user:pass@host:port/db`
   * (scale-out: several gateways share it and one blob directory). `--metadata`, COFFER_METADATA_URL.
   * Default none: SQLite in the data directory.
   */
  metadataUrl?: string;
  /** The region this server reports (HEAD Bucket, GET ?location). `--region`, COFFER_REGION. Default ap-guangzhou. */
  region: string;
  /**
   * Base domain for virtual-host requests: with `cos.localhost`, `Host: photos-1250000000.cos.localhost:9000`
   * addresses bucket photos-1250000000. `--domain`, COFFER_DOMAIN. Path style always works too.
   */
  domain?: string;
  /** Root credentials; generated on first start and kept in the data directory unless given here. */
  secretId?: string;
  secretKey?: string;
  appId?: string;
  /**
   * fsync blob files, their directories and every metadata commit before acknowledging a write.
   * COFFER_FSYNC=0 trades power-loss safety for speed (a process crash still loses nothing). Default on.
   */
  fsync: boolean;
  /** Largest single PUT (S3 and COS: 5 GiB); larger bodies get EntityTooLarge. COFFER_MAX_PUT_BYTES. */
  maxPutSizeBytes: number;
  /**
   * Objects and parts of at most this many bytes are stored inline, in the metadata database with
   * their version row (one group-committed write, no file); 0 turns inlining off. At most 1 MiB.
   * `--inline-max-bytes`, COFFER_INLINE_MAX_BYTES. Default 16 KiB (docs/performance.md says why).
   */
  inlineMaxBytes: number;
  /** How long a blob no object references waits before its file is deleted (readers may still hold it). */
  gcGraceMs: number;
  /**
   * How long a request body may stall (no byte arriving) before the request fails with 400
   * RequestTimeout, as S3 answers a client that stops sending. COFFER_BODY_IDLE_TIMEOUT_MS. Default 30 s.
   */
  bodyIdleTimeoutMs: number;
  /** Largest accepted gap between a request's signing time and the server clock (S3: 15 minutes). */
  maxSkewMs: number;
  /** pino level: fatal, error, warn, info, debug, trace, silent. `--log-level`, COFFER_LOG_LEVEL. Default info. */
  logLevel: string;
  /** Days added to the real clock (for manual lifecycle trials). COFFER_CLOCK_OFFSET_DAYS. Default 0. */
  clockOffsetDays: number;
  /** Hour of the day (UTC) the daily lifecycle pass runs; -1 turns the schedule off. COFFER_LIFECYCLE_HOUR. Default 0. */
  lifecycleHourUtc: number;
  /**
   * Longest lifetime of temporary credentials from POST /-/sts, in seconds (900 to 129600).
   * COFFER_STS_MAX_DURATION. Default 7200: two hours, COS's limit for credentials a root key requests.
   */
  stsMaxDurationSeconds: number;
  /**
   * A bearer token that may read /-/metrics (Prometheus `authorization: {credentials: …}`); without
   * it only the root's signature may. COFFER_METRICS_TOKEN. Default none.
   */
  metricsToken?: string;
  /**
   * How many buckets get their own usage series in /-/metrics (the largest by bytes); the others are
   * summed as bucket="_other", so the series count stays bounded. COFFER_METRICS_MAX_BUCKETS. Default 100.
   */
  metricsMaxBuckets: number;
}

export const DEFAULT_PORT = 9000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const GIB = 1024 ** 3;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Flags by name, as `coffer server` accepts them; each has an environment equivalent. */
export const CONFIG_FLAGS = {
  '--address': 'COFFER_ADDRESS',
  '--data': 'COFFER_DATA_DIR',
  '--metadata': 'COFFER_METADATA_URL',
  '--region': 'COFFER_REGION',
  '--domain': 'COFFER_DOMAIN',
  '--log-level': 'COFFER_LOG_LEVEL',
  '--fsync': 'COFFER_FSYNC',
  '--max-put-bytes': 'COFFER_MAX_PUT_BYTES',
  '--console-address': 'COFFER_CONSOLE_ADDRESS',
  '--inline-max-bytes': 'COFFER_INLINE_MAX_BYTES',
} as const;

/**
 * Builds the Config from command-line flags (which win) and the environment.
 * Throws ConfigError naming the bad value and what is allowed.
 */
export function loadConfig(argv: string[] = [], env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, string | undefined> = {};
  for (const name of Object.values(CONFIG_FLAGS)) values[name] = env[name];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const envName = CONFIG_FLAGS[flag as keyof typeof CONFIG_FLAGS];
    if (!envName) throw new ConfigError(`unknown option ${flag}; known: ${Object.keys(CONFIG_FLAGS).join(', ')}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    values[envName] = value;
  }
  return configFrom({
    address: values.COFFER_ADDRESS,
    consoleAddress: values.COFFER_CONSOLE_ADDRESS,
    dataDir: values.COFFER_DATA_DIR,
    metadataUrl: values.COFFER_METADATA_URL,
    region: values.COFFER_REGION,
    domain: values.COFFER_DOMAIN,
    logLevel: values.COFFER_LOG_LEVEL,
    fsync: values.COFFER_FSYNC,
    maxPutSizeBytes: values.COFFER_MAX_PUT_BYTES,
    inlineMaxBytes: values.COFFER_INLINE_MAX_BYTES,
    secretId: env.COFFER_SECRET_ID,
    secretKey: env.COFFER_SECRET_KEY,
    appId: env.COFFER_APPID,
    clockOffsetDays: env.COFFER_CLOCK_OFFSET_DAYS,
    lifecycleHourUtc: env.COFFER_LIFECYCLE_HOUR,
    gcGraceMs: env.COFFER_GC_GRACE_MS,
    bodyIdleTimeoutMs: env.COFFER_BODY_IDLE_TIMEOUT_MS,
    stsMaxDurationSeconds: env.COFFER_STS_MAX_DURATION,
    metricsToken: env.COFFER_METRICS_TOKEN,
    metricsMaxBuckets: env.COFFER_METRICS_MAX_BUCKETS,
  });
}

type RawConfig = { [K in keyof Config]?: string | undefined };

/** Validates raw string settings; the defaults live here and nowhere else. */
export function configFrom(raw: RawConfig): Config {
  const region = raw.region || 'ap-guangzhou';
  if (!/^[a-z\d-]+$/.test(region)) throw new ConfigError(`region "${region}" must match ^[a-z0-9-]+$`);
  const domain = raw.domain ? raw.domain.toLowerCase().replace(/^\.+|\.+$/g, '') : undefined;
  if (domain !== undefined && !/^[a-z\d.-]+$/.test(domain)) {
    throw new ConfigError(`domain "${raw.domain}" must be a host name such as cos.localhost`);
  }
  const logLevel = raw.logLevel || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log level "${logLevel}" must be one of ${LOG_LEVELS}`);
  if (raw.appId !== undefined && !/^\d{1,20}$/.test(raw.appId)) {
    throw new ConfigError(`COFFER_APPID "${raw.appId}" must be a decimal number such as 1250000000`);
  }
  if ((raw.secretId === undefined) !== (raw.secretKey === undefined)) {
    throw new ConfigError('COFFER_SECRET_ID and COFFER_SECRET_KEY go together: set both or neither');
  }
  return {
    address: parseAddress(raw.address || `0.0.0.0:${DEFAULT_PORT}`),
    ...(raw.consoleAddress ? { consoleAddress: parseAddress(raw.consoleAddress) } : {}),
    dataDir: path.resolve(raw.dataDir || './data'),
    ...(raw.metadataUrl ? { metadataUrl: parseMetadataUrl(raw.metadataUrl) } : {}),
    region,
    ...(domain ? { domain } : {}),
    ...(raw.secretId !== undefined ? { secretId: raw.secretId, secretKey: raw.secretKey } : {}),
    ...(raw.appId !== undefined ? { appId: raw.appId } : {}),
    fsync: parseBoolean('COFFER_FSYNC', raw.fsync, true),
    maxPutSizeBytes: parseInteger('COFFER_MAX_PUT_BYTES', raw.maxPutSizeBytes, 5 * GIB, 0),
    inlineMaxBytes: parseInlineMax(raw.inlineMaxBytes),
    gcGraceMs: parseInteger('COFFER_GC_GRACE_MS', raw.gcGraceMs, 60_000, 0),
    bodyIdleTimeoutMs: parseInteger('COFFER_BODY_IDLE_TIMEOUT_MS', raw.bodyIdleTimeoutMs, 30_000, 1),
    maxSkewMs: parseInteger('maxSkewMs', raw.maxSkewMs, 15 * 60_000, 0),
    logLevel,
    clockOffsetDays: parseNumber('COFFER_CLOCK_OFFSET_DAYS', raw.clockOffsetDays, 0),
    lifecycleHourUtc: parseHour(raw.lifecycleHourUtc),
    stsMaxDurationSeconds: parseStsMaxDuration(raw.stsMaxDurationSeconds),
    ...(raw.metricsToken ? { metricsToken: parseMetricsToken(raw.metricsToken) } : {}),
    metricsMaxBuckets: parseInteger('COFFER_METRICS_MAX_BUCKETS', raw.metricsMaxBuckets, 100, 0),
  };
}

function parseMetadataUrl(value: string): string {
  if (!/^postgres(ql)?:\/\/\S+$/.test(value)) {
    throw new ConfigError(
      `COFFER_METADATA_URL must be a PostgreSQL connection string such as postgres://user@127.0.0.1:5432/coffer (got "${value.replace(/:[^:@/]*@/, ':***@')}")`,
    );
  }
  return value;
}

/** Largest inline threshold: a body is buffered whole before its commit, and lives in a database row. */
const MAX_INLINE_BYTES = 1024 * 1024;

function parseInlineMax(value: string | undefined): number {
  const n = parseInteger('COFFER_INLINE_MAX_BYTES', value, 16 * 1024, 0);
  if (n > MAX_INLINE_BYTES) {
    throw new ConfigError(
      `COFFER_INLINE_MAX_BYTES "${value}" must be at most ${MAX_INLINE_BYTES} (1 MiB); 0 turns inlining off`,
    );
  }
  return n;
}

function parseMetricsToken(value: string): string {
  // A short token is guessable; a header value cannot hold spaces or control characters.
  if (value.length < 16 || !/^[\x21-\x7e]+$/.test(value)) {
    throw new ConfigError('COFFER_METRICS_TOKEN must be at least 16 printable characters without spaces');
  }
  return value;
}

function parseStsMaxDuration(value: string | undefined): number {
  if (value === undefined || value === '') return 7200;
  const n = Number(value);
  // 900: STS credentials shorter than 15 minutes are refused (as AWS does); 129600 (36 h): COS's limit for sub-users.
  if (!Number.isInteger(n) || n < 900 || n > 129_600) {
    throw new ConfigError(`COFFER_STS_MAX_DURATION "${value}" must be a whole number of seconds from 900 to 129600`);
  }
  return n;
}

function parseAddress(value: string): Config['address'] {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`address "${value}" must be host:port (e.g. 0.0.0.0:9000 or 127.0.0.1:0)`);
  }
  return { host: m[1] || m[2] || '0.0.0.0', port };
}

function parseHour(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1 || n > 23) {
    throw new ConfigError(
      `COFFER_LIFECYCLE_HOUR "${value}" must be an hour 0-23 (UTC), or -1 to turn the daily run off`,
    );
  }
  return n;
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} "${value}" must be one of 1, 0, true, false`);
}

function parseInteger(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} "${value}" must be a whole number ≥ ${min}`);
  return n;
}

function parseNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(`${name} "${value}" must be a number`);
  return n;
}
