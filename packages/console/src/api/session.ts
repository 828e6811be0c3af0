/**
 * Signing in: the SecretId/SecretKey typed in are exchanged for temporary credentials (POST /-/sts,
 * docs/admin-api.md) and only those are stored, in sessionStorage (gone when the tab closes). The
 * permanent key stays in this module's memory so the credentials can be renewed before they expire;
 * after a reload there is no permanent key any more, and the console asks to sign in again when the
 * stored credentials run out.
 */
import COS from '@coffer/sdk';
import { AdminError } from './errors.js';

export interface Session {
  tmpSecretId: string;
  tmpSecretKey: string;
  token: string;
  /** Unix seconds. */
  startTime: number;
  expiredTime: number;
  /** The id the user signed in with (shown in the header). */
  signedInAs: string;
  /** True when the admin API answered: the account root. */
  isRoot: boolean;
  region: string;
}

const STORAGE_KEY = 'coffer.console.session';
/** Credentials last this long; renewed RENEW_BEFORE_S before they run out. */
export const DURATION_S = 3600;
const RENEW_BEFORE_S = 300;

let permanent: { secretId: string; secretKey: string } | undefined;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let client: { session: Session; cos: COS } | undefined;
const listeners = new Set<() => void>();

export function currentSession(): Session | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return undefined;
  try {
    const session = JSON.parse(raw) as Session;
    if (session.expiredTime * 1000 <= Date.now()) {
      sessionStorage.removeItem(STORAGE_KEY);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function store(session: Session | undefined): void {
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
  client = undefined;
  for (const listener of listeners) listener();
}

/** A client of the SDK that signs with `secretId`/`secretKey`, against this page's own origin. */
function makeCos(options: { SecretId: string; SecretKey: string; SecurityToken?: string }): COS {
  return new COS({
    ...options,
    Protocol: location.protocol,
    Domain: location.host,
    ServiceDomain: location.origin,
    ForcePathStyle: true,
    ProgressInterval: 200,
    ChunkParallelLimit: 3,
    FileParallelLimit: 3,
    // The console's own listener may be a different port than the API's, but is the same server: its host is signed.
  });
}

/** The SDK client for the signed-in session (made again when the credentials change). */
export function cos(): COS {
  const session = currentSession();
  if (!session) throw new AdminError('NotSignedIn', 'Your session has ended: sign in again.', undefined, 401);
  if (client?.session !== session && client?.session.tmpSecretId !== session.tmpSecretId) client = undefined;
  client ??= {
    session,
    cos: makeCos({ SecretId: session.tmpSecretId, SecretKey: session.tmpSecretKey, SecurityToken: session.token }),
  };
  return client.cos;
}

/** Signs one request to Coffer's own endpoints (/-/…) with `signer` and returns its JSON (undefined for 204). */
async function signedFetch(
  signer: COS,
  token: string | undefined,
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown; raw?: boolean } = {},
): Promise<unknown> {
  const xml = typeof options.body === 'string';
  const key = path.replace(/^\//, '');
  const authorization = signer.getAuth({ Method: method.toLowerCase(), Key: key, Query: options.query ?? {} });
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
  const res = await fetch(`/${key.split('/').map(encodeURIComponent).join('/')}${query}`, {
    method,
    headers: {
      authorization,
      ...(token ? { 'x-cos-security-token': token } : {}),
      ...(options.body !== undefined ? { 'content-type': xml ? 'application/xml' : 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: xml ? (options.body as string) : JSON.stringify(options.body) } : {}),
  });
  if (res.status === 204) return options.raw ? '' : undefined;
  const text = await res.text();
  if (options.raw && res.ok) return text;
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // An XML error from the S3 layer (<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId>).
    const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    json = { error: tag('Code'), message: tag('Message') ?? text, requestId: tag('RequestId') };
  }
  if (!res.ok) {
    throw new AdminError(
      String(json.error ?? res.status),
      String(json.message ?? res.statusText),
      (json.requestId as string | undefined) ?? res.headers.get('x-cos-request-id') ?? undefined,
      res.status,
    );
  }
  return json;
}

/** Calls the admin API (/-/admin/…) with the session's credentials. */
export function adminFetch<T>(
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown } = {},
): Promise<T> {
  const session = currentSession();
  if (!session) return Promise.reject(new AdminError('NotSignedIn', 'Sign in again.', undefined, 401));
  return signedFetch(cos(), session.token, method, path, options) as Promise<T>;
}

/**
 * Calls a bucket sub-resource the SDK has no method for (Coffer's `GET /<bucket>?usage`), signed like any
 * COS request with the session's credentials, so bucket policies and sub-user policies apply to it.
 */
export function bucketFetch<T>(method: string, bucket: string, query: Record<string, string>): Promise<T> {
  const session = currentSession();
  if (!session) return Promise.reject(new AdminError('NotSignedIn', 'Sign in again.', undefined, 401));
  return signedFetch(cos(), session.token, method, `/${bucket}/`, { query }) as Promise<T>;
}

/**
 * A bucket sub-resource as XML text (`?tagging`, `?referer`, `?object-lock`: the SDK has no method for them):
 * GET answers the document, PUT sends `body`, DELETE removes it. Errors carry the server's Code and RequestId.
 */
export function bucketXml(
  method: 'GET' | 'PUT' | 'DELETE',
  bucket: string,
  subresource: string,
  body?: string,
  /** An object's sub-resource (its `?tagging`) instead of the bucket's. */
  key?: string,
) {
  const session = currentSession();
  if (!session) return Promise.reject(new AdminError('NotSignedIn', 'Sign in again.', undefined, 401));
  return signedFetch(cos(), session.token, method, `/${bucket}/${key ?? ''}`, {
    query: { [subresource]: '' },
    raw: true,
    ...(body !== undefined ? { body } : {}),
  }) as Promise<string>;
}

/**
 * Any signed request to a bucket or object with the session's credentials (Coffer's own `?recycled`, …):
 * the answer's text, or the server's error (Code, Message, RequestId) thrown.
 */
export function bucketRequest(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  bucket: string,
  query: Record<string, string>,
  options: { key?: string; body?: string } = {},
): Promise<string> {
  const session = currentSession();
  if (!session) return Promise.reject(new AdminError('NotSignedIn', 'Sign in again.', undefined, 401));
  return signedFetch(cos(), session.token, method, `/${bucket}/${options.key ?? ''}`, {
    query,
    raw: true,
    ...(options.body !== undefined ? { body: options.body } : {}),
  }) as Promise<string>;
}

interface StsAnswer {
  Credentials: { TmpSecretId: string; TmpSecretKey: string; Token: string };
  StartTime: number;
  ExpiredTime: number;
}

async function exchange(secretId: string, secretKey: string, region: string): Promise<Session> {
  const signer = makeCos({ SecretId: secretId, SecretKey: secretKey });
  const sts = (await signedFetch(signer, undefined, 'POST', '/-/sts', {
    body: { DurationSeconds: DURATION_S },
  })) as StsAnswer;
  const session: Session = {
    tmpSecretId: sts.Credentials.TmpSecretId,
    tmpSecretKey: sts.Credentials.TmpSecretKey,
    token: sts.Credentials.Token,
    startTime: sts.StartTime,
    expiredTime: sts.ExpiredTime,
    signedInAs: secretId,
    isRoot: false,
    region,
  };
  // Root or not: the admin API answers the root only.
  const probe = makeCos({ SecretId: session.tmpSecretId, SecretKey: session.tmpSecretKey });
  session.isRoot = await signedFetch(probe, session.token, 'GET', '/-/admin/users').then(
    () => true,
    () => false,
  );
  return session;
}

function scheduleRenewal(session: Session): void {
  clearTimeout(renewTimer);
  if (!permanent) return;
  const inMs = Math.max(5_000, (session.expiredTime - RENEW_BEFORE_S) * 1000 - Date.now());
  renewTimer = setTimeout(() => {
    if (!permanent) return;
    exchange(permanent.secretId, permanent.secretKey, session.region).then(
      (next) => {
        store(next);
        scheduleRenewal(next);
      },
      () => scheduleRenewal(session),
    );
  }, inMs);
}

/** Exchanges the keys for temporary credentials; rejects with the server's error. */
export async function signIn(secretId: string, secretKey: string, region: string): Promise<Session> {
  const session = await exchange(secretId.trim(), secretKey.trim(), region);
  permanent = { secretId: secretId.trim(), secretKey: secretKey.trim() };
  store(session);
  scheduleRenewal(session);
  return session;
}

/** Forgets the credentials (storage and memory). */
export function signOut(): void {
  permanent = undefined;
  clearTimeout(renewTimer);
  store(undefined);
}
