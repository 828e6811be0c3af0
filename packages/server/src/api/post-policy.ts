import {
  cosSignKey,
  S3Error,
  SIGV4_ALGORITHM,
  SIGV4_TERMINATOR,
  signBase64,
  signHex,
  sigV4SigningKey,
} from '@coffer/protocol';
import { type AuthContext, type AuthResult, nodeCrypto, signaturesEqual } from '../auth/index.js';

/**
 * POST Object policies and form signatures: the base64 policy document (expiration + conditions
 * every field must satisfy) and the three ways a form proves who signed it.
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 * COS: https://www.tencentcloud.com/document/product/436/14690 (signature protection)
 */

/** Form fields by lower-cased name (S3 and COS compare field names case-insensitively). */
export type FormFields = ReadonlyMap<string, string>;

type Condition =
  | { op: 'eq' | 'starts-with'; field: string; value: string }
  | { op: 'content-length-range'; min: number; max: number };

export interface PostPolicy {
  expirationMs: number;
  conditions: Condition[];
}

function invalidPolicy(message: string): S3Error {
  return new S3Error('InvalidPolicyDocument', `Invalid Policy: ${message}`);
}

function denied(message: string): S3Error {
  return new S3Error('AccessDenied', `Invalid according to Policy: ${message}`);
}

/** Decodes and validates the `policy` field: JSON with an ISO 8601 `expiration` and a `conditions` array. */
export function parsePostPolicy(base64: string): PostPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = doc as { expiration?: unknown; conditions?: unknown };
  // ISO 8601 in UTC, as S3 and COS document it (`2026-11-21T09:00:00.000Z`): not whatever Date.parse accepts.
  const expirationMs =
    typeof expiration === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/.test(expiration)
      ? Date.parse(expiration)
      : Number.NaN;
  if (Number.isNaN(expirationMs)) throw invalidPolicy(`Invalid 'expiration' value: '${String(expiration)}'`);
  if (!Array.isArray(conditions)) throw invalidPolicy("Policy is missing the 'conditions' array.");
  return { expirationMs, conditions: conditions.flatMap(parseCondition) };
}

function parseCondition(item: unknown): Condition[] {
  if (Array.isArray(item)) {
    const [op, a, b] = item as unknown[];
    const name = typeof op === 'string' ? op.toLowerCase() : '';
    if (name === 'content-length-range' && item.length === 3) {
      const min = Number(a);
      const max = Number(b);
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
        throw invalidPolicy(`Invalid content-length-range: ${JSON.stringify(item)}`);
      }
      return [{ op: 'content-length-range', min, max }];
    }
    if ((name === 'eq' || name === 'starts-with') && item.length === 3 && typeof a === 'string' && a.startsWith('$')) {
      if (typeof b !== 'string') throw invalidPolicy(`Invalid Condition: ${JSON.stringify(item)}`);
      return [{ op: name, field: a.slice(1).toLowerCase(), value: b }];
    }
    throw invalidPolicy(`Invalid Condition: ${JSON.stringify(item)}`);
  }
  if (typeof item === 'object' && item !== null) {
    const entries = Object.entries(item);
    if (entries.length !== 1)
      throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    const [field, value] = entries[0]!;
    if (typeof value !== 'string') throw invalidPolicy(`Invalid Simple-Condition: value must be a string.`);
    return [{ op: 'eq' as const, field: field.toLowerCase(), value }];
  }
  throw invalidPolicy(`Invalid Condition: ${JSON.stringify(item)}`);
}

/** How S3 prints a condition in "Policy Condition failed: …". */
function describe(condition: Condition): string {
  const parts =
    condition.op === 'content-length-range'
      ? [condition.op, condition.min, condition.max]
      : [condition.op, `$${condition.field}`, condition.value];
  return `[${parts.map((p) => JSON.stringify(p)).join(', ')}]`;
}

/** Fields a policy never has to mention: the signature, the policy itself, the file, x-ignore-*. */
const UNCONDITIONED = new Set(['policy', 'x-amz-signature', 'signature', 'awsaccesskeyid', 'file']);

export interface PolicyCheck {
  /** The bucket the form posts to (what a `bucket` condition compares with). */
  bucket: string;
  /** The object key after `${filename}` substitution; a key condition may match either form. */
  finalKey: string;
  /** S3 rule: every field must be named by a condition. COS documents no such rule, and its own examples omit some. */
  requireAllFields: boolean;
}

/**
 * Checks the policy against the form: expiration, each eq / starts-with condition, and that no
 * field escapes the policy (S3 signatures). Returns the content-length-range bounds, which the
 * file's bytes are held to as they stream.
 */
export function checkPostPolicy(
  policy: PostPolicy,
  fields: FormFields,
  check: PolicyCheck,
  nowMs: number,
): { minBytes: number; maxBytes: number } {
  if (nowMs > policy.expirationMs) throw denied('Policy expired.');
  const range = { minBytes: 0, maxBytes: Number.POSITIVE_INFINITY };
  const conditioned = new Set<string>();
  for (const condition of policy.conditions) {
    if (condition.op === 'content-length-range') {
      range.minBytes = Math.max(range.minBytes, condition.min);
      range.maxBytes = Math.min(range.maxBytes, condition.max);
      continue;
    }
    conditioned.add(condition.field);
    const candidates = valuesOf(condition.field, fields, check);
    if (!candidates.some((value) => satisfies(condition, value))) {
      throw denied(`Policy Condition failed: ${describe(condition)}`);
    }
  }
  if (check.requireAllFields) {
    const extra = [...fields.keys()].filter(
      (name) => !UNCONDITIONED.has(name) && !name.startsWith('x-ignore-') && !conditioned.has(name),
    );
    if (extra.length > 0) throw denied(`Extra input fields: ${extra.join(', ')}`);
  }
  return range;
}

/** The values a condition on `field` is tested against (absent fields count as empty). */
function valuesOf(field: string, fields: FormFields, check: PolicyCheck): string[] {
  if (field === 'bucket') return [check.bucket];
  if (field === 'key') return [fields.get('key') ?? '', check.finalKey];
  // COS signs the key time as q-sign-time in its policy examples while the form carries q-key-time.
  if (field === 'q-sign-time') return [fields.get('q-sign-time') ?? fields.get('q-key-time') ?? ''];
  return [fields.get(field) ?? ''];
}

function satisfies(condition: Condition & { op: 'eq' | 'starts-with' }, value: string): boolean {
  if (condition.op === 'eq') return value === condition.value;
  // S3: for Content-Type, starts-with applies to each comma-separated type.
  if (condition.field === 'content-type') return value.split(',').every((v) => v.trim().startsWith(condition.value));
  return value.startsWith(condition.value);
}

/** Who signed a form and with what. */
export type FormSigner = Required<Pick<AuthResult, 'accessKeyId' | 'principal'>> &
  Pick<AuthResult, 'securityToken'> & { kind: 'cos' | 'sigv4' | 'sigv2' };

function missing(name: string): S3Error {
  return new S3Error(
    'InvalidArgument',
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    { details: { ArgumentName: name } },
  );
}

function field(fields: FormFields, name: string): string {
  const value = fields.get(name);
  if (value === undefined || value === '') throw missing(name);
  return value;
}

/**
 * Verifies the form's signature over its policy, in whichever family it uses; undefined when it
 * carries none (an anonymous upload). The signed text is the policy field:
 * - COS: hex HMAC-SHA1(SignKey = hex HMAC-SHA1(SecretKey, q-key-time), hex SHA-1(decoded policy JSON));
 * - SigV4: hex HMAC-SHA256(SigV4 signing key of x-amz-credential's scope, base64 policy);
 * - SigV2: base64 HMAC-SHA1(SecretKey, base64 policy).
 */
export async function verifyFormSignature(fields: FormFields, auth: AuthContext): Promise<FormSigner | undefined> {
  const securityToken = fields.get('x-cos-security-token') ?? fields.get('x-amz-security-token');
  const token = securityToken !== undefined ? { securityToken } : {};
  if (fields.has('q-signature') || fields.has('q-ak')) {
    const algorithm = fields.get('q-sign-algorithm') ?? 'sha1';
    if (algorithm.toLowerCase() !== 'sha1') {
      throw new S3Error('InvalidArgument', `Unsupported q-sign-algorithm "${algorithm}"; only sha1 is supported.`);
    }
    const accessKeyId = field(fields, 'q-ak');
    const keyTime = field(fields, 'q-key-time');
    const signature = field(fields, 'q-signature');
    const policy = field(fields, 'policy');
    const times = /^(\d+);(\d+)$/.exec(keyTime);
    if (!times)
      throw new S3Error('InvalidArgument', `Invalid q-key-time "${keyTime}": expected <start>;<end> in seconds.`);
    const nowMs = auth.nowMs();
    if (nowMs > Number(times[2]) * 1000) {
      throw new S3Error('AccessDenied', 'Request has expired', {
        details: {
          Expires: new Date(Number(times[2]) * 1000).toISOString(),
          ServerTime: new Date(nowMs).toISOString(),
        },
      });
    }
    const credential = await lookup(auth, accessKeyId, securityToken);
    const signKey = cosSignKey(nodeCrypto, credential.secretKey, keyTime);
    const stringToSign = signHex(nodeCrypto.hash('sha1', Buffer.from(policy, 'base64')));
    const expected = signHex(nodeCrypto.hmac('sha1', signKey, stringToSign));
    check(expected, signature.toLowerCase(), accessKeyId);
    return { kind: 'cos', accessKeyId, principal: credential.principal, ...token };
  }
  if (fields.has('x-amz-signature') || fields.has('x-amz-credential')) {
    const algorithm = field(fields, 'x-amz-algorithm');
    if (algorithm !== SIGV4_ALGORITHM) {
      throw new S3Error('InvalidArgument', `Unsupported x-amz-algorithm "${algorithm}"; use ${SIGV4_ALGORITHM}.`);
    }
    const credentialText = field(fields, 'x-amz-credential');
    field(fields, 'x-amz-date');
    const signature = field(fields, 'x-amz-signature');
    const policy = field(fields, 'policy');
    const parts = credentialText.split('/');
    const n = parts.length;
    if (n < 5 || parts[n - 1] !== SIGV4_TERMINATOR || !/^\d{8}$/.test(parts[n - 4]!)) {
      throw new S3Error(
        'InvalidArgument',
        'The x-amz-credential field is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
      );
    }
    const accessKeyId = parts.slice(0, n - 4).join('/');
    const credential = await lookup(auth, accessKeyId, securityToken);
    const signingKey = sigV4SigningKey(nodeCrypto, credential.secretKey, parts[n - 4]!, parts[n - 3]!, parts[n - 2]!);
    const expected = signHex(nodeCrypto.hmac('sha256', signingKey, policy));
    check(expected, signature.toLowerCase(), accessKeyId);
    return { kind: 'sigv4', accessKeyId, principal: credential.principal, ...token };
  }
  if (fields.has('signature') || fields.has('awsaccesskeyid')) {
    const accessKeyId = field(fields, 'awsaccesskeyid');
    const signature = field(fields, 'signature');
    const policy = field(fields, 'policy');
    const credential = await lookup(auth, accessKeyId, securityToken);
    check(signBase64(nodeCrypto.hmac('sha1', credential.secretKey, policy)), signature, accessKeyId);
    return { kind: 'sigv2', accessKeyId, principal: credential.principal, ...token };
  }
  return undefined;
}

/** The key's credential; a temporary key is checked against the form's security token. */
async function lookup(auth: AuthContext, accessKeyId: string, securityToken: string | undefined) {
  const credential = await auth.lookupCredential(accessKeyId, securityToken);
  if (!credential) throw new S3Error('InvalidAccessKeyId', undefined, { details: { AWSAccessKeyId: accessKeyId } });
  return credential;
}

function check(expected: string, provided: string, accessKeyId: string): void {
  if (!signaturesEqual(expected, provided)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      details: { AWSAccessKeyId: accessKeyId, SignatureProvided: provided },
    });
  }
}
