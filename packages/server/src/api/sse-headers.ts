import { createHash } from 'node:crypto';
import { S3Error } from '@coffer/protocol';
import { parseSse } from '../engine/encryption.js';
import { decodeSse, type SseRequest } from '../engine/sse.js';
import type { RequestContext } from '../http-kit/request-context.js';
import type { Sse } from '../stores/types.js';

/**
 * The encryption headers of requests and responses, in both families (x-amz-…, x-cos-…):
 * x-amz-server-side-encryption (AES256, aws:kms; COS: AES256, cos/kms) with
 * x-amz-server-side-encryption-aws-kms-key-id / x-cos-server-side-encryption-cos-kms-key-id and
 * -context; SSE-C's -customer-algorithm, -customer-key, -customer-key-MD5, and their
 * x-amz-copy-source-… forms naming a copy source's key. Errors are S3's (400, 403 for a wrong key).
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html ;
 * COS: https://www.tencentcloud.com/document/product/436/7749 (PUT Object, its SSE headers)
 */

/** An SSE-C key as a request sends it, checked against its MD5. */
export interface CustomerKey {
  key: Buffer;
  /** base64 MD5 of the key, as sent: echoed in the response. */
  md5: string;
}

const SSE_C_NEEDS = 'Requests specifying Server Side Encryption with Customer provided keys must provide';

/**
 * The SSE-C key of a request (`prefix` '') or of its copy source (`prefix` 'copy-source-'), or
 * undefined when none of its three headers is present.
 */
export function readCustomerKey(ctx: RequestContext, prefix: '' | 'copy-source-' = ''): CustomerKey | undefined {
  return customerKeyOf((name) => ctx.vendorHeader(name), prefix);
}

/**
 * Where the encryption headers are read from: `vendor('server-side-encryption')` answers the
 * x-cos- or x-amz- form, `exact(name)` one full name (request headers, or POST form fields).
 */
export interface SseFields {
  vendor(name: string): string | undefined;
  exact(name: string): string | undefined;
}

/** The SSE-C header names (without x-amz-/x-cos-) for a request and for a copy source, made once. */
const CUSTOMER_KEY_NAMES = {
  '': customerKeyNames(''),
  'copy-source-': customerKeyNames('copy-source-'),
};

function customerKeyNames(prefix: '' | 'copy-source-') {
  const name = (n: string) => `${prefix}server-side-encryption-customer-${n}`;
  return { algorithm: name('algorithm'), key: name('key'), keyMd5: name('key-md5') };
}

function customerKeyOf(vendor: SseFields['vendor'], prefix: '' | 'copy-source-'): CustomerKey | undefined {
  const names = CUSTOMER_KEY_NAMES[prefix];
  const name = (n: string) => `${prefix}server-side-encryption-customer-${n}`;
  const algorithm = vendor(names.algorithm);
  const keyText = vendor(names.key);
  const md5 = vendor(names.keyMd5);
  if (algorithm === undefined && keyText === undefined && md5 === undefined) return undefined;
  const argument = (n: string, value: string | undefined) => ({
    details: { ArgumentName: `x-amz-${name(n)}`, ArgumentValue: value ?? 'null' },
  });
  if (algorithm === undefined) {
    throw new S3Error(
      'InvalidArgument',
      `${SSE_C_NEEDS} a valid encryption algorithm.`,
      argument('algorithm', algorithm),
    );
  }
  if (algorithm !== 'AES256') {
    throw new S3Error(
      'InvalidEncryptionAlgorithmError',
      'The Encryption request you specified is not valid. Supported value: AES256.',
      argument('algorithm', algorithm),
    );
  }
  if (keyText === undefined || keyText === '') {
    throw new S3Error('InvalidArgument', `${SSE_C_NEEDS} an appropriate secret key.`, argument('key', undefined));
  }
  const key = Buffer.from(keyText, 'base64');
  if (key.length !== 32 || key.toString('base64') !== keyText.replace(/=+$/, '').padEnd(44, '=')) {
    // The key itself is never echoed back.
    throw new S3Error(
      'InvalidArgument',
      'The secret key was invalid for the specified algorithm.',
      argument('key', ''),
    );
  }
  if (md5 === undefined || md5 === '') {
    throw new S3Error(
      'InvalidArgument',
      `${SSE_C_NEEDS} the client calculated MD5 of the secret key.`,
      argument('key-MD5', undefined),
    );
  }
  if (createHash('md5').update(key).digest('base64') !== md5) {
    throw new S3Error(
      'InvalidArgument',
      'The calculated MD5 hash of the key did not match the hash that was provided.',
      argument('key-MD5', md5),
    );
  }
  return { key, md5 };
}

/** The encryption a write asks for: x-amz-/x-cos-server-side-encryption with its KMS headers, or SSE-C. */
export function readSseRequest(ctx: RequestContext): SseRequest | undefined {
  return sseRequestOf({ vendor: (name) => ctx.vendorHeader(name), exact: (name) => ctx.header(name) });
}

/**
 * The encryption a POST Object form asks for: the same names as PUT Object's headers, as form
 * fields (S3 POST Object: x-amz-server-side-encryption, -aws-kms-key-id, -context, and SSE-C's
 * -customer-algorithm, -customer-key, -customer-key-MD5; COS the x-cos- forms). Like every other
 * field, a signed form's policy must name them (post-policy.ts).
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html ;
 * COS: https://www.tencentcloud.com/document/product/436/14690
 */
export function formSseRequest(fields: ReadonlyMap<string, string>): SseRequest | undefined {
  return sseRequestOf({
    vendor: (name) => fields.get(`x-cos-${name}`) ?? fields.get(`x-amz-${name}`),
    exact: (name) => fields.get(name),
  });
}

/** The SSE-C key MD5 a form sent (echoed in the response). */
export function formCustomerKeyMd5(fields: ReadonlyMap<string, string>): string | undefined {
  return customerKeyOf((name) => fields.get(`x-cos-${name}`) ?? fields.get(`x-amz-${name}`), '')?.md5;
}

function sseRequestOf(fields: SseFields): SseRequest | undefined {
  const methodText = fields.vendor('server-side-encryption');
  const method = parseSse(methodText, 'x-amz-server-side-encryption');
  const keyId =
    fields.exact('x-amz-server-side-encryption-aws-kms-key-id') ??
    fields.exact('x-cos-server-side-encryption-cos-kms-key-id');
  const context = fields.vendor('server-side-encryption-context');
  const customer = customerKeyOf(fields.vendor, '');
  if (customer !== undefined) {
    if (method !== undefined) {
      throw new S3Error(
        'InvalidArgument',
        'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
        { details: { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: methodText } },
      );
    }
    return { kind: 'customer', key: customer.key };
  }
  if (method !== 'aws:kms' && method !== 'cos/kms') {
    // A KMS key id or context with another method (or none) is a contradiction S3 answers with 400.
    for (const [header, value] of [
      ['x-amz-server-side-encryption-aws-kms-key-id', keyId],
      ['x-amz-server-side-encryption-context', context],
    ] as const) {
      if (value !== undefined) {
        throw new S3Error(
          'InvalidArgument',
          `${header} is only valid with the server-side encryption method aws:kms${method ? `, not ${method}` : ''}.`,
          { details: { ArgumentName: header, ArgumentValue: value } },
        );
      }
    }
    return method === 'AES256' ? { kind: 'AES256' } : undefined;
  }
  if (context !== undefined) checkContext(context);
  return {
    kind: 'kms',
    method,
    ...(keyId !== undefined && keyId !== '' ? { keyId } : {}),
    ...(context !== undefined ? { context } : {}),
  };
}

/** x-amz-server-side-encryption-context: base64 of a JSON object of strings. */
function checkContext(value: string): void {
  let ok = false;
  try {
    const doc: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    ok =
      typeof doc === 'object' &&
      doc !== null &&
      !Array.isArray(doc) &&
      Object.values(doc).every((v) => typeof v === 'string');
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new S3Error(
      'InvalidArgument',
      "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map",
      { details: { ArgumentName: 'x-amz-server-side-encryption-context', ArgumentValue: value } },
    );
  }
}

/**
 * The encryption headers of a response about a version or upload stored with `sse`: the method (and
 * KMS key) in both families; for SSE-C the algorithm and the MD5 of the key the request sent; the
 * KMS encryption context on writes (`withContext`), as S3 returns it on PUT, copy and Initiate.
 */
export function sseHeaders(
  ctx: RequestContext,
  sse: Sse | undefined,
  options: { customerKeyMd5?: string | undefined; withContext?: boolean } = {},
): Record<string, string> {
  const spec = decodeSse(sse);
  if (spec === undefined) return {};
  if (spec.kind === 'AES256') {
    return { 'x-cos-server-side-encryption': 'AES256', 'x-amz-server-side-encryption': 'AES256' };
  }
  if (spec.kind === 'customer') {
    return {
      'x-cos-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      ...(options.customerKeyMd5 !== undefined
        ? {
            'x-cos-server-side-encryption-customer-key-md5': options.customerKeyMd5,
            'x-amz-server-side-encryption-customer-key-md5': options.customerKeyMd5,
          }
        : {}),
    };
  }
  return {
    'x-cos-server-side-encryption': 'cos/kms',
    'x-amz-server-side-encryption': 'aws:kms',
    'x-cos-server-side-encryption-cos-kms-key-id': spec.keyId,
    'x-amz-server-side-encryption-aws-kms-key-id': ctx.engine.kms.arn(spec.keyId),
    ...(options.withContext && spec.context !== undefined
      ? { 'x-amz-server-side-encryption-context': spec.context, 'x-cos-server-side-encryption-context': spec.context }
      : {}),
  };
}
