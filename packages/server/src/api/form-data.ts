import { Readable } from 'node:stream';
import { S3Error } from '@coffer/protocol';

/**
 * A streaming multipart/form-data reader (RFC 7578 over RFC 2046 §5.1) for POST Object: fields are
 * read whole (they are small and come first), the file part is handed out as a stream that ends at
 * its delimiter, so a 5 GB upload never sits in memory. Only the bytes that might be the start of
 * a delimiter are held back between chunks.
 *
 * @example
 * const form = new FormDataReader(ctx.body(), formBoundary(ctx.header('content-type')));
 * for (let part = await form.next(); part; part = await form.next()) {
 *   if (part.name === 'file') return pipeline(form.stream(), sink);
 *   fields.set(part.name, await form.text(64 * 1024));
 * }
 */
export interface FormPart {
  /** The `name` of the Content-Disposition header. */
  name: string;
  /** The `filename`, when the part is a file input. */
  filename?: string;
  contentType?: string;
}

/** Part headers larger than this are refused (browsers send a few hundred bytes). */
const MAX_PART_HEADER_BYTES = 16 * 1024;
/** Bytes before the first delimiter that a form may carry (RFC 2046 allows a preamble). */
const MAX_PREAMBLE_BYTES = 16 * 1024;

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

function malformed(message: string): S3Error {
  return new S3Error(
    'MalformedPOSTRequest',
    `The body of your POST request is not well-formed multipart/form-data: ${message}`,
  );
}

/** The boundary of a `multipart/form-data; boundary=…` Content-Type, or undefined when it is another type. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const [type, ...params] = splitParams(contentType);
  if (type?.toLowerCase() !== 'multipart/form-data') return undefined;
  const boundary = params.find((p) => p.name === 'boundary')?.value;
  // RFC 2046: 1 to 70 characters.
  return boundary !== undefined && boundary.length >= 1 && boundary.length <= 70 ? boundary : undefined;
}

/** `value; a=1; b="x;y"` → the value, then its parameters (names lower-cased, quoted strings unquoted). */
function splitParams(header: string): [string | undefined, ...{ name: string; value: string }[]] {
  const params: { name: string; value: string }[] = [];
  const semi = header.indexOf(';');
  const first = (semi < 0 ? header : header.slice(0, semi)).trim();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  const rest = semi < 0 ? '' : header.slice(semi);
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    params.push({ name: m[1]!.toLowerCase(), value });
  }
  return [first, ...params];
}

export class FormDataReader {
  readonly #source: AsyncIterator<Buffer | Uint8Array | string>;
  /** `\r\n--boundary`: what ends every part. */
  readonly #delimiter: Buffer;
  /** Received, not yet consumed. Starts with a CRLF so the first delimiter looks like every other one. */
  #buffer: Buffer = CRLF;
  #sourceDone = false;
  #state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';

  constructor(source: AsyncIterable<Buffer | Uint8Array | string>, boundary: string) {
    this.#source = source[Symbol.asyncIterator]();
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  /** Moves to the next part (skipping what is left of the current one); undefined after the last. */
  async next(): Promise<FormPart | undefined> {
    if (this.#state === 'preamble') {
      await this.#skipTo(MAX_PREAMBLE_BYTES, 'no opening boundary');
      await this.#afterDelimiter();
    } else if (this.#state === 'body') {
      await this.#skipTo(Number.POSITIVE_INFINITY, 'a part is not closed by a boundary');
      await this.#afterDelimiter();
    }
    if (this.#state === 'done') return undefined;
    return this.#readHeaders();
  }

  /** The current part whole, as UTF-8; MaxMessageLengthExceeded beyond `maxBytes`. */
  async text(maxBytes: number): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.#bodyChunks()) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new S3Error(
          'MaxMessageLengthExceeded',
          `Your POST request fields were too large: at most ${maxBytes} bytes.`,
        );
      }
      chunks.push(chunk);
    }
    await this.#afterDelimiter();
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * The current part's bytes as a stream with backpressure: nothing is read from the request
   * until the consumer asks. It errors (MalformedPOSTRequest) when the request ends before the
   * part's closing delimiter, so a truncated upload never looks complete.
   */
  stream(): Readable {
    const reader = this;
    return Readable.from(
      (async function* () {
        yield* reader.#bodyChunks();
        await reader.#afterDelimiter();
      })(),
      { objectMode: false },
    );
  }

  /**
   * Reads and drops the rest of the body (fields after the file are ignored, as S3 ignores them),
   * up to `maxBytes`. False when more than that is left: the caller should close the connection.
   */
  async discardRest(maxBytes: number): Promise<boolean> {
    let size = this.#buffer.length;
    this.#buffer = Buffer.alloc(0);
    while (size <= maxBytes) {
      if (!(await this.#pull())) return true;
      size += this.#buffer.length;
      this.#buffer = Buffer.alloc(0);
    }
    return false;
  }

  /** Appends the next chunk of the source; false at its end. */
  async #pull(): Promise<boolean> {
    if (this.#sourceDone) return false;
    const { value, done } = await this.#source.next();
    if (done) {
      this.#sourceDone = true;
      return false;
    }
    const chunk = typeof value === 'string' ? Buffer.from(value) : Buffer.isBuffer(value) ? value : Buffer.from(value);
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    return true;
  }

  /** Drops bytes up to the next delimiter (which stays at the buffer's start). */
  async #skipTo(maxBytes: number, problem: string): Promise<void> {
    let skipped = 0;
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at >= 0) {
        this.#buffer = this.#buffer.subarray(at);
        return;
      }
      const keep = Math.min(this.#buffer.length, this.#delimiter.length - 1);
      skipped += this.#buffer.length - keep;
      if (skipped > maxBytes) throw malformed(problem);
      this.#buffer = this.#buffer.subarray(this.#buffer.length - keep);
      if (!(await this.#pull())) throw malformed(problem);
    }
  }

  /**
   * The current part's body in chunks, up to (not including) its delimiter. Every byte that
   * cannot be the start of a delimiter is passed on as soon as it arrives.
   */
  async *#bodyChunks(): AsyncGenerator<Buffer> {
    if (this.#state !== 'body') throw new Error('no form part is open');
    const keep = this.#delimiter.length - 1;
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at >= 0) {
        const last = this.#buffer.subarray(0, at);
        this.#buffer = this.#buffer.subarray(at);
        this.#state = 'headers';
        if (last.length > 0) yield last;
        return;
      }
      if (this.#buffer.length > keep) {
        const ready = this.#buffer.subarray(0, this.#buffer.length - keep);
        this.#buffer = this.#buffer.subarray(this.#buffer.length - keep);
        yield ready;
      }
      if (!(await this.#pull())) throw malformed('the body ended inside a part');
    }
  }

  /** Consumes a delimiter at the buffer's start and what follows it: `--` (the end) or CRLF. */
  async #afterDelimiter(): Promise<void> {
    const need = this.#delimiter.length + 2;
    while (this.#buffer.length < need) {
      if (!(await this.#pull())) throw malformed('the body ended inside a boundary');
    }
    let rest = this.#buffer.subarray(this.#delimiter.length);
    if (rest[0] === 0x2d && rest[1] === 0x2d) {
      this.#state = 'done';
      this.#buffer = rest.subarray(2);
      return;
    }
    // Transport padding (spaces, tabs) may follow a boundary before its CRLF (RFC 2046).
    for (;;) {
      let i = 0;
      while (i < rest.length && (rest[i] === 0x20 || rest[i] === 0x09)) i++;
      if (rest.length - i >= 2) {
        if (rest[i] !== 0x0d || rest[i + 1] !== 0x0a) throw malformed('a boundary is not followed by CRLF');
        this.#buffer = rest.subarray(i + 2);
        this.#state = 'headers';
        return;
      }
      if (rest.length > 256 || !(await this.#pull())) throw malformed('a boundary is not followed by CRLF');
      rest = this.#buffer.subarray(this.#delimiter.length);
    }
  }

  async #readHeaders(): Promise<FormPart> {
    let end: number;
    for (;;) {
      // A part without headers starts with the blank line at once.
      end = this.#buffer.subarray(0, 2).equals(CRLF) ? -2 : this.#buffer.indexOf(HEADER_END);
      if (end !== -1) break;
      if (this.#buffer.length > MAX_PART_HEADER_BYTES) throw malformed('part headers are too large');
      if (!(await this.#pull())) throw malformed('the body ended inside part headers');
    }
    const block = end === -2 ? '' : this.#buffer.subarray(0, end).toString('utf8');
    this.#buffer = this.#buffer.subarray(end === -2 ? 2 : end + HEADER_END.length);
    this.#state = 'body';
    let disposition: string | undefined;
    let contentType: string | undefined;
    for (const line of block.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-disposition') disposition = value;
      else if (name === 'content-type') contentType = value;
    }
    if (disposition === undefined) throw malformed('a part has no Content-Disposition header');
    const [type, ...params] = splitParams(disposition);
    const name = params.find((p) => p.name === 'name')?.value;
    if (type?.toLowerCase() !== 'form-data' || name === undefined) {
      throw malformed('a part is not form-data with a name');
    }
    const filename = params.find((p) => p.name === 'filename')?.value;
    return {
      name,
      ...(filename !== undefined ? { filename } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
    };
  }
}
