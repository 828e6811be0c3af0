/**
 * COS.getAuthorization of @coffer/sdk (Node and browser builds) against Tencent's on the test vectors of
 * protocol's sign/cos.test.ts and on generated inputs.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import BrowserCOS from './browser.js';
import COS from './index.js';

const require = createRequire(import.meta.url);
const TencentCOS = require('cos-nodejs-sdk-v5') as { getAuthorization(opts: Record<string, unknown>): string };

/** Vector 1: the example of https://intl.cloud.tencent.com/document/product/436/7778 (Date is not signed). */
const VECTOR_1 = {
  SecretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
  SecretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
  Method: 'put',
  Key: 'exampleobject(腾讯云)',
  KeyTime: '1557989151;1557996351',
  Headers: {
    Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com',
    Date: 'Thu, 16 May 2019 06:45:51 GMT',
    'Content-Type': 'text/plain',
    'Content-Length': '13',
    'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==',
    'x-cos-acl': 'private',
    'x-cos-grant-read': 'uin="100000000011"',
  },
  expected:
    'q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=fc4e4717b501da12715d5fc84a4880a87ad2b7ab',
};

/** Vector 2, from cos-nodejs-sdk-v5 COS.getAuthorization: query parameters, Range, an unsigned User-Agent. */
const VECTOR_2 = {
  SecretId: 'AKIDEXAMPLE',
  SecretKey: 'EXAMPLEKEY',
  Method: 'GET',
  Key: 'dir/hello world.txt',
  KeyTime: '1700000000;1700000900',
  Query: { 'response-content-type': 'text/plain', versionId: 'MTg0NDUxNTc2MzQ5NzE', prefix: 'a/b' },
  Headers: {
    Host: 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com',
    Range: 'bytes=0-9',
    'x-cos-traffic-limit': '819200',
    'User-Agent': 'not-signed',
  },
  expected:
    'q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=1700000000;1700000900&q-key-time=1700000000;1700000900&q-header-list=host;range;x-cos-traffic-limit&q-url-param-list=prefix;response-content-type;versionid&q-signature=f447c6df3411b827570522aab314e1ebd2a75f4d',
};

/** Keys and values that stress the canonical forms: spaces, `!'()*`, UTF-8, '+', '=', '&', mixed case. */
const AWKWARD_KEYS = ['a', 'dir/hello world.txt', "it's (ok)*!", '腾讯云/文件.txt', 'a+b=c&d', 'UPPER/Case.TXT', ''];

function generatedInputs(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let i = 0;
  for (const Key of AWKWARD_KEYS) {
    for (const Method of ['get', 'PUT', 'post', 'delete', 'head']) {
      out.push({
        SecretId: `AKID${i}`,
        SecretKey: `secret-${i}`,
        Method,
        Key,
        KeyTime: `${1700000000 + i};${1700000900 + i}`,
        Query:
          i % 2
            ? { uploadId: `U ${i}`, partNumber: i, 'response-content-disposition': 'attachment; filename="a b"' }
            : {},
        Headers: {
          Host: `bucket${i}-1250000000.cos.ap-beijing.myqcloud.com`,
          'Content-Type': i % 3 ? 'text/plain; charset=utf-8' : undefined,
          'x-cos-meta-Name': `v${i} 腾讯`,
          'Cache-Control': 'no-cache',
          'If-Match': '"abc"',
          'X-Not-Signed': 'x',
        },
      });
      i++;
    }
  }
  return out;
}

describe('COS.getAuthorization', () => {
  it.each([
    ['vector 1', VECTOR_1],
    ['vector 2', VECTOR_2],
  ])('%s matches the reference value and Tencent’s SDK (Node and browser builds)', (_name, { expected, ...input }) => {
    expect(COS.getAuthorization(input)).toBe(expected);
    expect(BrowserCOS.getAuthorization(input)).toBe(expected);
    expect(TencentCOS.getAuthorization(input)).toBe(expected);
  });

  it('matches Tencent’s SDK on 35 generated inputs (awkward keys, query values, signed and unsigned headers)', () => {
    for (const input of generatedInputs()) {
      const tencent = TencentCOS.getAuthorization(input);
      expect(COS.getAuthorization(input as never), JSON.stringify(input)).toBe(tencent);
      expect(BrowserCOS.getAuthorization(input as never), JSON.stringify(input)).toBe(tencent);
    }
  });

  it('signs Host from Bucket and Region like Tencent’s SDK when no Host header is given', () => {
    const input = {
      SecretId: 'AKID',
      SecretKey: 'KEY',
      Bucket: 'b-1250000000',
      Region: 'ap-beijing',
      Key: 'k',
      KeyTime: '1;2',
    };
    expect(COS.getAuthorization(input)).toBe(TencentCOS.getAuthorization(input));
    expect(COS.getAuthorization(input)).toContain('q-header-list=host&');
  });

  it('without KeyTime, the signature starts a second ago and lasts Expires seconds', () => {
    const now = Math.round(Date.now() / 1000);
    const auth = COS.getAuthorization({ SecretId: 'AKID', SecretKey: 'KEY', Key: 'k', Expires: 60 });
    const [start, end] = /q-sign-time=(\d+);(\d+)/.exec(auth)!.slice(1).map(Number);
    expect(Math.abs(start! - (now - 1))).toBeLessThanOrEqual(1);
    expect(end! - start!).toBe(60);
  });
});
