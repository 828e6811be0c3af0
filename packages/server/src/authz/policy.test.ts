import { S3Error } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, globMatch, type Policy, type PolicyRequest, parsePolicy } from './policy.js';

/**
 * Fuzz-style tests of the policy parser: whatever the document, parsePolicy returns a policy or
 * throws S3Error MalformedPolicy; nothing else (a TypeError or RangeError would be a 500), and a
 * policy it accepts can be evaluated without throwing.
 */

const APPID = '1250000000';
const BUCKET = 'photos-1250000000';
const SCOPE = { bucket: BUCKET, appId: APPID };

/** mulberry32: a small seeded PRNG, so a failure names a reproducible seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COS_BUCKET_POLICY = {
  version: '2.0',
  statement: [
    {
      principal: { qcs: ['qcs::cam::uin/100000000001:uin/100000000002', 'qcs::cam::anyone:anyone'] },
      effect: 'allow',
      action: ['name/cos:GetObject', 'name/cos:HeadObject'],
      resource: [`qcs::cos:ap-guangzhou:uid/${APPID}:${BUCKET}/public/*`],
      condition: { ip_equal: { 'qcs:ip': ['10.0.0.0/8'] }, string_like: { 'cos:prefix': 'a*' } },
    },
  ],
};
const S3_BUCKET_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'public',
      Effect: 'Deny',
      Principal: { AWS: ['arn:aws:iam::100000000001:root', '100000000003'] },
      NotAction: 's3:GetObject',
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: {
        Bool: { 'aws:SecureTransport': 'false' },
        NumericLessThanEquals: { 's3:max-keys': '10' },
        DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
        NotIpAddress: { 'aws:SourceIp': ['192.168.0.0/16', '::1'] },
      },
    },
  ],
};
const IDENTITY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:*'], NotResource: [`arn:aws:s3:::${BUCKET}/secret/*`] },
    {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-acl': 'private' } },
    },
  ],
};

const REQUESTS: PolicyRequest[] = [
  {
    principalId: 'qcs::cam::uin/100000000001:uin/100000000002',
    action: { cos: 'GetObject', s3: 'GetObject' },
    resource: `${BUCKET}/public/a.jpg`,
    bucketLevel: false,
    context: { ip: '10.1.2.3', secure: 'false', 'max-keys': '5', time: '2024-01-01T00:00:00Z', prefix: 'ab' },
  },
  { action: { cos: 'GetBucket', s3: 'ListBucket' }, resource: BUCKET, bucketLevel: true, context: {} },
];

/** Parses, and evaluates what it accepts; returns the error code, or 'ok'. Any non-S3Error escapes. */
function outcome(text: string, kind: 'bucket' | 'identity'): string {
  let policy: Policy;
  try {
    policy = parsePolicy(text, SCOPE, kind);
  } catch (err) {
    if (err instanceof S3Error) return err.code;
    throw new Error(`parsePolicy threw ${String(err)} for ${text.slice(0, 300)}`, { cause: err });
  }
  for (const req of REQUESTS) expect(['allow', 'deny', 'none']).toContain(evaluatePolicy(policy, req));
  return 'ok';
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function randomScalar(r: () => number): Json {
  const pick = Math.floor(r() * 14);
  const values: Json[] = [
    null,
    true,
    false,
    0,
    -1,
    1e308,
    '',
    '*',
    'Allow',
    's3:GetObject',
    'qcs::cam::uin/1:uin/*',
    `arn:aws:s3:::${BUCKET}/*`,
    '\u0000\uFFFF😀',
    'x'.repeat(1 + Math.floor(r() * 5000)),
  ];
  return values[pick]!;
}

function randomValue(r: () => number, depth = 0): Json {
  const roll = r();
  if (depth > 3 || roll < 0.5) return randomScalar(r);
  if (roll < 0.7) return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
  if (roll < 0.8) {
    // Deep nesting: JSON.parse copes, a recursive walk might not (100 000 levels: see the case below).
    let v: Json = 'deep';
    for (let i = 0; i < 500; i++) v = r() < 0.5 ? [v] : { a: v };
    return v;
  }
  const keys = ['Effect', 'Action', 'Resource', 'Principal', 'Condition', 'StringEquals', 'AWS', 'qcs', 'x'];
  return Object.fromEntries(
    Array.from({ length: Math.floor(r() * 3) }, () => [
      keys[Math.floor(r() * keys.length)]!,
      randomValue(r, depth + 1),
    ]),
  );
}

/** Every container and key path in a document. */
function paths(doc: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(doc)) {
    for (const [i, v] of doc.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (doc !== null && typeof doc === 'object')
    for (const [k, v] of Object.entries(doc)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** One random structural mutation: replace, delete, rename, wrap, or turn into a string. */
function mutate(doc: Json, r: () => number): Json {
  const copy = structuredClone(doc);
  const all = paths(copy).filter((p) => p.length > 0);
  if (all.length === 0) return randomValue(r);
  const path = all[Math.floor(r() * all.length)]!;
  let parent: Json = copy;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[step]!;
  const last = path[path.length - 1]!;
  const holder = parent as Record<string | number, Json>;
  const op = Math.floor(r() * 6);
  if (op === 0) holder[last] = randomValue(r);
  else if (op === 1) {
    if (Array.isArray(holder)) holder.splice(last as number, 1);
    else delete holder[last];
  } else if (op === 2 && !Array.isArray(holder)) {
    const value = holder[last]!;
    delete holder[last];
    holder[['Effect', 'Actions', 'NotPrincipal', 'notresource', 'CONDITION', 'Version', ''][Math.floor(r() * 7)]!] =
      value;
  } else if (op === 3) holder[last] = [holder[last]!];
  else if (op === 4) holder[last] = JSON.stringify(holder[last]);
  else holder[last] = { [String(last)]: holder[last]! };
  return copy;
}

/** Text-level damage: truncation, a stray byte, a duplicated span. */
function damage(text: string, r: () => number): string {
  const at = Math.floor(r() * text.length);
  const op = Math.floor(r() * 3);
  if (op === 0) return text.slice(0, at);
  if (op === 1) return text.slice(0, at) + '{}[]",:\\\u0000x'[Math.floor(r() * 11)] + text.slice(at);
  return text.slice(0, at) + text.slice(Math.floor(r() * text.length));
}

describe('parsePolicy under fuzzing', () => {
  const bases: [string, object, 'bucket' | 'identity'][] = [
    ['COS bucket policy', COS_BUCKET_POLICY, 'bucket'],
    ['S3 bucket policy', S3_BUCKET_POLICY, 'bucket'],
    ['identity policy', IDENTITY_POLICY, 'identity'],
  ];

  it.each(bases)('the %s seed documents are valid', (_name, doc, kind) => {
    expect(outcome(JSON.stringify(doc), kind)).toBe('ok');
  });

  it.each(bases)('%s: 1500 random structural mutations give a policy or MalformedPolicy', (_name, doc, kind) => {
    const codes = new Map<string, number>();
    for (let seed = 1; seed <= 1500; seed++) {
      const r = rng(seed * 7919);
      let mutated = doc as Json;
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) mutated = mutate(mutated, r);
      const code = outcome(JSON.stringify(mutated), kind);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect([...codes.keys()].sort()).toEqual(['MalformedPolicy', 'ok']);
    // Most mutations break the document, and the parser notices.
    expect(codes.get('MalformedPolicy')!).toBeGreaterThan(500);
  });

  it.each(bases)('%s: 1500 random text-level damages give a policy or MalformedPolicy', (_name, doc, kind) => {
    const text = JSON.stringify(doc, null, 1);
    for (let seed = 1; seed <= 1500; seed++) {
      const code = outcome(damage(text, rng(seed)), kind);
      expect(['ok', 'MalformedPolicy']).toContain(code);
    }
  });

  it('random values of any type anywhere in a statement: never anything but MalformedPolicy', () => {
    const fields = [
      'Effect',
      'Action',
      'NotAction',
      'Resource',
      'NotResource',
      'Principal',
      'NotPrincipal',
      'Condition',
    ];
    for (let seed = 1; seed <= 2000; seed++) {
      const r = rng(seed);
      const statement: Record<string, Json> = {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Principal: '*',
      };
      statement[fields[Math.floor(r() * fields.length)]!] = randomValue(r);
      const code = outcome(JSON.stringify({ Statement: [statement] }), 'bucket');
      expect(['ok', 'MalformedPolicy']).toContain(code);
    }
  });
});

describe('parsePolicy: malformed documents, case by case', () => {
  const statement = (overrides: Record<string, unknown>, kind: 'bucket' | 'identity' = 'identity') =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          ...(kind === 'bucket' ? { Principal: '*' } : {}),
          ...overrides,
        },
      ],
    });
  const cases: [string, string, 'bucket' | 'identity'][] = [
    ['not JSON', '{"Statement": [', 'identity'],
    ['JSON but not an object', '"policy"', 'identity'],
    ['an array', '[{"Effect":"Allow"}]', 'identity'],
    ['null', 'null', 'identity'],
    ['no statements', '{"Version": "2012-10-17", "Statement": []}', 'identity'],
    ['a statement that is not an object', '{"Statement": ["Allow"]}', 'identity'],
    [
      'an unknown version',
      '{"Version": "2099-01-01", "Statement": [{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      'identity',
    ],
    ['a numeric version', '{"Version": 2, "Statement": [{"Effect":"Allow","Action":"*","Resource":"*"}]}', 'identity'],
    ['Effect of another value', statement({ Effect: 'Permit' }), 'identity'],
    ['Effect as a list', statement({ Effect: ['Allow'] }), 'identity'],
    ['Effect as a number', statement({ Effect: 1 }), 'identity'],
    ['Action as a number', statement({ Action: 42 }), 'identity'],
    ['Action as an object', statement({ Action: { s3: 'GetObject' } }), 'identity'],
    ['an empty Action list', statement({ Action: [] }), 'identity'],
    ['an Action of another service', statement({ Action: 'ec2:RunInstances' }), 'identity'],
    ['both Action and NotAction', statement({ NotAction: 's3:PutObject' }), 'identity'],
    ['neither Action nor NotAction', statement({ Action: undefined }), 'identity'],
    ['Resource as an object', statement({ Resource: { arn: '*' } }), 'identity'],
    ['a Resource of another service', statement({ Resource: 'arn:aws:ec2:::instance/1' }), 'identity'],
    [
      'a COS Resource of another APPID',
      statement({ Resource: `qcs::cos:ap-guangzhou:uid/1300000000:${BUCKET}/*` }),
      'identity',
    ],
    [
      'a bucket policy Resource outside its bucket',
      statement({ Resource: 'arn:aws:s3:::other-1250000000/*' }, 'bucket'),
      'bucket',
    ],
    ['a bucket policy without a Principal', statement({}), 'bucket'],
    ['a Principal that is a plain string', statement({ Principal: 'everyone' }, 'bucket'), 'bucket'],
    ['a Principal of an unknown family', statement({ Principal: { Federated: 'x' } }, 'bucket'), 'bucket'],
    [
      'an AWS user principal by name',
      statement({ Principal: { AWS: 'arn:aws:iam::123:user/alice' } }, 'bucket'),
      'bucket',
    ],
    ['a malformed qcs principal', statement({ Principal: { qcs: 'qcs::cam::uin/abc' } }, 'bucket'), 'bucket'],
    ['an empty principal list', statement({ Principal: { qcs: [] } }, 'bucket'), 'bucket'],
    ['Condition as a list', statement({ Condition: [{ StringEquals: { 'aws:Referer': 'x' } }] }), 'identity'],
    [
      'an unknown condition operator',
      statement({ Condition: { StringSometimes: { 'aws:Referer': 'x' } } }),
      'identity',
    ],
    ['a condition operator mapping to a string', statement({ Condition: { StringEquals: 'x' } }), 'identity'],
    ['a condition with no values', statement({ Condition: { StringEquals: { 'aws:Referer': [] } } }), 'identity'],
    ['a bad IP range', statement({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } }), 'identity'],
    ['an IP that is not one', statement({ Condition: { IpAddress: { 'aws:SourceIp': 'localhost' } } }), 'identity'],
  ];

  it.each(cases)('%s → MalformedPolicy', (_name, text, kind) => {
    expect(outcome(text, kind)).toBe('MalformedPolicy');
  });

  it('a huge document (5000 statements, 1 MB) parses quickly, and evaluates', () => {
    const doc = {
      Statement: Array.from({ length: 5000 }, (_, i) => ({
        Effect: 'Allow',
        Principal: { qcs: [`qcs::cam::uin/1:uin/${i}`] },
        Action: ['s3:GetObject'],
        Resource: [`arn:aws:s3:::${BUCKET}/dir-${i}/*`],
      })),
    };
    const text = JSON.stringify(doc);
    expect(text.length).toBeGreaterThan(1_000_000 / 2);
    const started = performance.now();
    expect(outcome(text, 'bucket')).toBe('ok');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('deeply nested values are refused, not a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`;
    for (const where of ['Action', 'Resource', 'Principal', 'Condition']) {
      const text = `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*","${where}":${deep}}]}`;
      expect(outcome(text, 'bucket'), where).toBe('MalformedPolicy');
    }
    const condition = `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":${deep}}}}]}`;
    expect(outcome(condition, 'identity')).toBe('MalformedPolicy');
  });
});

describe('globMatch', () => {
  /** The obvious (exponential-time) reference: a regular expression. */
  const reference = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[\\s\\S]*')
        .replace(/\?/g, '[\\s\\S]')}$`,
    ).test(value);

  it('agrees with the regular-expression reading on 20 000 random small cases', () => {
    const r = rng(42);
    const pick = (alphabet: string, max: number) =>
      Array.from({ length: Math.floor(r() * max) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const pattern = pick('ab*?/.', 7);
      const value = pick('ab/.', 9);
      expect(globMatch(pattern, value), `${pattern} ~ ${value}`).toBe(reference(pattern, value));
    }
  });

  it('takes linear-ish time on patterns that make a backtracking regex explode', () => {
    const started = performance.now();
    expect(globMatch(`b/${'*a'.repeat(30)}*c`, `b/${'a'.repeat(5000)}`)).toBe(false);
    expect(globMatch(`${'*?'.repeat(50)}x`, 'y'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('object tag condition keys', () => {
  const policy = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
          Condition: { StringEquals: { 's3:ExistingObjectTag/Security': 'public' } },
        },
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
          Condition: { StringEquals: { 'S3:RequestObjectTag/Team': 'blue' } },
        },
      ],
    }),
    SCOPE,
    'bucket',
  );
  const get = (context: Record<string, string>) =>
    evaluatePolicy(policy, {
      action: { cos: 'GetObject', s3: 'GetObject' },
      resource: `${BUCKET}/a`,
      bucketLevel: false,
      context,
    });
  const put = (context: Record<string, string>) =>
    evaluatePolicy(policy, {
      action: { cos: 'PutObject', s3: 'PutObject' },
      resource: `${BUCKET}/a`,
      bucketLevel: false,
      context,
    });

  it("s3:ExistingObjectTag/<key> reads the object's tags; the tag key stays case-sensitive", () => {
    expect(get({ 'existingobjecttag/Security': 'public' })).toBe('allow');
    expect(get({ 'existingobjecttag/Security': 'private' })).toBe('none');
    expect(get({ 'existingobjecttag/security': 'public' })).toBe('none');
    expect(get({})).toBe('none');
  });

  it('s3:RequestObjectTag/<key> reads the tags the request sets', () => {
    expect(put({ 'requestobjecttag/Team': 'blue' })).toBe('allow');
    expect(put({ 'requestobjecttag/Team': 'red' })).toBe('none');
  });
});
