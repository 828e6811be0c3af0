import type { EngineContext } from './context.js';
import { type GcEvent, gcChannel } from './events.js';

/**
 * Deletes the files (or, for inline blobs, the stored bytes) of blobs no version references any more, once their grace period has passed
 * (docs/ARCHITECTURE.md, "Blobs": a delete only drops references, the files go here). Blobs pinned by a reader in
 * this process stay queued until a later pass. Returns how many files were deleted.
 */
/** How long a completed upload is remembered, so a retried Complete returns the same result. */
export const COMPLETED_UPLOAD_RETENTION_MS = 24 * 3_600_000;

export async function collectGarbage(ctx: EngineContext, limit = 1000): Promise<number> {
  await ctx.meta.forgetCompletedUploads(ctx.clock.nowMs() - COMPLETED_UPLOAD_RETENTION_MS);
  let total = 0;
  for (;;) {
    const ready = await ctx.meta.claimGarbage(ctx.clock.nowMs() - ctx.limits.gcGraceMs, limit);
    const deletable = ready.filter((blob) => !ctx.pins.has(blob.id));
    // An inline blob has no file: forgetting it drops its stored bytes.
    for (const blob of deletable) if (!blob.inline) await ctx.blobs.delete(blob.id);
    if (deletable.length > 0) await ctx.meta.forgetGarbage(deletable.map((blob) => blob.id));
    total += deletable.length;
    if (ready.length < limit || deletable.length === 0) {
      if (gcChannel.hasSubscribers) gcChannel.publish({ deleted: total } satisfies GcEvent);
      return total;
    }
  }
}

/**
 * Start-up recovery of the write protocol: every blob that still has a pending intent was never
 * committed (the commit removes the intent in the same transaction), so its file is deleted; and
 * tmp/ holds only writes that never finished.
 */
export async function recoverPendingWrites(ctx: EngineContext): Promise<number> {
  await ctx.blobs.clearTemporary();
  const pending = await ctx.meta.listPendingBlobs();
  for (const id of pending) await ctx.blobs.delete(id);
  if (pending.length > 0) await ctx.meta.dropPendingBlobs(pending);
  return pending.length;
}
