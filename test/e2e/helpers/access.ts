import { createHash } from 'node:crypto';
import http from 'node:http';
import { cosSign, EMPTY_SHA256_HEX, presignV4, signV4Headers } from '@coffer/protocol';
import { nodeCrypto } from '../../../packages/server/src/auth/index.js';
import { TEST_REGION, type TestServer } from './server.js';

/** Keys as a client holds them: a permanent key, or STS credentials with their token. */
export interface Creds {
  accessKeyId: string;
  secretKey: string;
  token?: string;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON. */
  json?: unknown;
}

/** A request as the wire will carry it. `path` is percent-encoded; `bucket` names the path-style bucket segment. */
export interface WireRequest {
  method: string;
  path: string;
  /** Parameters in wire order (values unencoded); '' values render as `name=` (COS SDK style). */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * How to authenticate: not at all; COS q-sign or SigV4 in the Authorization header; or a presigned
 * URL of either kind. Presigned variants can sign another method or path than the one sent
 * (`signMethod`, `signPath`) and can be made in the past (`ageSeconds`) to test expiry.
 */
export type Signing =
  | { kind: 'none' }
  | { kind: 'cos' | 'v4'; creds: Creds }
  | {
      kind: 'cos-presign' | 'v4-presign';
      creds: Creds;
      expiresSeconds?: number;
      ageSeconds?: number;
      signMethod?: string;
      signPath?: string;
    };

function wireQuery(query: Record<string, string> | undefined): string {
  return Object.entries(query ?? {})
    .map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** The path a COS SDK signs for a path-style URL: without the `/bucket` segment. */
function cosPathname(path: string): string {
  const second = path.indexOf('/', 1);
  return decodeURIComponent(second < 0 ? '/' : path.slice(second));
}

/** Sends one request with node:http, signed as `signing` says, with Coffer's own signers. */
export async function send(t: TestServer, req: WireRequest, signing: Signing): Promise<Reply> {
  const host = `127.0.0.1:${t.port}`;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const headers: Record<string, string> = { host, ...req.headers };
  if (body !== undefined) headers['content-length'] = String(body.length);
  let query = wireQuery(req.query);
  const nowMs = Date.now();
  if (signing.kind === 'cos') {
    headers.authorization = cosSign(
      {
        secretId: signing.creds.accessKeyId,
        secretKey: signing.creds.secretKey,
        method: req.method,
        pathname: cosPathname(req.path),
        query: req.query ?? {},
        headers,
        startTime: Math.floor(nowMs / 1000) - 1,
        expires: 900,
      },
      nodeCrypto,
    );
    // As the COS SDK does: the token is added after signing, unsigned.
    if (signing.creds.token) headers['x-cos-security-token'] = signing.creds.token;
  } else if (signing.kind === 'v4') {
    const payloadHash = body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256_HEX;
    const signed = signV4Headers(
      { method: req.method, path: req.path, query, headers, payloadHash },
      {
        credentials: {
          accessKeyId: signing.creds.accessKeyId,
          secretKey: signing.creds.secretKey,
          ...(signing.creds.token ? { sessionToken: signing.creds.token } : {}),
        },
        region: TEST_REGION,
        nowMs,
      },
      nodeCrypto,
    );
    Object.assign(headers, signed.headers);
  } else if (signing.kind === 'cos-presign') {
    const auth = cosSign(
      {
        secretId: signing.creds.accessKeyId,
        secretKey: signing.creds.secretKey,
        method: signing.signMethod ?? req.method,
        pathname: cosPathname(signing.signPath ?? req.path),
        query: req.query ?? {},
        headers: { host },
        startTime: Math.floor(nowMs / 1000) - 1 - (signing.ageSeconds ?? 0),
        expires: signing.expiresSeconds ?? 900,
      },
      nodeCrypto,
    );
    const token = signing.creds.token ? `&x-cos-security-token=${signing.creds.token}` : '';
    query = [auth + token, query].filter((s) => s !== '').join('&');
  } else if (signing.kind === 'v4-presign') {
    query = presignV4(
      { method: signing.signMethod ?? req.method, path: signing.signPath ?? req.path, query, headers: { host } },
      {
        credentials: {
          accessKeyId: signing.creds.accessKeyId,
          secretKey: signing.creds.secretKey,
          ...(signing.creds.token ? { sessionToken: signing.creds.token } : {}),
        },
        region: TEST_REGION,
        nowMs: nowMs - (signing.ageSeconds ?? 0) * 1000,
        expiresSeconds: signing.expiresSeconds ?? 900,
      },
      nodeCrypto,
    );
  }
  const target = query === '' ? req.path : `${req.path}?${query}`;
  return new Promise<Reply>((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port: t.port, method: req.method, path: target, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if ((res.headers['content-type'] ?? '').includes('json') && text !== '') json = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** The root's permanent key. */
export function rootCreds(t: TestServer): Creds {
  return { accessKeyId: t.secretId, secretKey: t.secretKey };
}

/** A JSON call to Coffer's own API under /-/ (SigV4-signed, root by default). */
export async function admin(
  t: TestServer,
  method: string,
  path: string,
  body?: unknown,
  creds: Creds = rootCreds(t),
): Promise<Reply> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return send(
    t,
    {
      method,
      path: `/-${path}`,
      ...(text !== undefined ? { body: text, headers: { 'content-type': 'application/json' } } : {}),
    },
    { kind: 'v4', creds },
  );
}

/** An admin call that must succeed with `status`; returns its JSON. */
export async function adminOk<T = Record<string, unknown>>(
  t: TestServer,
  status: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await admin(t, method, path, body);
  if (res.status !== status) throw new Error(`${method} /-${path}: ${res.status} ${res.text}`);
  return res.json as T;
}

/** Creates a sub-user with one access key and the given policies (by name). */
export async function createSubUser(
  t: TestServer,
  name: string,
  policies: Record<string, unknown> = {},
): Promise<{ uin: string; ownerId: string; creds: Creds }> {
  const user = await adminOk<{ uin: string; ownerId: string }>(t, 201, 'POST', '/admin/users', { name });
  const key = await adminOk<{ secretId: string; secretKey: string }>(t, 201, 'POST', `/admin/users/${user.uin}/keys`);
  for (const [policyName, doc] of Object.entries(policies)) {
    await adminOk(t, 204, 'PUT', `/admin/users/${user.uin}/policies/${policyName}`, doc);
  }
  return { uin: user.uin, ownerId: user.ownerId, creds: { accessKeyId: key.secretId, secretKey: key.secretKey } };
}

/** What POST /-/sts answers. */
export interface StsReply {
  Credentials: {
    TmpSecretId: string;
    TmpSecretKey: string;
    Token: string;
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: string;
  };
  StartTime: number;
  ExpiredTime: number;
  Expiration: string;
  RequestId: string;
}

/** Temporary credentials for `creds`' owner, optionally narrowed by `policy`. */
export async function getSts(
  t: TestServer,
  creds: Creds,
  request: { DurationSeconds?: number; Policy?: unknown } = {},
): Promise<{ reply: StsReply; creds: Creds }> {
  const res = await admin(t, 'POST', '/sts', request, creds);
  if (res.status !== 200) throw new Error(`POST /-/sts: ${res.status} ${res.text}`);
  const reply = res.json as StsReply;
  return {
    reply,
    creds: {
      accessKeyId: reply.Credentials.TmpSecretId,
      secretKey: reply.Credentials.TmpSecretKey,
      token: reply.Credentials.Token,
    },
  };
}

/** Code and Message of an XML error body. */
export function xmlError(text: string): { code: string; message: string } {
  return {
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '',
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '',
  };
}
