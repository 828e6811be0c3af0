/**
 * A signed HTTP request for what @coffer/sdk does not cover: object/bucket tagging (the sdk leaves COS's tagging
 * out) and the server's JSON admin API. Signed as the profile says (COS q-sign or SigV4), over node:http(s);
 * bodies here are small documents (tag sets, JSON), so they are held in memory.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { type CryptoLike, cosSign, signV4Headers, uriEncode } from '@coffer/protocol';
import type { ResolvedProfile } from './config.js';

const crypto: CryptoLike = {
  hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
  hash: (alg, data) => createHash(alg).update(data).digest(),
};

export interface SignedReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request signed as the profile says: the URL to send it to and every header to send (`host` included). */
export interface SignedHead {
  url: URL;
  /** The encoded path and query, as the request line carries them. */
  target: string;
  headers: Record<string, string>;
}

/**
 * Signs a request without sending it (signedRequest sends one; ranged downloads send theirs over their own socket).
 * `path` is the un-encoded path (`/bucket/key`); `query` values '' for sub-resources (`?tagging`).
 */
export function signHead(
  profile: ResolvedProfile,
  method: string,
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
  bytes?: Buffer,
): SignedHead {
  const url = new URL(profile.endpoint);
  const encodedPath = path
    .split('/')
    .map((s) => uriEncode(s, true))
    .join('/');
  const queryString = Object.entries(query)
    .map(([k, v]) => (v === '' ? uriEncode(k, true) : `${uriEncode(k, true)}=${uriEncode(v, true)}`))
    .join('&');
  const base: Record<string, string> = { ...headers, host: url.host };
  if (bytes) {
    base['content-length'] = String(bytes.length);
    base['content-md5'] = createHash('md5').update(bytes).digest('base64');
  }
  let sent: Record<string, string>;
  if (profile.signing === 's3') {
    sent = signV4Headers(
      {
        method,
        path: encodedPath,
        query: queryString,
        headers: base,
        payloadHash: createHash('sha256')
          .update(bytes ?? Buffer.alloc(0))
          .digest('hex'),
      },
      {
        credentials: { accessKeyId: profile.secretId!, secretKey: profile.secretKey! },
        region: profile.region,
        nowMs: Date.now(),
      },
      crypto,
    ).headers;
  } else {
    const authorization = cosSign(
      {
        secretId: profile.secretId!,
        secretKey: profile.secretKey!,
        method,
        pathname: path,
        query,
        headers: base,
        startTime: Math.floor(Date.now() / 1000) - 1,
        expires: 900,
      },
      crypto,
    );
    sent = { ...base, authorization };
  }
  return { url, target: `${encodedPath}${queryString ? `?${queryString}` : ''}`, headers: sent };
}

/** `path` is the un-encoded path (`/bucket/key`); `query` values '' for sub-resources (`?tagging`). */
/** The request line and headers of `head` as HTTP/1.1 text, ready for a socket of our own (no body). */
export function requestText(method: string, head: SignedHead, extra: Record<string, string> = {}): string {
  let text = `${method} ${head.target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries({ ...head.headers, ...extra })) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** A response head read off a socket of our own: the status line's version and status, and its fields (lower-cased names). */
export interface ResponseHead {
  version: string;
  status: number;
  headers: Map<string, string>;
}

/** Parses a response head (the text before its blank line); status NaN when the status line is not HTTP/1.x. */
export function parseResponseHead(text: string): ResponseHead {
  const [statusLine = '', ...fields] = text.split('\r\n');
  const match = /^HTTP\/(1\.[01]) (\d{3})/.exec(statusLine);
  const headers = new Map<string, string>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon > 0) headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
  }
  return { version: match?.[1] ?? '', status: Number(match?.[2]), headers };
}

export async function signedRequest(
  profile: ResolvedProfile,
  method: string,
  path: string,
  query: Record<string, string> = {},
  body?: string,
  headers: Record<string, string> = {},
): Promise<SignedReply> {
  const bytes = body === undefined ? undefined : Buffer.from(body);
  const { url, target: pathAndQuery, headers: sent } = signHead(profile, method, path, query, headers, bytes);
  const target = `${url.origin}${pathAndQuery}`;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<SignedReply>((resolve, reject) => {
    const req = transport.request(target, { method, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) =>
      reject(Object.assign(err, { code: (err as NodeJS.ErrnoException).code ?? 'NetworkError' })),
    );
    req.end(bytes);
  });
}
