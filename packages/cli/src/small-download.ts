/**
 * Small objects (up to SMALL_FILE_BYTES) fetched with one plain keep-alive GET each, outside the sdk: a profile of
 * `coffer cp -r` over 2,000 objects of 16 KiB spent most of the client's CPU in the sdk's general request path
 * (parameter formatting, a request object per attempt, header normalisation, progress throttling, the response
 * read into a growing buffer) around a request that needs none of it. Here a request is signed as the profile says
 * (signHead), sent on an `http.Agent` with keep-alive and one socket per job, and its body is copied into one buffer
 * of the announced length and written to the file.
 *
 * Only the plainest answer is taken this way: `200` with a Content-Length of at most SMALL_FILE_BYTES. Anything
 * else (an error status, a redirect, a connection that failed) resolves `undefined` and the caller fetches the object
 * again through the sdk, which retries as it always does and reads an error answer into Code, Message and
 * RequestId: errors print the same either way. `https://` endpoints always use the sdk.
 */
import http from 'node:http';
import type { ResolvedProfile } from './config.js';
import { SMALL_FILE_BYTES } from './local-files.js';
import { signHead } from './signed-request.js';

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

function directGetter(profile: ResolvedProfile, url: URL, sockets: number): SmallGetter {
  // Idle keep-alive sockets are unref'd by the agent, so they do not hold the process open at the end.
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, scheduling: 'lifo' });
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  return {
    get: (bucket, key) => {
      const head = signHead(profile, 'GET', `/${bucket}/${key}`);
      return new Promise<SmallBody | undefined>((resolve) => {
        const req = http.request(
          { agent, hostname, port, method: 'GET', path: head.target, headers: head.headers },
          (res) => {
            const length = Number(res.headers['content-length']);
            if (res.statusCode !== 200 || !Number.isSafeInteger(length) || length > SMALL_FILE_BYTES) {
              res.destroy();
              resolve(undefined);
              return;
            }
            const body = Buffer.allocUnsafe(length);
            let at = 0;
            res.on('data', (chunk: Buffer) => {
              if (at + chunk.length > length) {
                res.destroy();
                resolve(undefined);
                return;
              }
              chunk.copy(body, at);
              at += chunk.length;
            });
            res.on('end', () => resolve(at === length ? { body, etag: String(res.headers.etag ?? '') } : undefined));
            res.on('error', () => resolve(undefined));
            // After 'end' this changes nothing; without it, the connection closed midway.
            res.on('close', () => resolve(undefined));
          },
        );
        req.on('error', () => resolve(undefined));
        req.end();
      });
    },
  };
}
