import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { Readable } from 'node:stream';
import { TEST_DOMAIN, TEST_REGION, type TestServer } from './server.js';

/**
 * Builds and sends POST Object form uploads the way browsers do (multipart/form-data, fields
 * first, the file last) and signs their policies in the three families: COS q-sign, SigV4, SigV2.
 * The signing here is written from the COS and S3 documents, independently of the server's code.
 */

export type Fields = [name: string, value: string][];

export interface FormFile {
  /** The part's field name; `file` unless a test wants otherwise. */
  field?: string;
  filename?: string;
  contentType?: string;
  content: Buffer | string;
}

/** The variable a key field may contain, replaced by the uploaded file's name. */
export const FILENAME_VARIABLE = '$' + '{filename}';

const BOUNDARY = '----CofferFormBoundary7MA4YWxkTrZu0gW';
export const FORM_CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function fieldPart(name: string, value: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

/** The bytes before a file's content: every field, then the file part's headers. */
export function formHead(fields: Fields, file: Omit<FormFile, 'content'>): Buffer {
  const filename = file.filename !== undefined ? `; filename="${file.filename}"` : '';
  const type = file.contentType !== undefined ? `\r\nContent-Type: ${file.contentType}` : '';
  return Buffer.from(
    fields.map(([n, v]) => fieldPart(n, v)).join('') +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"${filename}${type}\r\n\r\n`,
  );
}

/** The bytes after a file's content: its delimiter, any trailing fields, the closing delimiter. */
export function formTail(trailing: Fields = []): Buffer {
  return Buffer.from(`\r\n${trailing.map(([n, v]) => fieldPart(n, v)).join('')}--${BOUNDARY}--\r\n`);
}

export function formBody(fields: Fields, file: FormFile | undefined, trailing: Fields = []): Buffer {
  if (!file) return Buffer.from(fields.map(([n, v]) => fieldPart(n, v)).join('') + `--${BOUNDARY}--\r\n`);
  return Buffer.concat([formHead(fields, file), Buffer.from(file.content), formTail(trailing)]);
}

/** A policy document: expiration in `expiresInMs` (negative = already expired), plus conditions. */
export function policyDoc(
  conditions: unknown[],
  expiresInMs = 3_600_000,
): { expiration: string; conditions: unknown[] } {
  return { expiration: new Date(Date.now() + expiresInMs).toISOString(), conditions };
}

const base64 = (doc: object) => Buffer.from(JSON.stringify(doc)).toString('base64');

/** COS: q-signature = HMAC-SHA1(SignKey, SHA1(policy JSON)), SignKey = HMAC-SHA1(SecretKey, q-key-time), hex. */
export function cosSignedFields(
  t: TestServer,
  doc: { expiration: string; conditions: unknown[] },
  options: { secretKey?: string; keyTime?: string } = {},
): Fields {
  const now = Math.floor(Date.now() / 1000);
  const keyTime = options.keyTime ?? `${now - 60};${now + 3600}`;
  const policy = JSON.stringify({
    ...doc,
    conditions: [...doc.conditions, { 'q-sign-algorithm': 'sha1' }, { 'q-ak': t.secretId }, { 'q-sign-time': keyTime }],
  });
  const signKey = createHmac('sha1', options.secretKey ?? t.secretKey)
    .update(keyTime)
    .digest('hex');
  const stringToSign = createHash('sha1').update(policy).digest('hex');
  const signature = createHmac('sha1', signKey).update(stringToSign).digest('hex');
  return [
    ['policy', Buffer.from(policy).toString('base64')],
    ['q-sign-algorithm', 'sha1'],
    ['q-ak', t.secretId],
    ['q-key-time', keyTime],
    ['q-signature', signature],
  ];
}

/** SigV4: x-amz-signature = hex HMAC-SHA256(signing key, base64 policy); the policy names the x-amz-* fields. */
export function sigV4SignedFields(
  t: TestServer,
  doc: { expiration: string; conditions: unknown[] },
  options: { secretKey?: string } = {},
): Fields {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const date = amzDate.slice(0, 8);
  const credential = `${t.secretId}/${date}/${TEST_REGION}/s3/aws4_request`;
  const policy = base64({
    ...doc,
    conditions: [
      ...doc.conditions,
      { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
      { 'x-amz-credential': credential },
      { 'x-amz-date': amzDate },
    ],
  });
  let key: Buffer = createHmac('sha256', `AWS4${options.secretKey ?? t.secretKey}`)
    .update(date)
    .digest();
  for (const part of [TEST_REGION, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return [
    ['policy', policy],
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', credential],
    ['x-amz-date', amzDate],
    ['x-amz-signature', createHmac('sha256', key).update(policy).digest('hex')],
  ];
}

/** SigV2: Signature = base64 HMAC-SHA1(SecretKey, base64 policy). */
export function sigV2SignedFields(t: TestServer, doc: { expiration: string; conditions: unknown[] }): Fields {
  const policy = base64(doc);
  return [
    ['AWSAccessKeyId', t.secretId],
    ['policy', policy],
    ['Signature', createHmac('sha1', t.secretKey).update(policy).digest('base64')],
  ];
}

export interface FormResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * POSTs a form body (bytes, or a stream sent with backpressure) to a bucket: path style on
 * 127.0.0.1, or virtual-host style (`Host: <bucket>.cos.localhost`).
 */
export function postForm(
  t: TestServer,
  bucket: string,
  body: Buffer | Readable,
  options: { style?: 'path' | 'virtual'; headers?: Record<string, string>; contentLength?: number } = {},
): Promise<FormResponse> {
  const virtual = options.style === 'virtual';
  const length = Buffer.isBuffer(body) ? body.length : options.contentLength;
  const headers: Record<string, string> = {
    host: virtual ? `${bucket}.${TEST_DOMAIN}:${t.port}` : `127.0.0.1:${t.port}`,
    'content-type': FORM_CONTENT_TYPE,
    ...(length !== undefined ? { 'content-length': String(length) } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: t.port, method: 'POST', path: virtual ? '/' : `/${bucket}`, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** One element's text in an XML response, entities decoded. */
export function xmlText(text: string, name: string): string | undefined {
  const raw = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  return raw?.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);
}
