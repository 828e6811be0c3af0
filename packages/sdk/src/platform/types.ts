/**
 * What the SDK needs from its host: hashing, one HTTP exchange, reading upload bodies, diagnostics. `node.ts`
 * implements it with node:http and node:fs, `browser.ts` with XMLHttpRequest (fetch as a fallback) and Blob.
 * Everything else in the SDK is platform-free, so the browser bundle never pulls in a `node:` module.
 */
import type { CryptoLike } from '@coffer/protocol';

/** The part of the DOM `Blob` (and `File`) the SDK uses, typed structurally so the package needs no DOM lib. */
export interface BlobLike {
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number, contentType?: string): BlobLike;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The part of a Node `Readable` the SDK uses (async iteration and piping). */
export interface ReadableLike extends AsyncIterable<unknown> {
  pipe(destination: never, options?: { end?: boolean }): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** A byte range of a local file, opened only when sent (Node). */
export interface FileRange {
  readonly kind: 'file-range';
  readonly path: string;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** A request body a transport can send. Strings are sent as UTF-8. */
export type TransportBody = string | Uint8Array | BlobLike | FileRange | ReadableLike;

export interface TransportRequest {
  method: string;
  url: string;
  /** `host[:port]` to connect to instead of the URL's host (the `Ip` option); Host still names the URL's host. */
  connectTo?: string;
  headers: Record<string, string>;
  body?: TransportBody;
  signal?: AbortSignal;
  /** 0 = no timeout. */
  timeoutMs: number;
  keepAlive: boolean;
  onUploadProgress?(loadedBytes: number): void;
  /**
   * Node: sees every body chunk as it is written, `offset` being where it starts in the body (a chunk at 0 starts
   * the body again: a retry). Lets a caller checksum what was actually sent without reading it twice. The chunk is
   * only lent: a file body's buffer is reused once the socket has written it, so keep a copy, not the chunk.
   * Browsers do not call it (XMLHttpRequest hands over the whole Blob).
   */
  onBodyChunk?(chunk: Uint8Array, offset: number): void;
  onDownloadProgress?(loadedBytes: number, totalBytes: number | undefined): void;
  /** Node: a Writable (or a file path) that a 2xx response body is piped into instead of being buffered. */
  output?: unknown;
}

export interface TransportResponse {
  statusCode: number;
  statusMessage: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Empty when the body went to `output`. */
  body: Uint8Array;
}

/** An incremental MD5. */
export interface Md5Hasher {
  update(data: Uint8Array | string): void;
  hex(): string;
}

/** A piece of an upload body, ready to send (and to send again on a retry). */
export interface SourcePart {
  body: TransportBody;
  sizeBytes: number;
  /** Hex MD5, when asked for. */
  md5?: string;
}

/**
 * An upload body read in parts. Random-access sources (bytes, Blob, file) read any range any number of times;
 * sequential ones (a stream) only the next range, once.
 */
export interface UploadSource {
  /** Undefined for a stream of unknown length. */
  readonly sizeBytes: number | undefined;
  readonly sequential: boolean;
  /** Bytes [start, end) (fewer at the end of a stream). */
  read(start: number, end: number, withMd5: boolean): Promise<SourcePart>;
  /**
   * Hex MD5 of bytes [start, end) without keeping them (random-access sources only); `onChunk` sees the bytes as
   * they are hashed (a resumed upload's CRC-64 of the parts it keeps).
   */
  md5(start: number, end: number, onChunk?: (chunk: Uint8Array) => void): Promise<string>;
}

/** What the platform knows about an upload body before sending it. */
export interface BodyInfo {
  body: TransportBody;
  /** Undefined for a stream whose length was not given. */
  sizeBytes: number | undefined;
  /** Whether the same body can be sent again (retries); false for streams. */
  replayable: boolean;
  /** A Content-Type the body implies (Blob.type, a file's extension), if any. */
  contentType?: string;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  /** For `cosSign`. */
  readonly crypto: CryptoLike;
  createMd5(): Md5Hasher;
  /** One HTTP exchange. Rejects on network errors and aborts only; any status resolves. */
  send(request: TransportRequest): Promise<TransportResponse>;
  /** Normalises a putObject/multipartUpload `Body` (or a Node `FilePath`); throws on a body it cannot send. */
  describeBody(body: unknown, filePath: string | undefined, contentLength: number | undefined): Promise<BodyInfo>;
  /** Opens `Body` (or a Node `FilePath`) for reading in parts. */
  openSource(body: unknown, filePath: string | undefined, contentLength: number | undefined): Promise<UploadSource>;
  /** Publishes a diagnostics event (node:diagnostics_channel on Node; nothing in browsers). */
  publish(channel: string, message: Record<string, unknown>): void;
  /** The protocol used when the options name none: https:, or the page's own protocol in a browser. */
  defaultProtocol(): 'http:' | 'https:';
  /** What getObject returns as `Body` by default: a Buffer on Node, a string in browsers (as Tencent's SDKs). */
  readonly defaultDataType: 'buffer' | 'string';
  /** Wraps bytes as the platform's binary type (a Buffer on Node). */
  toBuffer(bytes: Uint8Array): Uint8Array;
  /** Node (downloadFile): creates `path` empty, or empties it. Absent in browsers. */
  createFile?(path: string): Promise<void>;
  /** Node (downloadFile): a Writable that writes into the existing file `path` from byte `start`. */
  fileWriter?(path: string, start: number): { write: unknown; end: unknown };
  /** Node (getObjectStream): a PassThrough stream. */
  passThrough?(): { write: unknown; end: unknown; destroy(err?: Error): unknown; listenerCount(event: string): number };
}
