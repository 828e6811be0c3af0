/**
 * De-frames `Content-Encoding: aws-chunked` bodies while they stream, verifying chunk and trailer signatures.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 *
 *   hex-size[;chunk-signature=sig]\r\n <data> \r\n … 0[;chunk-signature=sig]\r\n
 *   [name:value\r\n]… [x-amz-trailer-signature:sig\r\n] \r\n
 */
import { Transform, type TransformCallback } from 'node:stream';
import {
  EMPTY_SHA256_HEX,
  S3Error,
  signHex,
  sigV4CanonicalTrailers,
  sigV4ChunkStringToSign,
  sigV4Signature,
  sigV4TrailerStringToSign,
} from '@coffer/protocol';
import { type IncrementalHash, nodeCrypto, type StreamingCryptoLike, signaturesEqual } from './node-crypto.js';
import type { PayloadVerification } from './types.js';

export type AwsChunkedPayload = Extract<PayloadVerification, { kind: 'aws-chunked' }>;

/** Longest size or trailer line accepted (a signed size line is ~90 bytes; a sha256 trailer ~70). */
const MAX_LINE_BYTES = 4096;
/** Most trailing headers accepted (S3 sends one checksum). */
const MAX_TRAILERS = 16;
/** Chunk sizes beyond this are not a real client (S3 caps objects at 5 TiB). */
const MAX_CHUNK_BYTES = 2 ** 53 - 1;
const CR = 0x0d;
const LF = 0x0a;

type State = 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done';

/** The stream `createAwsChunkedDecoder` returns: decoded bytes out, plus the trailers once it has ended. */
export interface AwsChunkedDecoder extends Transform {
  /** Trailing headers (names lower-cased, x-amz-trailer-signature excluded); complete after 'end'. */
  trailers(): Record<string, string>;
}

/** Malformed framing. Truncation (EOF inside a frame) is IncompleteBody instead. */
function malformed(what: string): S3Error {
  return new S3Error('InvalidRequest', `Malformed aws-chunked body: ${what}.`);
}

function incomplete(what: string): S3Error {
  return new S3Error('IncompleteBody', `The aws-chunked body ended early: ${what}.`);
}

class Decoder extends Transform implements AwsChunkedDecoder {
  private state: State = 'size';
  /** Pieces of the line being read; bounded by MAX_LINE_BYTES. */
  private lineParts: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;
  private decodedBytes = 0;
  private chunkSignature = '';
  private previousSignature: string;
  private hasher: IncrementalHash | undefined;
  private readonly received: Array<[string, string]> = [];
  private trailerSignature: string | undefined;

  constructor(
    private readonly payload: AwsChunkedPayload,
    private readonly crypto: StreamingCryptoLike,
  ) {
    super();
    if (payload.signed && !payload.seed) throw new TypeError('a signed aws-chunked payload needs its seed');
    this.previousSignature = payload.seed?.signature ?? '';
  }

  trailers(): Record<string, string> {
    return Object.fromEntries(this.received);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private consume(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const nl = buf.indexOf(LF, pos);
          const end = nl < 0 ? buf.length : nl;
          this.lineBytes += end - pos;
          if (this.lineBytes > MAX_LINE_BYTES) throw malformed('line too long');
          if (end > pos) this.lineParts.push(buf.subarray(pos, end));
          pos = end;
          if (nl < 0) break;
          pos = nl + 1;
          const line = Buffer.concat(this.lineParts);
          this.lineParts = [];
          this.lineBytes = 0;
          if (line[line.length - 1] !== CR) throw malformed('line not terminated by CRLF');
          const text = line.subarray(0, line.length - 1).toString('latin1');
          if (this.state === 'size') this.sizeLine(text);
          else this.trailerLine(text);
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - pos);
          const piece = buf.subarray(pos, pos + n);
          pos += n;
          this.remaining -= n;
          this.decodedBytes += n;
          const limit = this.payload.decodedLength;
          if (limit !== undefined && this.decodedBytes > limit) {
            throw new S3Error('IncompleteBody', 'The aws-chunked body is longer than x-amz-decoded-content-length.');
          }
          this.hasher?.update(piece);
          this.push(piece);
          if (this.remaining === 0) {
            if (this.hasher) this.verifyChunk(signHex(this.hasher.digest()));
            this.state = 'data-cr';
          }
          break;
        }
        case 'data-cr':
          if (buf[pos++] !== CR) throw malformed('chunk data not followed by CRLF');
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (buf[pos++] !== LF) throw malformed('chunk data not followed by CRLF');
          this.state = 'size';
          break;
        case 'done':
          throw malformed('bytes after the end of the body');
      }
    }
  }

  private sizeLine(line: string): void {
    const semi = line.indexOf(';');
    const hex = semi < 0 ? line : line.slice(0, semi);
    if (!/^[0-9a-fA-F]{1,14}$/.test(hex)) throw malformed('bad chunk size');
    const size = Number.parseInt(hex, 16);
    if (size > MAX_CHUNK_BYTES) throw malformed('chunk too large');
    if (this.payload.signed) {
      const match = /(?:^|;)chunk-signature=([0-9a-fA-F]{64})(?:;|$)/.exec(semi < 0 ? '' : line.slice(semi + 1));
      if (!match) throw malformed('chunk-signature missing');
      this.chunkSignature = match[1]!.toLowerCase();
    }
    if (size === 0) {
      if (this.payload.signed) this.verifyChunk(EMPTY_SHA256_HEX);
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.hasher = this.payload.signed ? this.crypto.createHash('sha256') : undefined;
    this.state = 'data';
  }

  private verifyChunk(dataSha256Hex: string): void {
    const seed = this.payload.seed!;
    const expected = sigV4Signature(
      this.crypto,
      seed.signingKey,
      sigV4ChunkStringToSign(seed.datetime, seed.scope, this.previousSignature, dataSha256Hex),
    );
    if (!signaturesEqual(expected, this.chunkSignature)) {
      throw new S3Error('SignatureDoesNotMatch', 'The chunk signature does not match.', {
        details: { SignatureProvided: this.chunkSignature },
      });
    }
    this.previousSignature = this.chunkSignature;
  }

  private trailerLine(line: string): void {
    if (line === '') {
      this.endTrailers();
      return;
    }
    if (!this.payload.trailer) throw malformed('trailing headers in a body that announced none');
    if (this.trailerSignature !== undefined) throw malformed('trailer after x-amz-trailer-signature');
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed('bad trailer line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.trailerSignature = value.toLowerCase();
      return;
    }
    if (this.received.length >= MAX_TRAILERS) throw malformed('too many trailers');
    this.received.push([name, value]);
  }

  private endTrailers(): void {
    if (this.payload.signed && this.payload.trailer) this.verifyTrailers();
    for (const name of this.payload.trailerNames) {
      if (!this.received.some(([n]) => n === name)) {
        throw malformed(`trailer ${name} announced in x-amz-trailer was not sent`);
      }
    }
    this.state = 'done';
  }

  private verifyTrailers(): void {
    if (this.trailerSignature === undefined) throw malformed('x-amz-trailer-signature missing');
    const seed = this.payload.seed!;
    // Trailers are hashed in the order sent; a client that sorted them is accepted too.
    const orders = [this.received];
    if (this.received.length > 1) orders.push([...this.received].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    for (const trailers of orders) {
      const hash = signHex(this.crypto.hash('sha256', sigV4CanonicalTrailers(trailers)));
      const sts = sigV4TrailerStringToSign(seed.datetime, seed.scope, this.previousSignature, hash);
      if (signaturesEqual(sigV4Signature(this.crypto, seed.signingKey, sts), this.trailerSignature)) return;
    }
    throw new S3Error('SignatureDoesNotMatch', 'The trailer signature does not match.', {
      details: { SignatureProvided: this.trailerSignature },
    });
  }

  private finish(): void {
    if (this.state === 'trailer' && this.lineBytes === 0) {
      // The final CRLF is optional at EOF: @aws-sdk's unsigned encoder ends with `0\r\n` when it sends no checksum.
      if (this.payload.signed && this.payload.trailer && this.trailerSignature === undefined) {
        throw incomplete('before x-amz-trailer-signature');
      }
      this.endTrailers();
    }
    if (this.state !== 'done') throw incomplete(this.state === 'data' ? 'inside chunk data' : 'inside a frame');
    const limit = this.payload.decodedLength;
    if (limit !== undefined && this.decodedBytes !== limit) {
      throw new S3Error(
        'IncompleteBody',
        `The decoded body has ${this.decodedBytes} bytes; x-amz-decoded-content-length says ${limit}.`,
      );
    }
  }
}

/**
 * A Transform from the raw aws-chunked request body to the object's bytes. Chunk data passes through as it
 * arrives (the pipeline must not commit before 'finish'); a bad frame or signature destroys the stream with an
 * S3Error: InvalidRequest (malformed framing), IncompleteBody (truncated, or not x-amz-decoded-content-length
 * bytes), SignatureDoesNotMatch (a chunk or the trailer).
 *
 * @example
 * const decoder = createAwsChunkedDecoder(auth.payload);
 * await pipeline(req, decoder, blobWriter);
 * const crc = decoder.trailers()['x-amz-checksum-crc32'];
 */
export function createAwsChunkedDecoder(
  payload: AwsChunkedPayload,
  crypto: StreamingCryptoLike = nodeCrypto,
): AwsChunkedDecoder {
  return new Decoder(payload, crypto);
}
