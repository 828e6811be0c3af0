export { type AdminReply, callAdmin, localEndpoint } from './admin-client.js';
export type { AuthContext, AuthResult, Credential, Principal } from './auth/types.js';
export {
  CONFIG_FLAGS,
  type Config,
  ConfigError,
  configFrom,
  loadConfig,
  type RawConfig,
  SETTINGS,
  type Setting,
} from './config.js';
export { DataDirError, StartupError } from './data-dir.js';
export type { Clock } from './engine/context.js';
export { createEngine, Engine, type EngineOptions } from './engine/engine.js';
export type { Identity } from './identity.js';
export { type NotifyConfig, parseNotifyConfig } from './notify-config.js';
export { migrateMetadata, type TableCheck } from './migrate.js';
export { type RunningServer, SERVER_FILE, type StartOptions, startServer } from './server.js';
export { FsBlobStore } from './stores/fs/fs-blob-store.js';
export type { Lease, LeaseStore } from './stores/lease-store.js';
export { PgMetaStore } from './stores/pg/pg-meta-store.js';
export { SqliteLeaseStore } from './stores/sqlite/leases.js';
export { SqliteMetaStore } from './stores/sqlite/sqlite-meta-store.js';
export type * from './stores/types.js';
export { EVENT_ID_HEADER, SIGNATURE_HEADER, webhookSignature } from './workers/notify-targets.js';
