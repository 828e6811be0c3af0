import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { S3Error } from '@coffer/protocol';

/**
 * Temporary credentials that need no database row. The session token is
 * `cst1.<claims>.<mac>`: the claims (which key it belongs to, who it acts as, when it expires, the
 * session policy) as base64url JSON, and an HMAC-SHA256 over `cst1.<claims>` with a key derived
 * from master.key. The temporary secret is a second HMAC, of the key id, under another derived
 * key, so the server recomputes it from the id alone. Tokens are URL-safe as they are: the COS SDK
 * appends them to presigned URLs unencoded.
 */
export const TEMPORARY_KEY_PREFIX = 'AKTMP';
const TOKEN_VERSION = 'cst1';
/** Tokens longer than this are refused before any work (a session policy is at most 4 KiB). */
const MAX_TOKEN_CHARS = 8 * 1024;
const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export interface SessionClaims {
  /** The temporary access key id this token belongs to. */
  keyId: string;
  /** The account (root uin) the credentials belong to. */
  accountUin: string;
  /** The user they act as (the account uin itself for the root). */
  uin: string;
  issuedS: number;
  expiresS: number;
  /** The session policy (minified JSON), if the credentials were narrowed by one. */
  policy?: string;
}

/** `AKTMP` + 31 random characters: 36 like a COS SecretId, and never the form of a stored key. */
export function newTemporaryKeyId(): string {
  let id = TEMPORARY_KEY_PREFIX;
  for (const b of randomBytes(31)) id += KEY_ID_ALPHABET[b % KEY_ID_ALPHABET.length];
  return id;
}

export function isTemporaryKeyId(accessKeyId: string): boolean {
  return accessKeyId.startsWith(TEMPORARY_KEY_PREFIX);
}

/** The secret of a temporary key, recomputed from its id. */
export function temporarySecret(secretKey: Buffer, keyId: string): string {
  return createHmac('sha256', secretKey).update(keyId).digest('base64url').slice(0, 40);
}

function mac(tokenKey: Buffer, signed: string): Buffer {
  return createHmac('sha256', tokenKey).update(signed).digest();
}

export function signSessionToken(tokenKey: Buffer, claims: SessionClaims): string {
  const body = Buffer.from(
    JSON.stringify({
      k: claims.keyId,
      a: claims.accountUin,
      u: claims.uin,
      iat: claims.issuedS,
      exp: claims.expiresS,
      ...(claims.policy !== undefined ? { p: claims.policy } : {}),
    }),
  ).toString('base64url');
  const signed = `${TOKEN_VERSION}.${body}`;
  return `${signed}.${mac(tokenKey, signed).toString('base64url')}`;
}

function invalidToken(why?: string): S3Error {
  return new S3Error('InvalidToken', `The provided token is malformed or otherwise invalid${why ? `: ${why}` : ''}.`);
}

/**
 * Checks a token against the key id it came with. InvalidToken when it is not one of ours, was
 * altered, or belongs to another key; ExpiredToken once it has expired.
 */
export function verifySessionToken(tokenKey: Buffer, token: string, keyId: string, nowMs: number): SessionClaims {
  if (token.length > MAX_TOKEN_CHARS) throw invalidToken();
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_VERSION) throw invalidToken();
  // Compared as canonical text, not decoded bytes: base64url decoding ignores the low bits of the
  // last character, so a byte comparison would accept tokens altered there.
  const given = Buffer.from(parts[2]!, 'utf8');
  const expected = Buffer.from(mac(tokenKey, `${parts[0]}.${parts[1]}`).toString('base64url'), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  const { k, a, u, iat, exp, p } = raw;
  if (
    typeof k !== 'string' ||
    typeof a !== 'string' ||
    typeof u !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    (p !== undefined && typeof p !== 'string')
  ) {
    throw invalidToken();
  }
  if (k !== keyId) throw invalidToken(`it belongs to another access key than ${keyId}`);
  if (exp * 1000 <= nowMs) {
    throw new S3Error('ExpiredToken', `The provided token has expired (at ${new Date(exp * 1000).toISOString()}).`);
  }
  return { keyId: k, accountUin: a, uin: u, issuedS: iat, expiresS: exp, ...(p !== undefined ? { policy: p } : {}) };
}
