import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CryptoLike } from './crypto-like.js';
import { parseRawQuery } from './query.js';
import {
  presignV2,
  signV2Headers,
  sigV2CanonicalAmzHeaders,
  sigV2CanonicalResource,
  sigV2Signature,
  sigV2StringToSign,
} from './sigv2.js';

const crypto: CryptoLike = {
  hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
  hash: (alg, data) => createHash(alg).update(data).digest(),
};

/** The AWS RESTAuthentication examples' secret key. */
const DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DOC_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretKey: DOC_SECRET };

describe('SigV2 canonical forms', () => {
  it('canonical amz headers: lower-cased, sorted, repeated values joined, folding unfolded', () => {
    expect(
      sigV2CanonicalAmzHeaders({
        'X-Amz-Meta-ReviewedBy': ['joe@example.com', 'jane@example.com'],
        'x-amz-meta-filechecksum': '0x02661779',
        'x-amz-meta-folded': 'a\r\n  b',
        'Content-Type': 'ignored',
      }),
    ).toBe(
      'x-amz-meta-filechecksum:0x02661779\nx-amz-meta-folded:a b\nx-amz-meta-reviewedby:joe@example.com,jane@example.com\n',
    );
  });

  it('canonical resource keeps only sub-resources, sorted, values decoded, bare when valueless', () => {
    const params = parseRawQuery(
      'uploadId=a%2Bb&prefix=x&partNumber=2&acl&response-content-type=text%2Fplain&x-id=Put',
      {
        plusAsSpace: false,
      },
    );
    expect(sigV2CanonicalResource('/b/k%20y', params)).toBe(
      '/b/k%20y?acl&partNumber=2&response-content-type=text/plain&uploadId=a+b',
    );
    expect(sigV2CanonicalResource('/photos/puppy.jpg', [], 'awsexamplebucket1')).toBe(
      '/awsexamplebucket1/photos/puppy.jpg',
    );
    expect(sigV2CanonicalResource('', [], 'b')).toBe('/b/');
  });
});

describe('AWS RESTAuthentication examples', () => {
  it('GET object (virtual-host bucket)', () => {
    const sts = sigV2StringToSign({
      method: 'GET',
      contentMd5: '',
      contentType: '',
      date: 'Tue, 27 Mar 2007 19:36:42 +0000',
      amzHeaders: '',
      resource: sigV2CanonicalResource('/photos/puppy.jpg', [], 'awsexamplebucket1'),
    });
    expect(sts).toBe('GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg');
    expect(sigV2Signature(crypto, DOC_SECRET, sts)).toBe('qgk2+6Sv9/oM7G3qLEjTH1a1l1g=');
  });

  it('DELETE with x-amz-date (the Date line is empty; x-amz-date is an amz header)', () => {
    const { headers, stringToSign } = signV2Headers(
      {
        method: 'DELETE',
        path: '/johnsmith/photos/puppy.jpg',
        headers: { Host: 's3.us-west-1.amazonaws.com', 'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000' },
      },
      { credentials: DOC_CREDENTIALS, nowMs: 0 },
      crypto,
    );
    expect(stringToSign).toBe('DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg');
    expect(headers['authorization']).toBe('AWS AKIAIOSFODNN7EXAMPLE:R4dJ53KECjStyBO5iTBJZ4XVOaI=');
  });

  it('query-string authentication (Expires in the Date position)', () => {
    const query = presignV2(
      { method: 'GET', path: '/photos/puppy.jpg' },
      { credentials: DOC_CREDENTIALS, bucket: 'johnsmith', expiresAtSeconds: 1175139620 },
      crypto,
    );
    expect(query).toBe(
      'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D',
    );
  });
});

describe('signV2Headers against an independent computation', () => {
  it('PUT with Content-MD5, Content-Type, metadata and a sub-resource', () => {
    const nowMs = Date.UTC(2024, 0, 2, 3, 4, 5);
    const { headers } = signV2Headers(
      {
        method: 'PUT',
        path: '/bucket/a%20b.txt',
        query: 'acl',
        headers: { 'Content-MD5': 'MD5==', 'Content-Type': 'text/plain', 'X-Amz-Meta-B': '2', 'x-amz-meta-a': '1' },
      },
      { credentials: { accessKeyId: 'AK', secretKey: 'SK' }, nowMs },
      crypto,
    );
    const date = 'Tue, 02 Jan 2024 03:04:05 GMT';
    expect(headers['date']).toBe(date);
    const expected = createHmac('sha1', 'SK')
      .update(`PUT\nMD5==\ntext/plain\n${date}\nx-amz-meta-a:1\nx-amz-meta-b:2\n/bucket/a%20b.txt?acl`)
      .digest('base64');
    expect(headers['authorization']).toBe(`AWS AK:${expected}`);
  });
});
