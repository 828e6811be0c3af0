import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  cosEncode,
  cosExpectedSignature,
  cosHttpString,
  cosListedEntries,
  cosNameList,
  cosPairString,
  cosSign,
  cosSignKey,
  cosStringToSign,
  parseCosAuthorization,
} from './cos.js';
import type { CryptoLike } from './crypto-like.js';

const require = createRequire(import.meta.url);
const COS = require('cos-nodejs-sdk-v5') as {
  getAuthorization(opts: Record<string, unknown>): string;
};

const crypto: CryptoLike = {
  hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
  hash: (alg, data) => createHash(alg).update(data).digest(),
};

/**
 * Vector 1: the example of https://intl.cloud.tencent.com/document/product/436/7778 as cos-nodejs-sdk-v5
 * COS.getAuthorization signs it (Date is not whitelisted).
 */
const VECTOR_1 = {
  secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
  secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
  method: 'put',
  pathname: '/exampleobject(腾讯云)',
  keyTime: '1557989151;1557996351',
  headers: {
    Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com',
    Date: 'Thu, 16 May 2019 06:45:51 GMT',
    'Content-Type': 'text/plain',
    'Content-Length': '13',
    'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==',
    'x-cos-acl': 'private',
    'x-cos-grant-read': 'uin="100000000011"',
  },
  signKey: 'eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f',
  httpString:
    'put\n/exampleobject(腾讯云)\n\ncontent-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22\n',
  stringToSign: 'sha1\n1557989151;1557996351\n8435402812d5d25692dfd1871b8a5bb7f5bd3b57\n',
  authorization:
    'q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=fc4e4717b501da12715d5fc84a4880a87ad2b7ab',
};

/** Vector 2, from cos-nodejs-sdk-v5 COS.getAuthorization: query params, Range, an unsigned User-Agent. */
const VECTOR_2 = {
  secretId: 'AKIDEXAMPLE',
  secretKey: 'EXAMPLEKEY',
  method: 'GET',
  pathname: '/dir/hello world.txt',
  keyTime: '1700000000;1700000900',
  query: { 'response-content-type': 'text/plain', versionId: 'MTg0NDUxNTc2MzQ5NzE', prefix: 'a/b' },
  headers: {
    Host: 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com',
    Range: 'bytes=0-9',
    'x-cos-traffic-limit': '819200',
    'User-Agent': 'not-signed',
  },
  signKey: '048adfe647f0b11d193918535fc8bf3013e90332',
  httpString:
    'get\n/dir/hello world.txt\nprefix=a%2Fb&response-content-type=text%2Fplain&versionid=MTg0NDUxNTc2MzQ5NzE\nhost=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com&range=bytes%3D0-9&x-cos-traffic-limit=819200\n',
  stringToSign: 'sha1\n1700000000;1700000900\n4be6aa099cc754122230d65db90a0f217ac8c18e\n',
  authorization:
    'q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=1700000000;1700000900&q-key-time=1700000000;1700000900&q-header-list=host;range;x-cos-traffic-limit&q-url-param-list=prefix;response-content-type;versionid&q-signature=f447c6df3411b827570522aab314e1ebd2a75f4d',
};

/** Names and values that stress the encoder: every `!'()*`, spaces, '+', '%', '=', '&', '~', '_', non-ASCII. */
const AWKWARD_STRINGS = [
  'a b',
  "it's",
  '(paren)',
  'star*',
  'bang!',
  '腾讯云',
  'emoji😀',
  'under_score',
  'tilde~x',
  'plus+sign',
  'eq=sign',
  'amp&sign',
  'pct%41',
  'slash/x',
  'UPPER',
  'mixedCase',
  'back`tick',
  // these three sort differently raw and encoded (the SDK's pair order vs its list order)
  'x_y',
  'x`y',
  'xé',
  'dot.dash-',
  ' lead-and-trail ',
  '',
];

/** Header names the SDK signs, ones it does not, and x-cos-* / x-ci-* lookalikes. */
const HEADER_NAMES = [
  'Host',
  'Content-Type',
  'content-length',
  'Cache-Control',
  'Range',
  'If-Match',
  'Origin',
  'x-cos-meta-a',
  'X-Cos-Meta-Upper',
  'x-cos-acl',
  'x-ci-thing',
  'pic-operations',
  'User-Agent',
  'Date',
  'x-amz-meta-not-cos',
  'Authorization',
];

/** Deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('COS q-sign vectors (COS docs example and cos-nodejs-sdk-v5)', () => {
  for (const [name, v] of [
    ['vector 1', VECTOR_1],
    ['vector 2', VECTOR_2],
  ] as const) {
    it(`${name}: intermediate values and the exact Authorization`, () => {
      expect(cosSignKey(crypto, v.secretKey, v.keyTime)).toBe(v.signKey);
      const auth = cosSign(
        {
          secretId: v.secretId,
          secretKey: v.secretKey,
          method: v.method,
          pathname: v.pathname,
          query: 'query' in v ? v.query : {},
          headers: v.headers,
          keyTime: v.keyTime,
        },
        crypto,
      );
      expect(auth).toBe(v.authorization);
      const parsed = parseCosAuthorization(auth);
      const headers = Object.entries(v.headers).map(([n, value]) => ({ name: n.toLowerCase(), value }));
      const params = Object.entries('query' in v ? v.query : {}).map(([n, value]) => ({ name: n, value }));
      const httpString = cosHttpString({
        method: v.method,
        pathname: v.pathname,
        params: cosListedEntries(parsed.urlParamLists[0]!, params),
        headers: cosListedEntries(parsed.headerList, headers),
      });
      expect(httpString).toBe(v.httpString);
      expect(cosStringToSign(crypto, v.keyTime, httpString)).toBe(v.stringToSign);
    });
  }
});

describe('cosEncode and the canonical lists', () => {
  it("escapes !'()* on top of encodeURIComponent, with upper-case hex", () => {
    expect(cosEncode("a!b'c(d)e*f g/h")).toBe('a%21b%27c%28d%29e%2Af%20g%2Fh');
    expect(cosEncode('腾')).toBe('%E8%85%BE');
  });

  it('sorts the list by encoded name but the SDK pair string by raw name (they differ for `_` vs a backtick)', () => {
    const entries = [
      { name: 'a_', value: '1' },
      { name: 'a`', value: '2' },
    ];
    expect(cosNameList(entries)).toBe('a%60;a_');
    expect(cosPairString(entries, 'sdk')).toBe('a_=1&a%60=2');
    expect(cosPairString(entries, 'encoded')).toBe('a%60=2&a_=1');
  });

  it('a listed name with no value signs as empty', () => {
    expect(cosListedEntries(['x-cos-absent'], [])).toEqual([{ name: 'x-cos-absent', value: '' }]);
  });
});

describe('cosSign matches COS.getAuthorization (cos-nodejs-sdk-v5)', () => {
  it('on randomized keys, queries and headers', () => {
    const rand = prng(20240601);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    for (let i = 0; i < 400; i++) {
      const key = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(AWKWARD_STRINGS)).join('/');
      const query: Record<string, string> = {};
      for (let j = Math.floor(rand() * 4); j > 0; j--) query[pick(AWKWARD_STRINGS) || 'empty'] = pick(AWKWARD_STRINGS);
      const headers: Record<string, string> = {};
      for (let j = Math.floor(rand() * 6); j > 0; j--) {
        // header values on the wire are Latin-1 at best; keep them ASCII like real clients
        headers[pick(HEADER_NAMES)] = pick(AWKWARD_STRINGS).replace(/[^\x20-\x7e]/g, 'x');
      }
      const start = 1_700_000_000 + Math.floor(rand() * 1e6);
      const keyTime = `${start};${start + 900}`;
      const secretKey = 'sk-' + pick(AWKWARD_STRINGS);
      const method = pick(['GET', 'put', 'Post', 'DELETE']);
      const mine = cosSign(
        { secretId: 'AKIDTEST', secretKey, method, pathname: '/' + key, query, headers, keyTime },
        crypto,
      );
      // The SDK drops empty-valued headers before getAuth (getAuthorizationAsync); getAuthorization alone does not.
      const sdkHeaders = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ''));
      const sdk = COS.getAuthorization({
        SecretId: 'AKIDTEST',
        SecretKey: secretKey,
        Method: method,
        Pathname: '/' + key,
        Query: query,
        Headers: sdkHeaders,
        KeyTime: keyTime,
      });
      expect(mine, JSON.stringify({ key, query, headers })).toBe(sdk);
    }
  });

  it('drops empty-valued and non-whitelisted headers', () => {
    const auth = cosSign(
      {
        secretId: 'AK',
        secretKey: 'SK',
        method: 'PUT',
        pathname: '/k',
        headers: { Host: 'h', 'Cache-Control': '', 'Content-Type': '', 'User-Agent': 'ua', 'x-cos-meta-a': 'v' },
        keyTime: '1;2',
      },
      crypto,
    );
    expect(auth).toContain('q-header-list=host;x-cos-meta-a&');
  });

  it('computes keyTime from startTime + expires (default 900 s)', () => {
    const a = cosSign({ secretId: 'AK', secretKey: 'SK', method: 'GET', pathname: 'k', startTime: 100 }, crypto);
    expect(a).toContain('q-sign-time=100;1000&q-key-time=100;1000');
    const b = cosSign(
      { secretId: 'AK', secretKey: 'SK', method: 'GET', pathname: '/k', startTime: 100, expires: 60 },
      crypto,
    );
    expect(b).toContain('q-sign-time=100;160');
  });
});

describe('parseCosAuthorization', () => {
  it('parses the header form', () => {
    const p = parseCosAuthorization(VECTOR_2.authorization);
    expect(p).toMatchObject({
      algorithm: 'sha1',
      accessKeyId: 'AKIDEXAMPLE',
      signTime: '1700000000;1700000900',
      keyTime: '1700000000;1700000900',
      headerList: ['host', 'range', 'x-cos-traffic-limit'],
      urlParamLists: [['prefix', 'response-content-type', 'versionid']],
      signature: 'f447c6df3411b827570522aab314e1ebd2a75f4d',
    });
  });

  it('accepts a %3b-encoded q-url-param-list and ignores non-q items of a presigned query', () => {
    const p = parseCosAuthorization(
      'q-sign-algorithm=sha1&q-ak=AK&q-sign-time=1%3B2&q-key-time=1;2&q-header-list=host&q-url-param-list=prefix%3bresponse-content-type&q-signature=AB&response-content-type=text%2Fplain',
    );
    // One encoded name, or a list encoded once more: both readings are offered, the list among them.
    expect(p.urlParamLists).toContainEqual(['prefix', 'response-content-type']);
    expect(p.signTime).toBe('1;2');
    expect(p.signature).toBe('ab');
  });

  it('offers both readings of a single listed name containing %', () => {
    expect(
      parseCosAuthorization('q-sign-algorithm=sha1&q-ak=A&q-sign-time=1;2&q-url-param-list=a%2520b&q-signature=x')
        .urlParamLists,
    ).toEqual([['a%2520b'], ['a%20b']]);
  });

  it('rejects a missing field or a bad time with AccessDenied', () => {
    expect(() => parseCosAuthorization('q-sign-algorithm=sha1&q-ak=A&q-sign-time=1;2')).toThrowError(
      expect.objectContaining({ code: 'AccessDenied' }),
    );
    expect(() => parseCosAuthorization('q-sign-algorithm=sha1&q-ak=A&q-sign-time=soon&q-signature=x')).toThrowError(
      expect.objectContaining({ code: 'AccessDenied' }),
    );
  });

  it('cosExpectedSignature reproduces the signature from the parsed lists', () => {
    const parsed = parseCosAuthorization(VECTOR_1.authorization);
    const headers = Object.entries(VECTOR_1.headers).map(([name, value]) => ({ name: name.toLowerCase(), value }));
    const sig = cosExpectedSignature(crypto, {
      secretKey: VECTOR_1.secretKey,
      keyTime: parsed.keyTime,
      signTime: parsed.signTime,
      method: 'PUT',
      pathname: VECTOR_1.pathname,
      params: [],
      headers: cosListedEntries(parsed.headerList, headers),
    });
    expect(sig).toBe(parsed.signature);
  });
});

describe('cosSign caches the SignKey without changing a signature', () => {
  const request = (secretKey: string, keyTime: string, pathname: string) => ({
    secretId: 'AKIDcache',
    secretKey,
    method: 'PUT',
    pathname,
    headers: { Host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com', 'Content-Length': 5 },
    keyTime,
  });
  it('signs repeated, interleaved keys and key times exactly as the SDK and the uncached verifier do', () => {
    for (let round = 0; round < 3; round++) {
      for (const secretKey of ['secretA', 'secretB']) {
        for (const keyTime of ['1700000000;1700000900', '1700000001;1700000901']) {
          const pathname = `/f${round}.bin`;
          const auth = cosSign(request(secretKey, keyTime, pathname), crypto);
          const sdk = COS.getAuthorization({
            SecretId: 'AKIDcache',
            SecretKey: secretKey,
            Method: 'PUT',
            Key: pathname.slice(1),
            Headers: { Host: 'b-1250000000.cos.ap-guangzhou.myqcloud.com', 'Content-Length': 5 },
            KeyTime: keyTime,
          });
          expect(auth).toBe(sdk);
          const parsed = parseCosAuthorization(auth);
          const expected = cosExpectedSignature(crypto, {
            secretKey,
            keyTime,
            signTime: keyTime,
            method: 'PUT',
            pathname,
            params: [],
            headers: [
              { name: 'Content-Length', value: '5' },
              { name: 'Host', value: 'b-1250000000.cos.ap-guangzhou.myqcloud.com' },
            ],
          });
          expect(parsed.signature).toBe(expected);
        }
      }
    }
  });
  it('keys the cache by SecretKey: the same KeyTime with another key signs differently', () => {
    const keyTime = '1700000100;1700001000';
    const a = parseCosAuthorization(cosSign(request('secretA', keyTime, '/x'), crypto)).signature;
    const b = parseCosAuthorization(cosSign(request('secretB', keyTime, '/x'), crypto)).signature;
    expect(a).not.toBe(b);
    expect(cosSignKey(crypto, 'secretB', keyTime)).not.toBe(cosSignKey(crypto, 'secretA', keyTime));
  });
});
