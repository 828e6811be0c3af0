/**
 * The browser platform: XMLHttpRequest (for real upload progress; fetch where there is no XHR, e.g. workers),
 * Blob/File bodies, SHA-1/MD5 in plain TypeScript. Only `src/browser.ts` imports this module, and it imports
 * nothing from node:, so the browser bundle stays free of Node built-ins.
 */
import type { CryptoLike } from '@coffer/protocol';
import { Md5 } from '../hash/md5.js';
import { hmacSha1, sha1 } from '../hash/sha1.js';
import { asBytes, BlobSource, BytesSource, isBlobLike } from '../source.js';
import type { BodyInfo, Md5Hasher, Platform, TransportRequest, TransportResponse, UploadSource } from './types.js';

const crypto: CryptoLike = {
  hmac(alg, key, data) {
    if (alg !== 'sha1') throw new Error(`The browser build signs with HMAC-SHA1 only, not ${alg}`);
    return hmacSha1(key, data);
  },
  hash(alg, data) {
    if (alg !== 'sha1') throw new Error(`The browser build hashes with SHA-1 only, not ${alg}`);
    return sha1(data);
  },
};

function createMd5(): Md5Hasher {
  const md5 = new Md5();
  return {
    update: (data) => {
      md5.update(data);
    },
    hex: () => md5.hex(),
  };
}

interface ProgressEventLike {
  loaded: number;
  total: number;
  lengthComputable: boolean;
}

/** The part of XMLHttpRequest the transport uses (typed here so the package needs no DOM lib). */
interface Xhr {
  open(method: string, url: string, async: boolean): void;
  setRequestHeader(name: string, value: string): void;
  send(body?: unknown): void;
  abort(): void;
  getAllResponseHeaders(): string;
  responseType: string;
  readonly response: unknown;
  readonly status: number;
  readonly statusText: string;
  timeout: number;
  readonly upload: { onprogress: ((event: ProgressEventLike) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  ontimeout: (() => void) | null;
  onabort: (() => void) | null;
  onprogress: ((event: ProgressEventLike) => void) | null;
}

/** Headers a page may not set (the browser sets Host, Content-Length, … itself and computes the same values). */
const FORBIDDEN_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'via',
]);

function settable(name: string): boolean {
  const lower = name.toLowerCase();
  return !FORBIDDEN_HEADERS.has(lower) && !lower.startsWith('proxy-') && !lower.startsWith('sec-');
}

function parseHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of raw.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    out[name] = out[name] !== undefined ? `${out[name]}, ${value}` : value;
  }
  return out;
}

function sendableBody(body: TransportRequest['body']): unknown {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array || isBlobLike(body)) return body;
  throw new TypeError('In a browser the body must be a string, bytes, a Blob or a File');
}

function networkError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function abortError(): Error {
  return Object.assign(new Error('The request was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

function sendXhr(XhrClass: new () => Xhr, req: TransportRequest): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    if (req.signal?.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XhrClass();
    xhr.open(req.method, req.url, true);
    xhr.responseType = 'arraybuffer';
    if (req.timeoutMs > 0) xhr.timeout = req.timeoutMs;
    for (const [name, value] of Object.entries(req.headers)) if (settable(name)) xhr.setRequestHeader(name, value);
    const onAbort = () => xhr.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => req.signal?.removeEventListener('abort', onAbort);
    if (req.onUploadProgress && req.body !== undefined) {
      const report = req.onUploadProgress;
      xhr.upload.onprogress = (event) => report(event.loaded);
    }
    if (req.onDownloadProgress) {
      const report = req.onDownloadProgress;
      xhr.onprogress = (event) => report(event.loaded, event.lengthComputable ? event.total : undefined);
    }
    xhr.onload = () => {
      cleanup();
      const response = xhr.response;
      resolve({
        statusCode: xhr.status,
        statusMessage: xhr.statusText,
        headers: parseHeaders(xhr.getAllResponseHeaders()),
        body: response instanceof ArrayBuffer ? new Uint8Array(response) : new Uint8Array(0),
      });
    };
    xhr.onerror = () => {
      cleanup();
      reject(networkError(`Network error on ${req.method} ${req.url}`, 'NetworkError'));
    };
    xhr.ontimeout = () => {
      cleanup();
      reject(networkError(`No response within ${req.timeoutMs} ms`, 'ETIMEDOUT'));
    };
    xhr.onabort = () => {
      cleanup();
      reject(abortError());
    };
    // The request was signed with Content-Length: 0. Browsers send that header for a null body only on
    // POST and PUT (Fetch standard, "HTTP-network-or-cache fetch"); an empty body makes them send it on
    // DELETE too, so the signature matches.
    const signedEmpty = Object.entries(req.headers).some(([k, v]) => k.toLowerCase() === 'content-length' && v === '0');
    xhr.send(
      sendableBody(req.body) ??
        (signedEmpty && req.method !== 'GET' && req.method !== 'HEAD' ? new Uint8Array(0) : null),
    );
  });
}

async function sendFetch(req: TransportRequest): Promise<TransportResponse> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (settable(name)) headers[name] = value;
  const res = await fetch(req.url, {
    method: req.method,
    headers,
    body: sendableBody(req.body) as never,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  const body = new Uint8Array(await res.arrayBuffer());
  req.onDownloadProgress?.(body.length, body.length);
  return { statusCode: res.status, statusMessage: res.statusText, headers: out, body };
}

function send(req: TransportRequest): Promise<TransportResponse> {
  const XhrClass = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
  return XhrClass ? sendXhr(XhrClass, req) : sendFetch(req);
}

async function describeBody(body: unknown, filePath: string | undefined): Promise<BodyInfo> {
  if (filePath !== undefined && (body === undefined || body === null)) {
    throw new TypeError('FilePath is for Node; in a browser pass a File or Blob as Body');
  }
  if (body === undefined || body === null) throw new TypeError('missing param Body');
  const bytes = asBytes(body);
  if (bytes) return { body: bytes, sizeBytes: bytes.length, replayable: true };
  if (isBlobLike(body)) {
    return { body, sizeBytes: body.size, replayable: true, ...(body.type ? { contentType: body.type } : {}) };
  }
  throw new TypeError('params Body format error, Only allow File|Blob|String|ArrayBuffer|Uint8Array.');
}

async function openSource(body: unknown, filePath: string | undefined): Promise<UploadSource> {
  if (filePath !== undefined && (body === undefined || body === null)) {
    throw new TypeError('FilePath is for Node; in a browser pass a File or Blob as Body');
  }
  const bytes = asBytes(body);
  if (bytes) return new BytesSource(bytes, createMd5);
  if (isBlobLike(body)) return new BlobSource(body, createMd5);
  throw new TypeError('params Body format error, Only allow File|Blob|String|ArrayBuffer|Uint8Array.');
}

/** The browser platform. */
export const browserPlatform: Platform = {
  name: 'browser',
  crypto,
  createMd5,
  send,
  describeBody,
  openSource,
  publish: () => {},
  defaultProtocol: () =>
    (globalThis as { location?: { protocol?: string } }).location?.protocol === 'http:' ? 'http:' : 'https:',
  defaultDataType: 'string',
  toBuffer: (bytes) => bytes,
};
