// Object bodies the load generator can send without allocating them and verify without storing them.
//
// Every body is a window onto one pseudo-random pool of PERIOD_BYTES bytes, read cyclically from an offset derived
// from the object's key. Sending a body is handing out subarrays of the pool (no copy, no allocation, whatever the
// size); checking a GET body is comparing each arriving chunk with the same window (memcmp, ~10 GB/s). PERIOD_BYTES
// is not a power of two, so a body shifted by any usual block size (4 KiB … 1 MiB) does not match; two keys land on
// the same offset with probability 1 in PERIOD_BYTES. The pool comes from a fixed seed, so another process (a later
// `bench/load.js --mode get`) regenerates the same bodies.

/** Length of the pattern's period: 4 MiB plus a prime, so no power-of-two shift maps it onto itself. */
export const PERIOD_BYTES = 4 * 1024 * 1024 + 4099;
/** Largest chunk handed out when sending: the pool holds this much beyond the period so any window is contiguous. */
export const SEND_CHUNK_BYTES = 1024 * 1024;

/** xorshift32, seeded: fast and deterministic (the bytes need to look random to a hash, not to an attacker). */
function makePool(seed) {
  const pool = Buffer.allocUnsafe(PERIOD_BYTES + SEND_CHUNK_BYTES);
  const words = Math.ceil(PERIOD_BYTES / 4);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const at = i * 4;
    if (at + 4 <= PERIOD_BYTES) pool.writeUInt32LE(x >>> 0, at);
    else for (let b = 0; at + b < PERIOD_BYTES; b++) pool[at + b] = (x >>> (8 * b)) & 0xff;
  }
  // The tail repeats the head, so pool.subarray(p, p + n) is the pattern for every p < PERIOD_BYTES, n ≤ SEND_CHUNK.
  pool.copy(pool, PERIOD_BYTES, 0, SEND_CHUNK_BYTES);
  return pool;
}

const POOL = makePool(0xc0ffe7);

/** FNV-1a over the key's UTF-16 code units: the key's starting offset in the pattern. */
export function bodyOffset(key) {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % PERIOD_BYTES;
}

/**
 * The body of `key` when it is `size` bytes: one Buffer (a view of the pool, no copy) when it fits in one send chunk,
 * else undefined (send it with `bodyChunks`).
 */
export function smallBody(key, size) {
  if (size > SEND_CHUNK_BYTES) return undefined;
  const at = bodyOffset(key);
  return POOL.subarray(at, at + size);
}

/**
 * Bytes [start, start + size) of `key`'s body in chunks of at most `chunkBytes`: views of the pool, never allocated.
 * A multipart upload sends part n as the window at `(n - 1) * partSize`, so the completed object is `key`'s body.
 */
export function* bodyChunks(key, size, { start = 0, chunkBytes = SEND_CHUNK_BYTES } = {}) {
  const step = Math.min(chunkBytes, SEND_CHUNK_BYTES);
  let p = (bodyOffset(key) + (start % PERIOD_BYTES)) % PERIOD_BYTES;
  for (let sent = 0; sent < size; ) {
    const n = Math.min(step, size - sent);
    yield POOL.subarray(p, p + n);
    sent += n;
    p = (p + n) % PERIOD_BYTES;
  }
}

/**
 * Checks a body as it streams in: `update(chunk)` for each chunk, then `finish()` returns undefined when the body
 * was exactly the expected `size` bytes of `key`'s pattern, else a description of the first difference.
 */
export class BodyVerifier {
  #position;
  #received = 0;
  #size;
  #error;

  constructor(key, size) {
    this.#position = bodyOffset(key);
    this.#size = size;
  }

  update(chunk) {
    if (this.#error !== undefined) return;
    if (this.#received + chunk.length > this.#size) {
      this.#error = `body longer than ${this.#size} bytes`;
      return;
    }
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, POOL.length - this.#position);
      // compare(target, targetStart, targetEnd, sourceStart, sourceEnd): a memcmp of the two views.
      if (chunk.compare(POOL, this.#position, this.#position + n, at, at + n) !== 0) {
        this.#error = `body differs within bytes ${this.#received + at}..${this.#received + at + n - 1}`;
        return;
      }
      at += n;
      this.#position = (this.#position + n) % PERIOD_BYTES;
    }
    this.#received += chunk.length;
  }

  finish() {
    if (this.#error !== undefined) return this.#error;
    if (this.#received !== this.#size) return `body is ${this.#received} bytes, expected ${this.#size}`;
    return undefined;
  }
}
