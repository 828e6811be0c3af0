import path from 'node:path';
import { ConfigError, type ConfigFileValues, readConfigFile, type SettingType } from './config-file.js';
import { type NotifyConfig, NotifyConfigError, parseNotifyConfig } from './notify-config.js';

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
   * `--inline-max-bytes`, COFFER_INLINE_MAX_BYTES. Default 64 KiB (docs/performance.md says why).
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
  /**
   * Bucket notification targets (COFFER_NOTIFY_<KIND>_<ID>=<url>, or `[notify.<kind>.<id>]` in the
   * config file) and delivery settings: notify-config.ts.
   */
  notify: NotifyConfig;
  /**
   * How often access logs are delivered to their target buckets, in batches (COS and S3 deliver every
   * few minutes). COFFER_ACCESS_LOG_INTERVAL_MS. Default 300000 (5 minutes).
   */
  accessLogIntervalMs: number;
  /**
   * The first wait before a failed delivery (the target bucket gone or unwritable) is tried again;
   * doubled per failure, up to an hour. COFFER_ACCESS_LOG_RETRY_MS. Default 60000.
   */
  accessLogRetryMs: number;
  /** Records per delivered log object at most. COFFER_ACCESS_LOG_MAX_RECORDS. Default 100000. */
  accessLogMaxRecords: number;
  /**
   * How often the inventory worker looks for reports that are due (daily ones after midnight UTC,
   * weekly ones 7 days after the last); 0 turns scheduled reports off. COFFER_INVENTORY_CHECK_MS.
   * Default 3600000 (hourly).
   */
  inventoryCheckMs: number;
  /**
   * Serve HTTPS directly (for those who run no reverse proxy): PEM certificate chain and private key.
   * Both or neither. The files are watched and reloaded without a restart when they change (a renewed
   * certificate), and on SIGHUP. `--tls-cert`/`--tls-key`, COFFER_TLS_CERT/COFFER_TLS_KEY. Default: plain HTTP.
   */
  tls?: { certFile: string; keyFile: string };
  /**
   * How long a background job's lease (lifecycle, GC) lasts without renewal: when the gateway holding
   * it dies, another takes the job over after at most this long. COFFER_LEASE_TTL_MS. Default 30 s.
   */
  leaseTtlMs: number;
  /**
   * Gateways sharing one data directory: how long a dead gateway's tmp/ directory and a pending blob
   * that no live gateway is writing must look abandoned before the `recovery` lease's holder deletes
   * them (workers/shared-recovery.ts). COFFER_SHARED_STALE_MS. Default 15 minutes, far longer than any
   * pause between a write's steps; at least 1 s.
   */
  sharedStaleMs: number;
  /**
   * With PostgreSQL metadata: the most connections this gateway's pool opens (plus one for LISTEN).
   * Size it so that gateways × (this + 1) stays under the server's max_connections.
   * COFFER_METADATA_POOL_SIZE. Default 10.
   */
  metadataPoolSize: number;
  /**
   * How often each gateway adds its in-memory request counts (requests per minute, bucket and
   * operation: the console's Usage charts, GET /-/admin/usage/requests) to the metadata store. A
   * crash loses at most this long of counts. COFFER_REQUEST_COUNTS_FLUSH_MS. Default 10000 (10 s);
   * 100 to 600000.
   */
  requestCountsFlushMs: number;
  /**
   * Days request counts are kept; older minutes are pruned by the `gc` lease's holder.
   * COFFER_REQUEST_COUNTS_RETENTION_DAYS. Default 7; 1 to 3660.
   */
  requestCountsRetentionDays: number;
  /** The config file the settings were read from (`--config`, COFFER_CONFIG), if any. */
  configFile?: string;
}

export const DEFAULT_PORT = 9000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const GIB = 1024 ** 3;

export { ConfigError };

/** One setting: its Config field, its key in the config file, its environment variable and its flag (if any). */
export interface Setting {
  field: StringSetting;
  key: string;
  env: string;
  flag?: string;
  /** Its TOML type in a config file; a `path` relative there is resolved against the file's directory. */
  type: SettingType;
}

/**
 * Every setting, in the order the docs list them. A config file's key is the environment variable's
 * name without COFFER_, lower-cased (COFFER_MAX_PUT_BYTES ↔ max_put_bytes), so the three ways of
 * saying a thing cannot drift apart.
 */
export const SETTINGS: readonly Setting[] = [
  { field: 'address', key: 'address', env: 'COFFER_ADDRESS', flag: '--address', type: 'string' },
  {
    field: 'consoleAddress',
    key: 'console_address',
    env: 'COFFER_CONSOLE_ADDRESS',
    flag: '--console-address',
    type: 'string',
  },
  { field: 'dataDir', key: 'data_dir', env: 'COFFER_DATA_DIR', flag: '--data', type: 'path' },
  { field: 'metadataUrl', key: 'metadata_url', env: 'COFFER_METADATA_URL', flag: '--metadata', type: 'string' },
  { field: 'region', key: 'region', env: 'COFFER_REGION', flag: '--region', type: 'string' },
  { field: 'domain', key: 'domain', env: 'COFFER_DOMAIN', flag: '--domain', type: 'string' },
  { field: 'logLevel', key: 'log_level', env: 'COFFER_LOG_LEVEL', flag: '--log-level', type: 'string' },
  { field: 'fsync', key: 'fsync', env: 'COFFER_FSYNC', flag: '--fsync', type: 'boolean' },
  {
    field: 'maxPutSizeBytes',
    key: 'max_put_bytes',
    env: 'COFFER_MAX_PUT_BYTES',
    flag: '--max-put-bytes',
    type: 'integer',
  },
  {
    field: 'inlineMaxBytes',
    key: 'inline_max_bytes',
    env: 'COFFER_INLINE_MAX_BYTES',
    flag: '--inline-max-bytes',
    type: 'integer',
  },
  { field: 'tlsCert', key: 'tls_cert', env: 'COFFER_TLS_CERT', flag: '--tls-cert', type: 'path' },
  { field: 'tlsKey', key: 'tls_key', env: 'COFFER_TLS_KEY', flag: '--tls-key', type: 'path' },
  { field: 'secretId', key: 'secret_id', env: 'COFFER_SECRET_ID', type: 'string' },
  { field: 'secretKey', key: 'secret_key', env: 'COFFER_SECRET_KEY', type: 'string' },
  { field: 'appId', key: 'appid', env: 'COFFER_APPID', type: 'appid' },
  { field: 'lifecycleHourUtc', key: 'lifecycle_hour', env: 'COFFER_LIFECYCLE_HOUR', type: 'integer' },
  { field: 'stsMaxDurationSeconds', key: 'sts_max_duration', env: 'COFFER_STS_MAX_DURATION', type: 'integer' },
  { field: 'gcGraceMs', key: 'gc_grace_ms', env: 'COFFER_GC_GRACE_MS', type: 'integer' },
  { field: 'bodyIdleTimeoutMs', key: 'body_idle_timeout_ms', env: 'COFFER_BODY_IDLE_TIMEOUT_MS', type: 'integer' },
  { field: 'clockOffsetDays', key: 'clock_offset_days', env: 'COFFER_CLOCK_OFFSET_DAYS', type: 'number' },
  { field: 'metricsToken', key: 'metrics_token', env: 'COFFER_METRICS_TOKEN', type: 'string' },
  { field: 'metricsMaxBuckets', key: 'metrics_max_buckets', env: 'COFFER_METRICS_MAX_BUCKETS', type: 'integer' },
  { field: 'leaseTtlMs', key: 'lease_ttl_ms', env: 'COFFER_LEASE_TTL_MS', type: 'integer' },
  {
    field: 'accessLogIntervalMs',
    key: 'access_log_interval_ms',
    env: 'COFFER_ACCESS_LOG_INTERVAL_MS',
    type: 'integer',
  },
  { field: 'accessLogRetryMs', key: 'access_log_retry_ms', env: 'COFFER_ACCESS_LOG_RETRY_MS', type: 'integer' },
  {
    field: 'accessLogMaxRecords',
    key: 'access_log_max_records',
    env: 'COFFER_ACCESS_LOG_MAX_RECORDS',
    type: 'integer',
  },
  { field: 'inventoryCheckMs', key: 'inventory_check_ms', env: 'COFFER_INVENTORY_CHECK_MS', type: 'integer' },
  { field: 'sharedStaleMs', key: 'shared_stale_ms', env: 'COFFER_SHARED_STALE_MS', type: 'integer' },
  { field: 'metadataPoolSize', key: 'metadata_pool_size', env: 'COFFER_METADATA_POOL_SIZE', type: 'integer' },
  {
    field: 'requestCountsFlushMs',
    key: 'request_counts_flush_ms',
    env: 'COFFER_REQUEST_COUNTS_FLUSH_MS',
    type: 'integer',
  },
  {
    field: 'requestCountsRetentionDays',
    key: 'request_counts_retention_days',
    env: 'COFFER_REQUEST_COUNTS_RETENTION_DAYS',
    type: 'integer',
  },
];

/** The config file: `--config <file>` or COFFER_CONFIG (TOML; see docs/operations.md). */
export const CONFIG_FILE_FLAG = '--config';
export const CONFIG_FILE_ENV = 'COFFER_CONFIG';

/** Flags by name, as `coffer server` accepts them; each has an environment equivalent. */
export const CONFIG_FLAGS: Readonly<Record<string, string>> = {
  [CONFIG_FILE_FLAG]: CONFIG_FILE_ENV,
  ...Object.fromEntries(SETTINGS.filter((s) => s.flag).map((s) => [s.flag!, s.env])),
};

/**
 * Builds the Config from command-line flags, the environment and the config file: flags win over the
 * environment, which wins over the file, which wins over the defaults. Throws ConfigError naming the
 * flag, variable or file key that holds a bad value, and what is allowed.
 */
export function loadConfig(argv: string[] = [], env: NodeJS.ProcessEnv = process.env): Config {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(flag in CONFIG_FLAGS))
      throw new ConfigError(`unknown option ${flag}; known: ${Object.keys(CONFIG_FLAGS).join(', ')}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    flags[flag] = value;
  }
  const fileName = flags[CONFIG_FILE_FLAG] ?? (env[CONFIG_FILE_ENV] || undefined);
  const file = fileName === undefined ? undefined : readConfigFile(fileName, SETTINGS, ['notify']);
  const raw: RawConfig = {};
  const names: Partial<Record<keyof RawConfig, string>> = {};
  for (const setting of SETTINGS) {
    const { field } = setting;
    if (setting.flag && flags[setting.flag] !== undefined) {
      raw[field] = flags[setting.flag];
      names[field] = setting.flag;
    } else if (env[setting.env] !== undefined) {
      raw[field] = env[setting.env];
      names[field] = setting.env;
    } else if (file?.values[setting.key] !== undefined) {
      raw[field] = file.values[setting.key];
      names[field] = `${file.name}: ${setting.key}`;
    }
  }
  const config = configFrom({ ...raw, notify: notifyFrom(env, file) }, (field) => names[field] ?? envOf(field));
  return file ? { ...config, configFile: file.name } : config;
}

function envOf(field: keyof RawConfig): string {
  return SETTINGS.find((s) => s.field === field)?.env ?? field;
}

/** Notification targets: COFFER_NOTIFY_* over the config file's `[notify]` tables (notify-config.ts). */
function notifyFrom(env: NodeJS.ProcessEnv, file: ConfigFileValues | undefined): NotifyConfig {
  try {
    return parseNotifyConfig(env, file?.tables.notify ? { file: file.name, table: file.tables.notify } : undefined);
  } catch (err) {
    throw err instanceof NotifyConfigError ? new ConfigError(err.message) : err;
  }
}

/** Settings as strings, before validation (what a flag, a variable or a file value says). */
export type RawConfig = {
  [K in Exclude<keyof Config, 'tls' | 'configFile' | 'notify'> | 'tlsCert' | 'tlsKey']?: string | undefined;
} & {
  /**
   * Notification targets come from COFFER_NOTIFY_<KIND>_<ID> variables and the config file's
   * `[notify.<kind>.<id>]` tables (notify-config.ts), not from single settings.
   */
  notify?: NotifyConfig;
};
/** The settings that are one string each (flag, variable, file key). */
type StringSetting = Exclude<keyof RawConfig, 'notify'>;

/**
 * Validates raw string settings; the defaults live here and nowhere else. `nameOf` says where a value
 * came from (`--address`, `COFFER_ADDRESS`, `coffer.toml: address`), so an error names what to fix.
 */
export function configFrom(raw: RawConfig, nameOf: (field: keyof RawConfig) => string = envOf): Config {
  const name = (field: keyof RawConfig) => nameOf(field);
  const region = raw.region || 'ap-guangzhou';
  if (!/^[a-z\d-]+$/.test(region)) throw new ConfigError(`${name('region')} "${region}" must match ^[a-z0-9-]+$`);
  const domain = raw.domain ? raw.domain.toLowerCase().replace(/^\.+|\.+$/g, '') : undefined;
  if (domain !== undefined && !/^[a-z\d.-]+$/.test(domain)) {
    throw new ConfigError(`${name('domain')} "${raw.domain}" must be a host name such as cos.localhost`);
  }
  const logLevel = raw.logLevel || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`${name('logLevel')} "${logLevel}" must be one of ${LOG_LEVELS.join(', ')}`);
  }
  if (raw.appId !== undefined && !/^\d{1,20}$/.test(raw.appId)) {
    throw new ConfigError(`${name('appId')} "${raw.appId}" must be a decimal number such as 1250000000`);
  }
  if ((raw.secretId === undefined) !== (raw.secretKey === undefined)) {
    throw new ConfigError(`${name('secretId')} and ${name('secretKey')} go together: set both or neither`);
  }
  if (!raw.tlsCert !== !raw.tlsKey) {
    throw new ConfigError(`${name('tlsCert')} and ${name('tlsKey')} go together: set both or neither`);
  }
  return {
    address: parseAddress(name('address'), raw.address || `0.0.0.0:${DEFAULT_PORT}`),
    ...(raw.consoleAddress ? { consoleAddress: parseAddress(name('consoleAddress'), raw.consoleAddress) } : {}),
    dataDir: path.resolve(raw.dataDir || './data'),
    ...(raw.metadataUrl ? { metadataUrl: parseMetadataUrl(name('metadataUrl'), raw.metadataUrl) } : {}),
    region,
    ...(domain ? { domain } : {}),
    ...(raw.secretId !== undefined ? { secretId: raw.secretId, secretKey: raw.secretKey } : {}),
    ...(raw.appId !== undefined ? { appId: raw.appId } : {}),
    fsync: parseBoolean(name('fsync'), raw.fsync, true),
    maxPutSizeBytes: parseInteger(name('maxPutSizeBytes'), raw.maxPutSizeBytes, 5 * GIB, 0),
    inlineMaxBytes: parseInlineMax(name('inlineMaxBytes'), raw.inlineMaxBytes),
    gcGraceMs: parseInteger(name('gcGraceMs'), raw.gcGraceMs, 60_000, 0),
    bodyIdleTimeoutMs: parseInteger(name('bodyIdleTimeoutMs'), raw.bodyIdleTimeoutMs, 30_000, 1),
    maxSkewMs: parseInteger('maxSkewMs', raw.maxSkewMs, 15 * 60_000, 0),
    logLevel,
    clockOffsetDays: parseNumber(name('clockOffsetDays'), raw.clockOffsetDays, 0),
    lifecycleHourUtc: parseHour(name('lifecycleHourUtc'), raw.lifecycleHourUtc),
    stsMaxDurationSeconds: parseStsMaxDuration(name('stsMaxDurationSeconds'), raw.stsMaxDurationSeconds),
    ...(raw.metricsToken ? { metricsToken: parseMetricsToken(name('metricsToken'), raw.metricsToken) } : {}),
    metricsMaxBuckets: parseInteger(name('metricsMaxBuckets'), raw.metricsMaxBuckets, 100, 0),
    ...(raw.tlsCert && raw.tlsKey
      ? { tls: { certFile: path.resolve(raw.tlsCert), keyFile: path.resolve(raw.tlsKey) } }
      : {}),
    leaseTtlMs: parseLeaseTtl(name('leaseTtlMs'), raw.leaseTtlMs),
    notify: raw.notify ?? parseNotifyConfig({}),
    accessLogIntervalMs: parseInteger(name('accessLogIntervalMs'), raw.accessLogIntervalMs, 300_000, 100),
    accessLogRetryMs: parseInteger(name('accessLogRetryMs'), raw.accessLogRetryMs, 60_000, 0),
    accessLogMaxRecords: parseInteger(name('accessLogMaxRecords'), raw.accessLogMaxRecords, 100_000, 1),
    inventoryCheckMs: parseInteger(name('inventoryCheckMs'), raw.inventoryCheckMs, 3_600_000, 0),
    sharedStaleMs: parseInteger(name('sharedStaleMs'), raw.sharedStaleMs, 15 * 60_000, 1000),
    metadataPoolSize: parseInteger(name('metadataPoolSize'), raw.metadataPoolSize, 10, 1),
    requestCountsFlushMs: parseBounded(name('requestCountsFlushMs'), raw.requestCountsFlushMs, 10_000, 100, 600_000),
    requestCountsRetentionDays: parseBounded(
      name('requestCountsRetentionDays'),
      raw.requestCountsRetentionDays,
      7,
      1,
      3660,
    ),
  };
}

function parseMetadataUrl(name: string, value: string): string {
  if (!/^postgres(ql)?:\/\/\S+$/.test(value)) {
    throw new ConfigError(
      `${name} must be a PostgreSQL connection string such as postgres://user@127.0.0.1:5432/coffer (got "${value.replace(/:[^:@/]*@/, ':***@')}")`,
    );
  }
  return value;
}

/** Largest inline threshold: a body is buffered whole before its commit, and lives in a database row. */
const MAX_INLINE_BYTES = 1024 * 1024;

function parseInlineMax(name: string, value: string | undefined): number {
  const n = parseInteger(name, value, 64 * 1024, 0);
  if (n > MAX_INLINE_BYTES) {
    throw new ConfigError(`${name} "${value}" must be at most ${MAX_INLINE_BYTES} (1 MiB); 0 turns inlining off`);
  }
  return n;
}

function parseLeaseTtl(name: string, value: string | undefined): number {
  const n = parseInteger(name, value, 30_000, 0);
  // Renewed every third of the TTL: below a second, a busy event loop would lose leases it holds.
  if (n < 1000 || n > 3_600_000) {
    throw new ConfigError(`${name} "${value}" must be from 1000 (1 s) to 3600000 (1 h) milliseconds`);
  }
  return n;
}

function parseMetricsToken(name: string, value: string): string {
  // A short token is guessable; a header value cannot hold spaces or control characters.
  if (value.length < 16 || !/^[\x21-\x7e]+$/.test(value)) {
    throw new ConfigError(`${name} must be at least 16 printable characters without spaces`);
  }
  return value;
}

function parseStsMaxDuration(name: string, value: string | undefined): number {
  if (value === undefined || value === '') return 7200;
  const n = Number(value);
  // 900: STS credentials shorter than 15 minutes are refused (as AWS does); 129600 (36 h): COS's limit for sub-users.
  if (!Number.isInteger(n) || n < 900 || n > 129_600) {
    throw new ConfigError(`${name} "${value}" must be a whole number of seconds from 900 to 129600`);
  }
  return n;
}

function parseAddress(name: string, value: string): Config['address'] {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} "${value}" must be host:port (e.g. 0.0.0.0:9000 or 127.0.0.1:0)`);
  }
  return { host: m[1] || m[2] || '0.0.0.0', port };
}

function parseHour(name: string, value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1 || n > 23) {
    throw new ConfigError(`${name} "${value}" must be an hour 0-23 (UTC), or -1 to turn the daily run off`);
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

function parseBounded(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const n = parseInteger(name, value, fallback, min);
  if (n > max) throw new ConfigError(`${name} "${value}" must be a whole number from ${min} to ${max}`);
  return n;
}

function parseNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(`${name} "${value}" must be a number`);
  return n;
}
