import type { Clock } from '@coffer/server';
import { storedBlobSizes } from './blobs.js';
import { rawRequest } from './s3.js';
import type { TestServer } from './server.js';

export const DAY_MS = 86_400_000;

/** The engine clock lifecycle tests move forward: `startTestServer({ clock })`, then `clock.now += …`. */
export interface MovableClock extends Clock {
  now: number;
}

export function movableClock(startMs = Date.now()): MovableClock {
  const clock = {
    now: startMs,
    nowMs: () => clock.now,
  };
  return clock;
}

/** The next midnight UTC at or after `ms`: where S3 rounds every lifecycle due time. */
export function midnightAtOrAfter(ms: number): number {
  return Math.ceil(ms / DAY_MS) * DAY_MS;
}

/** The lifecycle section of GET /-/admin/usage (api/admin.ts). */
export interface LifecycleReport {
  objectsExpired: number;
  versionsDeleted: number;
  markersRemoved: number;
  transitioned: number;
  uploadsAborted: number;
  bytesFreed: number;
  /** ISO time of the last pass that finished the bucket, or null. */
  lastRun: string | null;
  /** The same as epoch milliseconds (absent before the first pass). */
  lastRunMs?: number;
}

export interface FullUsageReport {
  bucket: string;
  objects: { count: number; bytes: number; byStorageClass: Record<string, { count: number; bytes: number }> };
  noncurrentVersions: { count: number; bytes: number };
  deleteMarkers: number;
  incompleteUploads: { count: number; parts: number; bytes: number };
  /** The recycle bin (docs/recycle-bin.md). */
  recycled: { count: number; bytes: number };
  lifecycle: LifecycleReport;
}

/** GET /-/admin/usage?bucket=NAME, signed (SigV4) like any request. */
export async function usageOf(t: TestServer, bucket: string): Promise<FullUsageReport> {
  const res = await rawRequest(t, {
    method: 'GET',
    path: '/-/admin/usage',
    query: `bucket=${encodeURIComponent(bucket)}`,
  });
  if (res.status !== 200) throw new Error(`usage: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as FullUsageReport;
}

/** What POST /-/admin/lifecycle/run answers (engine/lifecycle/runner.ts LifecycleRunSummary). */
export interface RunSummary {
  runId: number;
  resumed: boolean;
  finished: boolean;
  buckets: number;
  versionsScanned: number;
  uploadsScanned: number;
  objectsExpired: number;
  versionsDeleted: number;
  markersRemoved: number;
  transitioned: number;
  uploadsAborted: number;
  bytesFreed: number;
}

/** POST /-/admin/lifecycle/run over HTTP (signed); returns status and the JSON body. */
export async function runLifecycleOverHttp(
  t: TestServer,
  query = '',
): Promise<{ status: number; body: RunSummary & { started?: boolean } }> {
  const res = await rawRequest(t, { method: 'POST', path: '/-/admin/lifecycle/run', query });
  return { status: res.status, body: res.text === '' ? ({} as RunSummary) : JSON.parse(res.text) };
}

/** Stored blobs: files under `<dataDir>/blobs/<2 hex>/` and inline bodies in the metadata (helpers/blobs.ts). */
export async function blobFileCount(dataDir: string): Promise<number> {
  return (await storedBlobSizes(dataDir)).size;
}

/** Bytes of all stored blobs, files and inline bodies. */
export async function blobFileBytes(dataDir: string): Promise<number> {
  let bytes = 0;
  for (const size of (await storedBlobSizes(dataDir)).values()) bytes += size;
  return bytes;
}
