import type { LifecycleAction, LifecycleCounts, LifecycleRow, LifecycleRunRecord } from '../../stores/types.js';
import type { EngineContext } from '../context.js';
import { eventRecorder } from '../notifications/record.js';
import type { LifecycleRule } from './evaluate.js';
import { decide, uploadAbortRule, type VersionFacts } from './evaluate.js';

/** Where a run is, saved with every batch so a restart resumes exactly there. */
interface RunState {
  /** The bucket being processed ('' before the first). Buckets are visited in name order. */
  bucket: string;
  phase: 'versions' | 'uploads';
  /** Last version processed in the versions phase. */
  after?: { key: string; seq: number };
  /** Facts carried across batch boundaries within one key. */
  carry?: { key: string; successorMs: number; newerNoncurrent: number };
  /** Last upload id processed in the uploads phase. */
  afterUploadId?: string;
}

export interface LifecycleRunSummary extends LifecycleCounts {
  runId: number;
  resumed: boolean;
  buckets: number;
  versionsScanned: number;
  uploadsScanned: number;
  /** False when the run stopped early (budget or shutdown); the next run resumes it. */
  finished: boolean;
}

export interface LifecycleRunOptions {
  /** Versions (or uploads) per batch and transaction. */
  batchSize?: number;
  /** Stop after this many batches (the rest resumes in the next run): for time-boxed runs and tests. */
  maxBatches?: number;
  signal?: AbortSignal;
  /** The run to work on (claimed by engine/lifecycle/pass.ts); default: the one claimLifecycleRun gives. */
  run?: LifecycleRunRecord;
}

/** A new run's cursor: before the first bucket. */
export const FIRST_STATE = JSON.stringify({ bucket: '', phase: 'versions' } satisfies RunState);

const LIFECYCLE_CONFIG = 'lifecycle';

/** Reads a bucket's rules (stored as normalised JSON by PUT ?lifecycle). */
/** Parsed rule documents by their text: GET and HEAD read the rules for x-amz-expiration. */
const parsedRules = new Map<string, LifecycleRule[]>();
const MAX_PARSED_RULES = 256;

export async function bucketRules(ctx: EngineContext, bucketId: number): Promise<LifecycleRule[] | undefined> {
  const doc = await ctx.meta.getBucketConfig(bucketId, LIFECYCLE_CONFIG);
  if (doc === undefined) return undefined;
  let rules = parsedRules.get(doc);
  if (!rules) {
    rules = JSON.parse(doc) as LifecycleRule[];
    if (parsedRules.size >= MAX_PARSED_RULES) parsedRules.delete(parsedRules.keys().next().value!);
    parsedRules.set(doc, rules);
  }
  return rules;
}

export async function saveBucketRules(
  ctx: EngineContext,
  bucketId: number,
  rules: LifecycleRule[] | null,
): Promise<void> {
  await ctx.meta.setBucketConfig(bucketId, LIFECYCLE_CONFIG, rules === null ? null : JSON.stringify(rules));
}

function toAction(row: LifecycleRow, decision: ReturnType<typeof decide>): LifecycleAction | undefined {
  switch (decision?.kind) {
    case undefined:
      return undefined;
    case 'expire-current':
      return { kind: 'expire-current', key: row.key, seq: row.seq };
    case 'delete-version':
      return { kind: 'delete-version', key: row.key, versionId: row.versionId, seq: row.seq };
    case 'remove-marker':
      return { kind: 'remove-marker', key: row.key, versionId: row.versionId, seq: row.seq };
    case 'transition':
      return {
        kind: 'transition',
        key: row.key,
        versionId: row.versionId,
        seq: row.seq,
        storageClass: decision.storageClass,
      };
  }
}

/** A run's summary before it has done anything (also what a caller that ran nothing answers). */
export function emptySummary(runId: number, resumed = false): LifecycleRunSummary {
  return {
    runId,
    resumed,
    buckets: 0,
    versionsScanned: 0,
    uploadsScanned: 0,
    finished: false,
    objectsExpired: 0,
    versionsDeleted: 0,
    markersRemoved: 0,
    transitioned: 0,
    uploadsAborted: 0,
    bytesFreed: 0,
  };
}
/**
 * One lifecycle pass over every bucket that has rules: expirations, transitions, noncurrent-version
 * clean-up, lone delete markers, incomplete uploads. Batches of versions are read in key order,
 * decided, and applied together with the run's cursor in one transaction, so the pass scales to
 * millions of objects in flat memory, and a restart resumes after the last committed batch without
 * repeating anything. Freed blobs leave the disk through GC, which the caller kicks afterwards.
 */
export async function runLifecycle(
  ctx: EngineContext,
  options: LifecycleRunOptions = {},
): Promise<LifecycleRunSummary> {
  const batchSize = options.batchSize ?? 1000;
  const nowMs = ctx.clock.nowMs();
  // The unfinished run if there is one (interrupted, or begun by another caller), else a new one.
  const run = options.run ?? (await ctx.meta.claimLifecycleRun(nowMs, FIRST_STATE));
  let state = JSON.parse(run.state) as RunState;
  const runId = run.runId;
  // Resumed: a batch of this run was committed before (by an interrupted pass, here or elsewhere).
  const summary = emptySummary(runId, run.state !== FIRST_STATE);
  let batches = 0;
  const outOfBudget = () =>
    options.signal?.aborted === true || (options.maxBatches !== undefined && batches >= options.maxBatches);
  // `phase` is the phase that did the work: by the time a batch is applied, `state` (saved with it, so a
  // resumed run continues after it) may already name the next phase.
  const apply = async (
    bucketId: number,
    bucket: string,
    phase: RunState['phase'],
    actions: LifecycleAction[],
    scanned: number,
  ) => {
    const record = await ctx.meta.getBucket(bucket);
    const events =
      record && (await eventRecorder(ctx, record, { principalId: 'coffer:lifecycle' }, { lifecycle: true }));
    const counts = await ctx.meta.applyLifecycleBatch({
      ...(events ? { events } : {}),
      bucketId,
      nowMs,
      actions,
      runId,
      state: JSON.stringify(state),
    });
    batches++;
    for (const k of Object.keys(counts) as (keyof LifecycleCounts)[]) summary[k] += counts[k];
    ctx.log.info({ runId, bucket, phase, scanned, actions: actions.length, ...counts }, 'lifecycle batch');
  };

  const buckets = (await ctx.meta.listBuckets()).filter((b) => b.name >= state.bucket);
  for (const bucket of buckets) {
    if (bucket.name !== state.bucket) state = { bucket: bucket.name, phase: 'versions' };
    const rules = await bucketRules(ctx, bucket.id);
    if (!rules) continue;
    summary.buckets++;

    while (state.phase === 'versions') {
      if (outOfBudget()) return summary;
      const rows = await ctx.meta.scanVersions(bucket.id, state.after, batchSize + 1);
      const batch = rows.slice(0, batchSize);
      const actions: LifecycleAction[] = [];
      let carry = state.carry;
      batch.forEach((row, i) => {
        if (carry?.key !== row.key) carry = { key: row.key, successorMs: 0, newerNoncurrent: 0 };
        const next = batch[i + 1] ?? rows[batchSize];
        const facts: VersionFacts = {
          ...row,
          ...(row.isLatest ? {} : { noncurrentSinceMs: carry.successorMs }),
          newerNoncurrent: carry.newerNoncurrent,
          onlyVersion: row.isLatest && next?.key !== row.key,
        };
        // COS: appendable objects take no part in lifecycle management.
        const action = row.appendable ? undefined : toAction(row, decide(rules, facts, nowMs));
        if (action) actions.push(action);
        carry.successorMs = row.lastModifiedMs;
        if (!row.isLatest) carry.newerNoncurrent++;
      });
      const last = batch[batch.length - 1];
      const more = rows.length > batchSize;
      state =
        more && last
          ? { ...state, after: { key: last.key, seq: last.seq }, ...(carry ? { carry } : {}) }
          : { bucket: bucket.name, phase: 'uploads' };
      summary.versionsScanned += batch.length;
      await apply(bucket.id, bucket.name, 'versions', actions, batch.length);
    }

    while (state.phase === 'uploads') {
      if (outOfBudget()) return summary;
      const uploads = await ctx.meta.scanUploads(bucket.id, state.afterUploadId ?? '', batchSize);
      const actions: LifecycleAction[] = [];
      for (const upload of uploads) {
        if (uploadAbortRule(rules, upload, nowMs) !== undefined)
          actions.push({ kind: 'abort-upload', uploadId: upload.uploadId });
      }
      const last = uploads[uploads.length - 1];
      summary.uploadsScanned += uploads.length;
      if (uploads.length === batchSize && last) state = { ...state, afterUploadId: last.uploadId };
      else state = { bucket: `${bucket.name}\u0000`, phase: 'versions' };
      await apply(bucket.id, bucket.name, 'uploads', actions, uploads.length);
    }
    await ctx.meta.recordLifecycleVisit(bucket.id, nowMs);
  }
  summary.finished = true;
  // With what it did, for the callers that joined this run from other gateways (pass.ts).
  await ctx.meta.finishLifecycleRun(runId, ctx.clock.nowMs(), JSON.stringify(summary));
  ctx.log.info({ ...summary }, 'lifecycle run finished');
  return summary;
}
