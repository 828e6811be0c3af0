/**
 * Upload bodies both platforms share: bytes in memory, a Blob/File, and a stream read in order. Node adds files.
 */
import type { BlobLike, Md5Hasher, ReadableLike, SourcePart, UploadSource } from './platform/types.js';

const encoder = new TextEncoder();

/** Bytes are hashed in pieces of this size so a big Blob is never read whole. */
const HASH_PIECE_BYTES = 4 * 1024 * 1024;

export function isBlobLike(value: unknown): value is BlobLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BlobLike).size === 'number' &&
    typeof (value as BlobLike).slice === 'function' &&
    typeof (value as BlobLike).arrayBuffer === 'function'
  );
}

export function isReadableLike(value: unknown): value is ReadableLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ReadableLike).pipe === 'function' &&
    typeof (value as ReadableLike)[Symbol.asyncIterator] === 'function'
  );
}

/** Strings (UTF-8), ArrayBuffers and typed-array views as Uint8Array; undefined for anything else. */
export function asBytes(value: unknown): Uint8Array | undefined {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

/** Bytes already in memory. */
export class BytesSource implements UploadSource {
  readonly sequential = false;
  readonly sizeBytes: number;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly createMd5: () => Md5Hasher,
  ) {
    this.sizeBytes = bytes.length;
  }

  async read(start: number, end: number, withMd5: boolean): Promise<SourcePart> {
    const body = this.bytes.subarray(start, end);
    return { body, sizeBytes: body.length, ...(withMd5 ? { md5: this.#hash(body) } : {}) };
  }

  async md5(start: number, end: number, onChunk?: (chunk: Uint8Array) => void): Promise<string> {
    const bytes = this.bytes.subarray(start, end);
    onChunk?.(bytes);
    return this.#hash(bytes);
  }

  #hash(bytes: Uint8Array): string {
    const md5 = this.createMd5();
    md5.update(bytes);
    return md5.hex();
  }
}

/** A Blob or File: parts are Blob slices, so the browser streams them from disk itself. */
export class BlobSource implements UploadSource {
  readonly sequential = false;
  readonly sizeBytes: number;
  constructor(
    private readonly blob: BlobLike,
    private readonly createMd5: () => Md5Hasher,
  ) {
    this.sizeBytes = blob.size;
  }

  async read(start: number, end: number, withMd5: boolean): Promise<SourcePart> {
    const body = this.blob.slice(start, end);
    if (!withMd5) return { body, sizeBytes: body.size };
    // The Blob slice is what gets sent (browsers stream it from disk much faster than a copied ArrayBuffer).
    return { body, sizeBytes: body.size, md5: await this.md5(start, end) };
  }

  async md5(start: number, end: number, onChunk?: (chunk: Uint8Array) => void): Promise<string> {
    const md5 = this.createMd5();
    for (let at = start; at < end; at += HASH_PIECE_BYTES) {
      const piece = new Uint8Array(await this.blob.slice(at, Math.min(end, at + HASH_PIECE_BYTES)).arrayBuffer());
      md5.update(piece);
      onChunk?.(piece);
    }
    return md5.hex();
  }
}

/**
 * A stream read front to back: each part is buffered (so a failed part can be retried), and at most the parts
 * being uploaded are held at once. Reads must ask for consecutive ranges.
 */
export class StreamSource implements UploadSource {
  readonly sequential = true;
  readonly #iterator: AsyncIterator<unknown>;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #position = 0;
  #done = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    stream: AsyncIterable<unknown>,
    readonly sizeBytes: number | undefined,
    private readonly createMd5: () => Md5Hasher,
  ) {
    this.#iterator = stream[Symbol.asyncIterator]();
  }

  read(start: number, end: number, withMd5: boolean): Promise<SourcePart> {
    // Callers may overlap their reads; the stream is consumed strictly in order.
    const next = this.#queue.then(() => this.#readNext(start, end, withMd5));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async md5(): Promise<string> {
    throw new Error('A stream cannot be re-read to hash a range');
  }

  async #readNext(start: number, end: number, withMd5: boolean): Promise<SourcePart> {
    // Parallel callers ask for the next range before they know an earlier read hit the end: past the end of a
    // finished stream there is nothing, which is an answer, not an out-of-order read.
    if (this.#done && this.#pendingBytes === 0 && start >= this.#position)
      return { body: new Uint8Array(0), sizeBytes: 0 };
    if (start !== this.#position)
      throw new Error(`Stream parts must be read in order (at ${this.#position}, not ${start})`);
    const want = end - start;
    while (this.#pendingBytes < want && !this.#done) {
      const { value, done } = await this.#iterator.next();
      if (done) {
        this.#done = true;
        break;
      }
      const bytes = asBytes(value);
      if (!bytes) throw new Error('The stream produced something other than bytes or strings');
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.length;
    }
    const take = Math.min(want, this.#pendingBytes);
    const out = new Uint8Array(take);
    let filled = 0;
    while (filled < take) {
      const head = this.#pending[0]!;
      const n = Math.min(head.length, take - filled);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(n);
    }
    this.#pendingBytes -= take;
    this.#position += take;
    let md5: string | undefined;
    if (withMd5) {
      const hasher = this.createMd5();
      hasher.update(out);
      md5 = hasher.hex();
    }
    return { body: out, sizeBytes: take, ...(md5 !== undefined ? { md5 } : {}) };
  }
}
