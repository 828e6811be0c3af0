/** A fixed number of workers taking jobs until there are none; the first failure stops further jobs. */

/**
 * Runs jobs from `next` (undefined = no more) on `limit` workers; rejects with the first error after the running
 * jobs settle.
 *
 * @example
 * await runPool(3, () => (queue.length ? () => upload(queue.shift()!) : undefined));
 */
export async function runPool(
  limit: number,
  next: () => Promise<(() => Promise<void>) | undefined> | (() => Promise<void>) | undefined,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      const job = await next();
      if (!job || failure) return;
      try {
        await job();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.max(1, limit); i++) {
    workers.push(
      worker().catch((error: unknown) => {
        failure ??= { error };
      }),
    );
  }
  await Promise.all(workers);
  if (failure) throw failure.error;
}

/** The smallest power-of-two MiB part size (up to 5 GiB) that fits `sizeBytes` in `maxParts` parts (Tencent's rule). */
export function autoChunkSize(sizeBytes: number, maxParts: number): number {
  const mib = 1024 * 1024;
  const steps = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 5120];
  let size = mib;
  for (const step of steps) {
    size = step * mib;
    if (sizeBytes / size <= maxParts) break;
  }
  return size;
}
