export type { AuthContext, AuthResult, Credential, Principal } from './auth/types.js';
export { type Config, ConfigError, configFrom, loadConfig } from './config.js';
export type { Clock } from './engine/context.js';
export { createEngine, Engine, type EngineOptions } from './engine/engine.js';
export type { Identity } from './identity.js';
export { type RunningServer, type StartOptions, startServer } from './server.js';
export { FsBlobStore } from './stores/fs/fs-blob-store.js';
export { SqliteMetaStore } from './stores/sqlite/sqlite-meta-store.js';
export type * from './stores/types.js';
