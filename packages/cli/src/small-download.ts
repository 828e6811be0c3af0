/**
 * Small objects (up to SMALL_FILE_BYTES) fetched with one plain GET each on a kept-alive connection of our own,
 * outside the sdk and outside node:http. A profile of `coffer cp -r` over 2,000 objects of 16 KiB spent most of the
 * client's CPU in the sdk's general request path (parameter formatting, a request object per attempt, header
 * normalisation, progress throttling, the response read into a growing buffer) and then in node:http's (a
 * ClientRequest and an IncomingMessage per request, the agent's bookkeeping, a fresh 64 KiB buffer per socket read,
 * their GC), around a request that needs none of it. Measured on the bench machine, 2,000 × 16 KiB, client CPU
 * (user + system) medians of five interleaved rounds: through the sdk 1.86 s, node:http with a keep-alive agent
 * 1.69 s, this 1.17 s (rclone 1.35 s). So here each connection reads into one reused buffer (net's `onread`), a
 * request is signed as the profile says (signHead) and written as one string, and the response head is parsed only
 * as far as this needs: status, Content-Length, ETag, Connection, Transfer-Encoding.
 *
 * Only the plainest answer is taken this way: `HTTP/1.1 200` with a Content-Length of at most SMALL_FILE_BYTES and
 * no Transfer-Encoding. Anything else (an error status, a redirect, chunked framing, a connection that closed or
 * timed out, more bytes than announced) drops the connection and resolves `undefined`, and the caller fetches the
 * object again through the sdk, which retries as it always does and reads an error answer into Code, Message and
 * RequestId: errors print the same either way. `https://` endpoints always use the sdk.
 */
import net from 'node:net';
import type { ResolvedProfile } from './config.js';
import { SMALL_FILE_BYTES } from './local-files.js';
import { parseResponseHead, requestText, signHead } from './signed-request.js';

export interface SmallBody {
  body: Buffer;
  etag: string;
}

export interface SmallGetter {
  /** The object's body and ETag, or undefined when the answer is one to leave to the sdk. */
  get(bucket: string, key: string): Promise<SmallBody | undefined>;
}

const getters = new WeakMap<ResolvedProfile, SmallGetter | null>();

/**
 * The getter for a profile, made once per process with `sockets` keep-alive connections (use the number of jobs:
 * one connection per file in flight); null for an https endpoint.
 */
export function smallGetter(profile: ResolvedProfile, sockets: number): SmallGetter | null {
  let getter = getters.get(profile);
  if (getter === undefined) {
    const url = new URL(profile.endpoint);
    getter = url.protocol === 'http:' ? directGetter(profile, url, sockets) : null;
    getters.set(profile, getter);
  }
  return getter;
}

/** What a connection of directGetter is reading into: one response at a time. */
interface Exchange {
  /** Takes bytes the socket read (a view of its reused buffer, valid only during the call). */
  take(bytes: Buffer): void;
  /** The connection ended or failed before the response was complete. */
  fail(): void;
}

interface Connection {
  socket: net.Socket;
  exchange?: Exchange;
}

/** Reads for each connection (a response head and a small body fit; larger bodies take several reads). */
const READ_BUFFER_BYTES = 64 * 1024;
/** A response head longer than this is not one taken here. */
const MAX_HEAD_BYTES = 16 * 1024;
/** A connection with no answer for this long is given up (the sdk fetches the object again). */
const IDLE_TIMEOUT_MS = 30_000;

function directGetter(profile: ResolvedProfile, url: URL, sockets: number): SmallGetter {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  const idle: Connection[] = [];
  let open = 0;
  const waiting: ((c: Connection | undefined) => void)[] = [];

  const connect = (): Connection => {
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const c: Connection = {
      socket: net.connect({
        host,
        port,
        onread: {
          buffer,
          callback: (n: number) => {
            const exchange = c.exchange;
            if (!exchange) {
              // Bytes nobody asked for: the connection is out of step; drop it.
              c.socket.destroy();
              return false;
            }
            exchange.take(buffer.subarray(0, n));
            return true;
          },
        },
      }),
    };
    open++;
    c.socket.setNoDelay(true);
    c.socket.setTimeout(IDLE_TIMEOUT_MS, () => c.socket.destroy());
    const gone = () => {
      const i = idle.indexOf(c);
      if (i >= 0) idle.splice(i, 1);
      c.exchange?.fail();
    };
    c.socket.on('error', gone);
    c.socket.on('end', () => c.socket.destroy());
    c.socket.on('close', () => {
      open--;
      gone();
      // A slot is free: a waiting request gets a new connection.
      waiting.shift()?.(undefined);
    });
    return c;
  };

  /** An idle connection, a new one while fewer than `sockets` are open, or the next one to be released. */
  const acquire = async (): Promise<Connection> => {
    const reused = idle.pop();
    if (reused) {
      reused.socket.ref();
      return reused;
    }
    if (open < sockets) return connect();
    const handed = await new Promise<Connection | undefined>((resolve) => waiting.push(resolve));
    if (handed) return handed;
    return connect();
  };

  const release = (c: Connection, reusable: boolean) => {
    c.exchange = undefined;
    if (!reusable || c.socket.destroyed) {
      c.socket.destroy();
      return;
    }
    const next = waiting.shift();
    if (next) return next(c);
    // Idle connections do not hold the process open at the end.
    c.socket.unref();
    idle.push(c);
  };

  return {
    get: async (bucket, key) => {
      const request = requestText('GET', signHead(profile, 'GET', `/${bucket}/${key}`));
      const c = await acquire();
      return new Promise<SmallBody | undefined>((resolve) => {
        let headBytes: Buffer | undefined;
        let body: Buffer | undefined;
        let at = 0;
        let etag = '';
        let keepAlive = true;
        const done = (result: SmallBody | undefined) => {
          release(c, result !== undefined && keepAlive);
          resolve(result);
        };
        const bodyBytes = (bytes: Buffer) => {
          if (at + bytes.length > body!.length) return done(undefined);
          bytes.copy(body!, at);
          at += bytes.length;
          if (at === body!.length) done({ body: body!, etag });
        };
        const onHead = (text: string): boolean => {
          const { version, status, headers } = parseResponseHead(text);
          if (version !== '1.1' || status !== 200 || headers.has('transfer-encoding')) return false;
          const announced = headers.get('content-length') ?? '';
          const length = /^\d+$/.test(announced) ? Number(announced) : -1;
          etag = headers.get('etag') ?? '';
          keepAlive = headers.get('connection')?.toLowerCase() !== 'close';
          if (length < 0 || length > SMALL_FILE_BYTES) return false;
          body = Buffer.allocUnsafe(length);
          return true;
        };
        c.exchange = {
          take: (bytes) => {
            if (body) return bodyBytes(bytes);
            // Usually the whole head (and the body) came in one read: look at it where it is.
            const gathered = headBytes ? Buffer.concat([headBytes, bytes]) : bytes;
            const blank = gathered.indexOf('\r\n\r\n');
            if (blank < 0) {
              if (gathered.length > MAX_HEAD_BYTES) return done(undefined);
              // Copied out of the socket's reused buffer until the rest of the head comes.
              headBytes = headBytes ? gathered : Buffer.from(bytes);
              return;
            }
            headBytes = undefined;
            if (!onHead(gathered.toString('latin1', 0, blank))) return done(undefined);
            const rest = gathered.subarray(blank + 4);
            if (body!.length === 0 && rest.length === 0) return done({ body: body!, etag });
            bodyBytes(rest);
          },
          fail: () => done(undefined),
        };
        c.socket.write(request);
      });
    },
  };
}
