// A/B cost benches (bench/usage.js, bench/access-logging.js): two Coffer servers of the same build, one with a
// feature and one without, loaded in alternating rounds; the cost is a ratio measured in the same run.
import { createClient, describeResponse } from './http-client.js';
import { runLoad } from './load.js';

/** One request to `bucket` on `target`, its body collected; anything but 200 throws, naming the target. */
export async function sendOk(target, request, bucket) {
  const client = createClient({ ...target, bucket }, { concurrency: 1 });
  try {
    const res = await client.send({ ...request, collect: true });
    if (res.status !== 200) throw new Error(`${target.name}: ${describeResponse(request.method, request.path, res)}`);
    return res;
  } finally {
    client.close();
  }
}

/**
 * PUT load (4 KiB by default, keys under `r<round>/`) on two targets in alternating rounds: `[a, b]` in even
 * rounds, `[b, a]` in odd ones, so that noise on a shared machine falls on both. `variants` maps two names to
 * their targets, the first name first. A round with errors throws. Returns each name's load rows, one a round.
 */
export async function alternatingPutRounds(variants, { bucket, rounds, durationMs, concurrency, sizeBytes = 4096 }) {
  const names = Object.keys(variants);
  if (names.length !== 2) throw new Error('alternatingPutRounds takes two variants');
  const rows = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const variant of order) {
      const client = createClient({ ...variants[variant], bucket }, { concurrency });
      try {
        const row = await runLoad(client, {
          mode: 'put',
          sizeBytes,
          concurrency,
          durationMs,
          keyPrefix: `r${round}/`,
        });
        if (row.errors > 0) throw new Error(`${variant}: ${row.errors} errors`);
        rows[variant].push(row);
      } finally {
        client.close();
      }
    }
  }
  return rows;
}

/** The middle value (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
