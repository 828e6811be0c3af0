/**
 * The Node platform: node:http(s) with keep-alive agents, bodies streamed from memory, files and streams with
 * upload progress, node:crypto, node:diagnostics_channel. Only `src/index.ts` imports this module.
 */
import { createHash, createHmac } from 'node:crypto';
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CryptoLike } from '@coffer/protocol';
import { asBytes, BlobSource, BytesSource, isBlobLike, isReadableLike, StreamSource } from '../source.js';
import type {
  BlobLike,
  BodyInfo,
  FileRange,
  Md5Hasher,
  Platform,
  SourcePart,
  TransportRequest,
  TransportResponse,
  UploadSource,
} from './types.js';

const crypto: CryptoLike = {
  hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
  hash: (alg, data) => createHash(alg).update(data).digest(),
};

function createMd5(): Md5Hasher {
  const hash = createHash('md5');
  return {
    update: (data) => {
      hash.update(data);
    },
    hex: () => hash.digest('hex'),
  };
}

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** Buffers are written in pieces so that upload progress moves while the socket drains. */
const WRITE_PIECE_BYTES = 64 * 1024;

/**
 * Chunk size of file bodies (parts of a large upload). fs streams default to 64 KiB: 16,384 chunks per GiB, each a
 * thread-pool read, a socket write and a pass through the progress code; 1 MiB chunks cut that 16-fold
 * (docs/performance.md, issue 13).
 */
const FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * File-body buffers the socket has finished with, for the next read. A fresh 1 MiB buffer per chunk made a 1 GiB
 * upload spend ~0.6 s of its ~1.9 s of CPU allocating and collecting them (docs/performance.md, issue 13). At most
 * this many are kept between uploads.
 */
const freeFileBuffers: Buffer[] = [];
const FREE_FILE_BUFFERS_MAX = 16;

function releaseFileBuffer(buffer: Buffer): void {
  if (freeFileBuffers.length < FREE_FILE_BUFFERS_MAX) freeFileBuffers.push(buffer);
}

const closedEarly = () => new Error('The request closed before its body was sent');

/** Resolves on 'drain'; rejects if the request fails or closes first (a 'drain' would never come). */
function drained(out: http.ClientRequest): Promise<void> {
  if (out.destroyed || out.closed) return Promise.reject(closedEarly());
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', settle);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(closedEarly());
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', settle);
  });
}

/**
 * Writes a file range into the request and ends it. By hand rather than fs.createReadStream → pipeline: a buffer
 * can be reused only once the socket has written it, which only a write's own callback tells (a stream allocates a
 * new one per chunk). The next chunk is read while the socket drains the last.
 */
async function writeFileRange(
  range: FileRange,
  out: http.ClientRequest,
  onChunk: (chunk: Buffer, offset: number) => void,
): Promise<void> {
  const handle = await fs.promises.open(range.path, 'r');
  try {
    const readAt = async (position: number) => {
      const buffer = freeFileBuffers.pop() ?? Buffer.allocUnsafeSlow(FILE_CHUNK_BYTES);
      const want = Math.min(FILE_CHUNK_BYTES, range.end - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) {
        releaseFileBuffer(buffer);
        throw Object.assign(new Error(`${range.path} ended before byte ${range.end}`), { code: 'ESHORTFILE' });
      }
      return { buffer, chunk: buffer.subarray(0, bytesRead) };
    };
    let position = range.start;
    let next: Promise<{ buffer: Buffer; chunk: Buffer }> | undefined = readAt(position);
    while (next) {
      const { buffer, chunk } = await next;
      const offset = position - range.start;
      position += chunk.length;
      next = position < range.end ? readAt(position) : undefined;
      // Keeps a failed read-ahead from being an unhandled rejection while this chunk drains; awaited above next time.
      next?.catch(() => {});
      // The server may have answered and hung up while this chunk was read ('close' came and went).
      if (out.destroyed || out.closed) throw closedEarly();
      onChunk(chunk, offset);
      if (!out.write(chunk, () => releaseFileBuffer(buffer))) await drained(out);
    }
    out.end();
  } finally {
    await handle.close();
  }
}

function* pieces(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += WRITE_PIECE_BYTES) yield bytes.subarray(at, at + WRITE_PIECE_BYTES);
}

async function* blobPieces(blob: BlobLike): AsyncGenerator<Uint8Array> {
  const step = 1024 * 1024;
  for (let at = 0; at < blob.size; at += step) {
    yield new Uint8Array(await blob.slice(at, Math.min(blob.size, at + step)).arrayBuffer());
  }
}

function isFileRange(body: unknown): body is FileRange {
  return typeof body === 'object' && body !== null && (body as FileRange).kind === 'file-range';
}

function bodyStream(body: TransportRequest['body']): Readable {
  if (typeof body === 'string') return Readable.from(pieces(Buffer.from(body)));
  if (body instanceof Uint8Array) return Readable.from(pieces(body));
  // A file range with bytes in it is written by writeFileRange; only an empty one comes here.
  if (isFileRange(body)) return Readable.from([]);
  if (isBlobLike(body)) return Readable.from(blobPieces(body));
  return body as unknown as Readable;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function send(req: TransportRequest): Promise<TransportResponse> {
  const url = new URL(req.url);
  const target = req.connectTo ? new URL(`${url.protocol}//${req.connectTo}`) : url;
  const headers: Record<string, string> = { ...req.headers };
  if (req.connectTo && !Object.keys(headers).some((h) => h.toLowerCase() === 'host')) headers.Host = url.host;
  const secure = url.protocol === 'https:';
  const options: http.RequestOptions = {
    method: req.method,
    hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: target.port || (secure ? 443 : 80),
    path: url.pathname + url.search,
    headers,
    agent: req.keepAlive ? agents[secure ? 'https:' : 'http:'] : false,
    ...(req.signal ? { signal: req.signal } : {}),
  };
  return new Promise((resolve, reject) => {
    const clientRequest = (secure ? https : http).request(options);
    let settled = false;
    let responded = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err);
      clientRequest.destroy();
    };
    if (req.timeoutMs > 0) {
      clientRequest.setTimeout(req.timeoutMs, () => {
        fail(Object.assign(new Error(`No response within ${req.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
    }
    clientRequest.on('error', fail);
    clientRequest.on('response', (res) => {
      responded = true;
      const statusCode = res.statusCode ?? 0;
      const resHeaders = flattenHeaders(res.headers);
      const total = resHeaders['content-length'] !== undefined ? Number(resHeaders['content-length']) : undefined;
      let loaded = 0;
      const done = (body: Uint8Array) => {
        if (settled) return;
        settled = true;
        resolve({ statusCode, statusMessage: res.statusMessage ?? '', headers: resHeaders, body });
      };
      if (req.output !== undefined && statusCode >= 200 && statusCode < 300) {
        const out =
          typeof req.output === 'string' ? fs.createWriteStream(req.output) : (req.output as NodeJS.WritableStream);
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            loaded += chunk.length;
            req.onDownloadProgress?.(loaded, total);
            callback(null, chunk);
          },
        });
        pipeline(res, counter, out as Writable).then(() => done(new Uint8Array(0)), fail);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        loaded += chunk.length;
        req.onDownloadProgress?.(loaded, total);
      });
      res.on('end', () => done(Buffer.concat(chunks)));
      res.on('error', fail);
    });
    if (req.body === undefined) {
      clientRequest.end();
      return;
    }
    const small = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    if (small instanceof Uint8Array && small.length <= WRITE_PIECE_BYTES) {
      // One piece: written as it is, without a stream pipeline per request (a Readable, a Transform, their
      // AbortController), which cost more than the 16 KiB bodies of a many-small-files `coffer cp` themselves.
      req.onBodyChunk?.(small, 0);
      clientRequest.end(small, () => req.onUploadProgress?.(small.length));
      return;
    }
    let sent = 0;
    if (isFileRange(req.body) && req.body.end > req.body.start) {
      const onChunk = (chunk: Buffer, offset: number) => {
        req.onBodyChunk?.(chunk, offset);
        sent = offset + chunk.length;
        req.onUploadProgress?.(sent);
      };
      writeFileRange(req.body, clientRequest, onChunk).catch((err: unknown) => {
        if (!responded) fail(err);
      });
      return;
    }
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        req.onBodyChunk?.(chunk, sent);
        sent += chunk.length;
        req.onUploadProgress?.(sent);
        callback(null, chunk);
      },
    });
    pipeline(bodyStream(req.body), counter, clientRequest).catch((err: unknown) => {
      // A server may answer (an error, usually) before it reads the whole body; that answer is what counts.
      if (!responded) fail(err);
    });
  });
}

/** Content types for the extensions people upload most; anything else is application/octet-stream. */
const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.gif': 'image/gif',
  '.gz': 'application/gzip',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'application/javascript',
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
  '.webp': 'image/webp',
  '.xml': 'application/xml',
  '.zip': 'application/zip',
};

function contentTypeOf(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/** A local file read by range; nothing is loaded into memory beyond a stream's buffer. */
class FileSource implements UploadSource {
  readonly sequential = false;
  constructor(
    private readonly filePath: string,
    readonly sizeBytes: number,
  ) {}

  /** With `withMd5` the range is read twice: once to hash it here, once to send it. */
  async read(start: number, end: number, withMd5: boolean): Promise<SourcePart> {
    const body: FileRange = { kind: 'file-range', path: this.filePath, start, end };
    return { body, sizeBytes: end - start, ...(withMd5 ? { md5: await this.md5(start, end) } : {}) };
  }

  async md5(start: number, end: number, onChunk?: (chunk: Uint8Array) => void): Promise<string> {
    const hash = createHash('md5');
    if (end > start) {
      const stream = fs.createReadStream(this.filePath, { start, end: end - 1, highWaterMark: FILE_CHUNK_BYTES });
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        onChunk?.(chunk as Buffer);
      }
    }
    return hash.digest('hex');
  }
}

async function fileSize(filePath: string): Promise<number> {
  const stat = await fs.promises.stat(filePath);
  return stat.isDirectory() ? 0 : stat.size;
}

async function describeBody(
  body: unknown,
  filePath: string | undefined,
  contentLength: number | undefined,
): Promise<BodyInfo> {
  if (body === undefined || body === null) {
    if (filePath === undefined) throw new TypeError('missing param Body');
    const sizeBytes = await fileSize(filePath);
    const range: FileRange = { kind: 'file-range', path: filePath, start: 0, end: sizeBytes };
    return { body: range, sizeBytes, replayable: true, contentType: contentTypeOf(filePath) };
  }
  const bytes = typeof body === 'string' ? Buffer.from(body) : asBytes(body);
  // A FilePath beside an in-memory Body names its content (the file it was read from).
  if (bytes) {
    return {
      body: bytes,
      sizeBytes: bytes.length,
      replayable: true,
      ...(filePath !== undefined ? { contentType: contentTypeOf(filePath) } : {}),
    };
  }
  if (isBlobLike(body)) {
    return { body, sizeBytes: body.size, replayable: true, ...(body.type ? { contentType: body.type } : {}) };
  }
  if (isReadableLike(body)) {
    const streamPath = (body as { path?: unknown }).path;
    return {
      body,
      sizeBytes: contentLength,
      replayable: false,
      contentType: typeof streamPath === 'string' ? contentTypeOf(streamPath) : 'application/octet-stream',
    };
  }
  throw new TypeError('params Body format error, Only allow Buffer|Uint8Array|Stream|String|Blob.');
}

async function openSource(
  body: unknown,
  filePath: string | undefined,
  contentLength: number | undefined,
): Promise<UploadSource> {
  if (body === undefined || body === null) {
    if (filePath === undefined) throw new TypeError('missing param Body or FilePath');
    return new FileSource(filePath, await fileSize(filePath));
  }
  const bytes = typeof body === 'string' ? Buffer.from(body) : asBytes(body);
  if (bytes) return new BytesSource(bytes, createMd5);
  if (isBlobLike(body)) return new BlobSource(body, createMd5);
  if (isReadableLike(body)) return new StreamSource(body, contentLength, createMd5);
  throw new TypeError('params Body format error, Only allow Buffer|Uint8Array|Stream|String|Blob.');
}

/** The Node platform. */
export const nodePlatform: Platform = {
  name: 'node',
  crypto,
  createMd5,
  send,
  describeBody,
  openSource,
  publish(channel, message) {
    const ch = dc.channel(channel);
    if (ch.hasSubscribers) ch.publish(message);
  },
  defaultProtocol: () => 'https:',
  defaultDataType: 'buffer',
  toBuffer: (bytes) => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
  createFile: (file) => fs.promises.writeFile(file, ''),
  fileWriter: (file, start) => fs.createWriteStream(file, { flags: 'r+', start }),
  passThrough: () => new PassThrough(),
};
