import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { S3Error } from '@coffer/protocol';
import type { ManifestEntry, Sse } from '../stores/types.js';
import type { EngineContext } from './context.js';

/**
 * The four ways a version's bytes can be stored, and the key each is sealed (seal.ts) under:
 * - none: in the clear;
 * - AES256 (SSE-S3 / SSE-COS): under the seal key derived from master.key;
 * - KMS (S3 `aws:kms`, COS `cos/kms`): under a version of a key of the local registry (kms.ts), bound
 *   to the request's encryption context;
 * - customer (SSE-C): under the key the client sends with every request. Coffer never stores it:
 *   the version keeps a random salt and HMAC(check key, salt ‖ key), enough to refuse a wrong key
 *   with S3's 403 and nothing to recover the key from (the check key derives from master.key too).
 * A sealed blob's key is HMAC(root, blob id) (seal.ts), `root` being the key above; a manifest may be
 * shared (zero-copy) only between versions with the same root.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
 */

/** What a write asks for, as the request's headers say it (api/sse-headers.ts parses them). */
export type SseRequest =
  | { kind: 'AES256' }
  | { kind: 'kms'; method: KmsMethod; keyId?: string; context?: string }
  | { kind: 'customer'; key: Buffer };

export type KmsMethod = 'aws:kms' | 'cos/kms';

/** A version's (or an upload's) encryption as stored in its `sse` column. */
export type SseSpec =
  | { kind: 'AES256' }
  | {
      kind: 'kms';
      method: KmsMethod;
      keyId: string;
      version: number;
      /** x-amz-server-side-encryption-context as sent (base64 of a JSON object). */
      context?: string;
    }
  | { kind: 'customer'; salt: string; check: string };

/** How a write seals: what is recorded, and the root key of its blobs' keys. */
export interface Sealing {
  spec: SseSpec;
  sse: Sse;
  root: Buffer;
}

export function encodeSse(spec: SseSpec): Sse {
  return spec.kind === 'AES256' ? 'AES256' : (JSON.stringify(spec) as Sse);
}

export function decodeSse(sse: Sse | undefined): SseSpec | undefined {
  if (sse === undefined) return undefined;
  if (sse === 'AES256') return { kind: 'AES256' };
  return JSON.parse(sse) as SseSpec;
}

function hmac(key: Buffer, ...parts: (string | Buffer)[]): Buffer {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** The root key of a customer key's blobs: never stored, recomputed from the key on each request. */
function customerRoot(key: Buffer): Buffer {
  return hmac(key, 'coffer/sse-c/root');
}

/** The check value kept to recognise a customer key (keyed from master.key, salted per version). */
function customerCheck(ctx: EngineContext, salt: Buffer, key: Buffer): Buffer {
  return hmac(hmac(ctx.sealKey, 'coffer/sse-c/check'), salt, key);
}

async function kmsRoot(ctx: EngineContext, keyId: string, version: number, context: string | undefined) {
  return hmac(await ctx.kms.material(keyId, version), 'coffer/sse-kms/', context ?? '');
}

/** How a new write seals its bytes, from what it asked for; undefined: stored in the clear. */
export async function sealingFor(ctx: EngineContext, request: SseRequest | undefined): Promise<Sealing | undefined> {
  if (request === undefined) return undefined;
  if (request.kind === 'AES256') return { spec: { kind: 'AES256' }, sse: 'AES256', root: ctx.sealKey };
  if (request.kind === 'customer') {
    const salt = randomBytes(16);
    const spec: SseSpec = {
      kind: 'customer',
      salt: salt.toString('base64'),
      check: customerCheck(ctx, salt, request.key).toString('base64'),
    };
    return { spec, sse: encodeSse(spec), root: customerRoot(request.key) };
  }
  const { keyId, version } = await ctx.kms.keyForWrite(request.keyId);
  const spec: SseSpec = {
    kind: 'kms',
    method: request.method,
    keyId,
    version,
    ...(request.context !== undefined ? { context: request.context } : {}),
  };
  return { spec, sse: encodeSse(spec), root: await kmsRoot(ctx, keyId, version, request.context) };
}

/**
 * The root key that unseals a version (or an upload's parts), checking what the request brings:
 * SSE-C needs the customer key (400 without it, 403 for another key), other modes refuse one (400);
 * a KMS key must be enabled (KMS.DisabledException), except for `metadataOnly` (HEAD, which S3
 * answers without asking KMS). Undefined for bytes stored in the clear.
 */
export async function unsealingRoot(
  ctx: EngineContext,
  sse: Sse | undefined,
  customerKey: Buffer | undefined,
  options: { metadataOnly?: boolean; what?: 'object' | 'upload' | 'source' } = {},
): Promise<Buffer | undefined> {
  const spec = decodeSse(sse);
  if (spec?.kind === 'customer') {
    if (customerKey === undefined) {
      throw new S3Error(
        'InvalidRequest',
        options.what === 'upload'
          ? 'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.'
          : options.what === 'source'
            ? 'The source object of the COPY action is encrypted using a customer-provided key: the x-amz-copy-source-server-side-encryption-customer-* headers must name it.'
            : 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
      );
    }
    const expected = Buffer.from(spec.check, 'base64');
    const got = customerCheck(ctx, Buffer.from(spec.salt, 'base64'), customerKey);
    if (!timingSafeEqual(expected, got)) {
      if (options.what === 'upload') {
        throw new S3Error(
          'InvalidRequest',
          'The provided encryption parameters did not match the ones used originally.',
        );
      }
      throw new S3Error(
        'AccessDenied',
        'Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.',
      );
    }
    return customerRoot(customerKey);
  }
  if (customerKey !== undefined) {
    throw new S3Error(
      'InvalidRequest',
      options.what === 'upload'
        ? 'The multipart upload initiate did not request encryption with a customer-provided key.'
        : 'The encryption parameters are not applicable to this object.',
    );
  }
  if (spec === undefined) return undefined;
  if (spec.kind === 'AES256') return ctx.sealKey;
  // HEAD reads no byte: S3 answers it without asking KMS, so a disabled key does not stop it.
  if (options.metadataOnly) return undefined;
  return kmsRoot(ctx, spec.keyId, spec.version, spec.context);
}

/**
 * Whether a manifest of a version sealed under `sourceRoot` can be referenced as it is (zero-copy) by
 * a version or part sealed under `root`: both in the clear, or both sealed under the same root.
 * Otherwise the bytes are rewritten once, as S3 rewrites a copy that changes the encryption.
 */
export function manifestMatches(
  manifest: ManifestEntry[],
  sourceRoot: Buffer | undefined,
  root: Buffer | undefined,
): boolean {
  const sealed = root !== undefined;
  if (!manifest.every((entry) => (entry.sealed === true) === sealed)) return false;
  if (!sealed || manifest.length === 0) return true;
  return sourceRoot !== undefined && sourceRoot.length === root.length && timingSafeEqual(sourceRoot, root);
}
