import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { S3Error } from '@coffer/protocol';
import type { Logger } from 'pino';
import type { Accounts } from '../accounts/accounts.js';
import type { AuthResult } from '../auth/types.js';
import type { Caller } from '../authz/authorize.js';
import type { Config } from '../config.js';
import type { Actor } from '../engine/buckets.js';
import type { Engine } from '../engine/engine.js';
import type { Address } from './addressing.js';
import type { MetricOperation, Metrics } from './metrics.js';
import { openRequestBody } from './request-body.js';

/** Decodes UTF-8, failing on invalid sequences (a BOM is dropped, as XML parsers do). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface RequestInit {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  startMs: number;
  rawPath: string;
  rawQuery: string;
  address: Address;
  engine: Engine;
  config: Config;
  log: Logger;
  /** The request's abort signal (aborted when the client goes away), made on first use. */
  signal: () => AbortSignal;
  metrics: Metrics;
  /** The APPID of the account owning something (by owner id); COS resource names carry it. */
  appIdOf: (ownerId?: string) => string;
  /** Users, access keys, user policies and STS (for the admin API under /-/). */
  accounts: Accounts;
}

/**
 * The two full names of each vendor header (`x-amz-<name>`, `x-cos-<name>`), made once: a small PUT
 * looks up ~30 vendor headers, nearly all absent, and building both names per lookup (then hashing
 * each fresh string to find the property) cost ~5 µs a request (docs/performance.md, issue 17).
 * Names come from the code, never from a request, so the map stays small; the cap is a guard.
 */
const VENDOR_NAMES = new Map<string, { amz: string; cos: string }>();
const VENDOR_NAMES_MAX = 1024;

function vendorNames(name: string): { amz: string; cos: string } {
  let names = VENDOR_NAMES.get(name);
  if (names === undefined) {
    names = { amz: `x-amz-${name}`, cos: `x-cos-${name}` };
    if (VENDOR_NAMES.size < VENDOR_NAMES_MAX) VENDOR_NAMES.set(name, names);
  }
  return names;
}

/** Everything a handler gets: the parsed request, who sent it, and the means to answer. */
export class RequestContext {
  readonly query: URLSearchParams;
  /** Set by the dispatcher after authentication. */
  auth!: AuthResult;
  actor!: Actor;
  /** Bucket access data read for this request, by bucket name. */
  readonly bucketAccessCache = new Map<string, ReturnType<Engine['bucketAccess']>>();
  /** Who is asking, for authorization (set with auth). */
  caller: Caller = { isRoot: false, userPolicies: [] };
  /** The S3 operation this request was routed to (ListObjects, PutObject, …), for metrics and logs. */
  operation: MetricOperation = 'Unknown';
  /** The error code of the response, for the access log. */
  errorCode?: string;
  /** Set when the handler asked for the body (so an error afterwards cannot drain it). */
  bodyRequested = false;
  /** Called once, when the body is first asked for (sends 100 Continue for Expect requests). */
  onFirstBodyRead?: () => void;
  #body?: ReturnType<typeof openRequestBody>;

  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly startMs: number;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly address: Address;
  readonly engine: Engine;
  readonly config: Config;
  readonly log: Logger;
  readonly #signal: () => AbortSignal;
  readonly metrics: Metrics;
  readonly appIdOf: (ownerId?: string) => string;
  readonly accounts: Accounts;

  constructor(init: RequestInit) {
    this.req = init.req;
    this.res = init.res;
    this.requestId = init.requestId;
    this.startMs = init.startMs;
    this.rawPath = init.rawPath;
    this.rawQuery = init.rawQuery;
    this.address = init.address;
    this.engine = init.engine;
    this.config = init.config;
    this.log = init.log;
    this.#signal = init.signal;
    this.metrics = init.metrics;
    this.appIdOf = init.appIdOf;
    this.accounts = init.accounts;
    this.query = new URLSearchParams(init.rawQuery);
  }

  /** Aborted when the client goes away before the answer is sent; made on first use (uploads ask for it). */
  get signal(): AbortSignal {
    return this.#signal();
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get bucket(): string {
    if (this.address.bucket === undefined) throw new Error('no bucket in this request');
    return this.address.bucket;
  }

  get key(): string {
    if (this.address.key === undefined) throw new Error('no key in this request');
    return this.address.key;
  }

  /**
   * Which dialect to answer in where COS and S3 differ: S3 for SigV4 and SigV2 requests (S3 tools),
   * COS for COS-signed and anonymous ones. Set only after authentication.
   */
  get flavor(): 'cos' | 's3' {
    return this.auth.kind === 'sigv4' || this.auth.kind === 'sigv2' ? 's3' : 'cos';
  }

  /** A request header, trimmed; empty values count as absent (the COS SDK sends `Cache-Control:` empty). */
  header(name: string): string | undefined {
    const value = this.req.headers[name];
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text === undefined) return undefined;
    const trimmed = text.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /**
   * `x-cos-<name>` or `x-amz-<name>`, whichever was sent; when both were, the request's own family
   * wins: x-amz-* for SigV4/SigV2 requests, x-cos-* for COS-signed and anonymous ones.
   */
  vendorHeader(name: string): string | undefined {
    // Each client's own family first: S3 tools that copy a HEAD's headers into a new request (s3cmd
    // modify) echo our x-cos-* headers back next to the x-amz-* ones they mean.
    const names = vendorNames(name);
    if (this.auth !== undefined && this.flavor === 's3') return this.header(names.amz) ?? this.header(names.cos);
    return this.header(names.cos) ?? this.header(names.amz);
  }

  /** A query parameter, or undefined when absent. */
  param(name: string): string | undefined {
    const value = this.query.get(name);
    return value === null ? undefined : value;
  }

  /**
   * The request body as the client meant it: aws-chunked framing removed and signatures, payload
   * hash and trailers verified while it streams. Call once.
   */
  body(): Readable {
    if (!this.bodyRequested) {
      this.bodyRequested = true;
      this.onFirstBodyRead?.();
    }
    this.#body ??= openRequestBody(this.req, this.auth.payload, this.config.bodyIdleTimeoutMs);
    return this.#body.stream;
  }

  /** Trailing headers of an aws-chunked body (valid after the body ended). */
  trailer(name: string): string | undefined {
    return this.#body?.trailers()[name];
  }

  /** How many body bytes the client announced (decoded length for aws-chunked bodies). */
  declaredBodySize(): number | undefined {
    const decoded = this.header('x-amz-decoded-content-length');
    const raw = decoded ?? this.header('content-length');
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new S3Error('InvalidArgument', `Invalid content length: ${raw}`);
    return Number(raw);
  }

  /**
   * Reads a small body (XML/JSON configuration) whole, up to `maxBytes` (MaxMessageLengthExceeded
   * beyond, from Content-Length before a byte is read), checks Content-MD5 when sent, and decodes it
   * as UTF-8: bytes that are not UTF-8 are `invalidUtf8` (MalformedXML for XML documents), never
   * replaced with U+FFFD and accepted.
   */
  async readSmallBody(
    maxBytes: number,
    invalidUtf8: 'MalformedXML' | 'MalformedPolicy' | 'InvalidArgument' = 'MalformedXML',
  ): Promise<string> {
    const declared = this.declaredBodySize();
    if (declared !== undefined && declared > maxBytes) {
      throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: at most ${maxBytes} bytes here.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.body()) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: at most ${maxBytes} bytes here.`);
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const md5 = this.header('content-md5');
    if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    try {
      return STRICT_UTF8.decode(body);
    } catch {
      throw new S3Error(invalidUtf8, 'The request body is not valid UTF-8.');
    }
  }
}
