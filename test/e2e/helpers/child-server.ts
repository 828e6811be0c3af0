import type { ChildProcess } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { signV4Headers } from '@coffer/protocol';
import { spawnCofferServer } from '../../../bench/lib/spawn-server.js';
import { nodeCrypto } from '../../../packages/server/src/auth/node-crypto.js';

/**
 * A `coffer server` child process (the built CLI), for the tests that kill it with SIGKILL and start
 * it again on the same data directory (crash.test.ts, usage-crash, notifications-crash,
 * access-logging-crash): an in-process server cannot be killed -9. The process itself is started by
 * bench/lib/spawn-server.js, which the bench scripts share.
 */

export { CLI } from '../../../bench/lib/spawn-server.js';
export const CHILD_REGION = 'ap-guangzhou';

/** The root key the child starts with (COFFER_SECRET_ID / COFFER_SECRET_KEY). */
export interface ChildCredentials {
  accessKeyId: string;
  secretKey: string;
}

export interface ChildServer {
  child: ChildProcess;
  url: string;
  /** pino lines (JSON text) printed on stdout so far. */
  logs: string[];
  exited: Promise<unknown>;
}

/**
 * Starts `coffer server` on `dataDir` at an ephemeral port and resolves with its URL once it prints
 * its banner. `env` adds COFFER_* settings (COFFER_LOG_LEVEL is warn unless given); the test's own
 * COFFER_* environment is not passed down.
 */
export async function startChildServer(
  dataDir: string,
  credentials: ChildCredentials,
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const { child, url, logs, exited } = await spawnCofferServer(
    dataDir,
    {
      COFFER_LOG_LEVEL: 'warn',
      COFFER_SECRET_ID: credentials.accessKeyId,
      COFFER_SECRET_KEY: credentials.secretKey,
      ...env,
    },
    15_000,
  );
  return { child, url, logs, exited };
}

/** Kills the child with `signal` (SIGKILL: a crash) unless it has exited, and waits for it to exit. */
export async function stopChildServer(server: ChildServer, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  await server.exited;
}

/** An S3 client of the child's root, path style, one attempt (a request cut by a kill fails, not retries). */
export function childS3(server: ChildServer, credentials: ChildCredentials): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: CHILD_REGION,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretKey },
  });
}

/** A request to the child's admin API (`/-/admin/…`), SigV4-signed by its root; throws unless 200. */
export async function childAdmin(
  server: ChildServer,
  credentials: ChildCredentials,
  method: 'GET' | 'POST',
  adminPath: string,
  query: Record<string, string> = {},
): Promise<unknown> {
  const { host } = new URL(server.url);
  const search = new URLSearchParams(query).toString().replaceAll('+', '%20');
  const { headers } = signV4Headers(
    { method, path: adminPath, query: search, headers: { host } },
    { credentials, region: CHILD_REGION, nowMs: Date.now() },
    nodeCrypto,
  );
  const res = await fetch(`${server.url}${adminPath}${search ? `?${search}` : ''}`, { method, headers });
  if (res.status !== 200) throw new Error(`${method} ${adminPath}?${search}: ${res.status} ${await res.text()}`);
  return res.json();
}
