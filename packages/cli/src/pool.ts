/** Runs `work` over `items` with `limit` at once, collecting failures instead of stopping at the first. */
export async function forEachLimit<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const p: Promise<void> = work(item)
      .catch((error: unknown) => {
        failures.push({ item, error });
      })
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  return failures;
}
