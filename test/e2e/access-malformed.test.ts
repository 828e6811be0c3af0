/**
 * Malformed policies and ACLs through the HTTP API (a sample of what the parser fuzz tests in
 * packages/server/src/authz cover): PUT ?policy, PUT ?acl (body and headers), user policies and STS
 * session policies are refused with 400 and a documented code, never a 500; and a policy pattern that
 * would make a backtracking matcher explode does not stall the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createSubUser, rootCreds, send, xmlError } from './helpers/access.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
const bucket = `malformed${process.pid}-1250000000`;
const put = (query: string, body: string, headers: Record<string, string> = {}) =>
  send(
    t,
    { method: 'PUT', path: `/${bucket}/`, query: { [query]: '' }, body, headers },
    { kind: 'v4', creds: rootCreds(t) },
  );

beforeAll(async () => {
  t = await startTestServer();
  expect((await send(t, { method: 'PUT', path: `/${bucket}/` }, { kind: 'v4', creds: rootCreds(t) })).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

const resource = () => `arn:aws:s3:::${bucket}/*`;
const POLICIES: [string, () => string][] = [
  ['not JSON', () => '{"Statement": ['],
  ['empty', () => '   '],
  ['a JSON list', () => '[]'],
  [
    'no Principal',
    () => JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resource() }] }),
  ],
  [
    'Effect as a list',
    () =>
      JSON.stringify({
        Statement: [{ Effect: ['Allow'], Principal: '*', Action: 's3:GetObject', Resource: resource() }],
      }),
  ],
  [
    'an unknown operator',
    () =>
      JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: resource(),
            Condition: { Maybe: { 'aws:Referer': 'x' } },
          },
        ],
      }),
  ],
  [
    'a bad principal',
    () =>
      JSON.stringify({
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:GetObject', Resource: resource() }],
      }),
  ],
  [
    'a resource in another bucket',
    () =>
      JSON.stringify({
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::elsewhere-1250000000/*' },
        ],
      }),
  ],
  [
    'a deeply nested condition value',
    () =>
      `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"${resource()}","Condition":{"StringEquals":{"k":${'['.repeat(9000)}"x"${']'.repeat(9000)}}}}]}`,
  ],
  [
    'a number where strings go',
    () => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 7, Resource: resource() }] }),
  ],
];

describe('PUT ?policy', () => {
  it.each(POLICIES)('%s → 400 MalformedPolicy', async (_name, doc) => {
    const res = await put('policy', doc(), { 'content-type': 'application/json' });
    expect({ status: res.status, code: xmlError(res.text).code }).toEqual({ status: 400, code: 'MalformedPolicy' });
  });

  it('over 20 KB → 400 (MaxMessageLengthExceeded), not a 500', async () => {
    const res = await put('policy', `{"Statement":[],"x":"${'a'.repeat(21 * 1024)}"}`);
    expect(res.status).toBe(400);
    expect(xmlError(res.text).code).toBe('MaxMessageLengthExceeded');
  });

  it('a pathological wildcard pattern is matched in linear time', async () => {
    const doc = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/${'*a'.repeat(40)}*c`,
        },
      ],
    });
    expect((await put('policy', doc)).status).toBe(204);
    const started = performance.now();
    const res = await send(t, { method: 'GET', path: `/${bucket}/${'a'.repeat(900)}` }, { kind: 'none' });
    expect(res.status).toBe(403);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(
      (
        await send(
          t,
          { method: 'DELETE', path: `/${bucket}/`, query: { policy: '' } },
          { kind: 'v4', creds: rootCreds(t) },
        )
      ).status,
    ).toBe(204);
  });
});

const grant = (permission: string, grantee = '<ID>100000000002</ID>') =>
  `<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee>${grantee}</Grantee><Permission>${permission}</Permission></Grant></AccessControlList></AccessControlPolicy>`;
const ACLS: [string, string, Record<string, string>, string][] = [
  ['not XML', '{"acl":"private"}', {}, 'MalformedACLError'],
  ['truncated', grant('READ').slice(0, 60), {}, 'MalformedACLError'],
  ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY a "b">]>${grant('READ')}`, {}, 'MalformedACLError'],
  [
    'no AccessControlList',
    '<AccessControlPolicy><Owner><ID>x</ID></Owner></AccessControlPolicy>',
    {},
    'MalformedACLError',
  ],
  ['an unknown permission', grant('EVERYTHING'), {}, 'MalformedACLError'],
  ['an unknown group', grant('READ', '<URI>http://example.com/all</URI>'), {}, 'MalformedACLError'],
  ['a repeated Permission', grant('READ</Permission><Permission>WRITE'), {}, 'MalformedXML'],
  ['a body and a canned header', grant('READ'), { 'x-cos-acl': 'private' }, 'UnexpectedContent'],
  ['an unknown canned ACL', '', { 'x-cos-acl': 'everyone-everything' }, 'InvalidArgument'],
  ['a canned ACL and grant headers', '', { 'x-cos-acl': 'private', 'x-cos-grant-read': 'id="1"' }, 'InvalidRequest'],
  ['an unparseable grant header', '', { 'x-cos-grant-read': 'whoever' }, 'InvalidArgument'],
];

describe('PUT ?acl', () => {
  it.each(ACLS)('%s → 400 %s', async (_name, body, headers, code) => {
    const res = await put('acl', body, headers);
    expect({ status: res.status, code: xmlError(res.text).code }).toEqual({ status: 400, code });
  });
});

describe('identity and session policies', () => {
  const IDENTITY: [string, string][] = [
    ['not JSON', '{"Statement": ['],
    ['no statements', '{"Version": "2012-10-17", "Statement": []}'],
    ['Effect as a list', JSON.stringify({ Statement: [{ Effect: ['Allow'], Action: 's3:GetObject', Resource: '*' }] })],
    [
      'an unknown operator',
      JSON.stringify({
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Maybe: { k: 'v' } } }],
      }),
    ],
    [
      'an action of another service',
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'cvm:RunInstances', Resource: '*' }] }),
    ],
    [
      'a resource of another APPID',
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'qcs::cos:ap-guangzhou:uid/1:b-1/*' }] }),
    ],
    // 2900 levels: inside the 6 KiB a user policy may have.
    [
      'a deeply nested condition value',
      `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":${'['.repeat(2900)}"x"${']'.repeat(2900)}}}}]}`,
    ],
  ];

  it.each(IDENTITY)('%s: PUT user policy and POST /-/sts → 400 MalformedPolicy (JSON)', async (_name, text) => {
    const user = await createSubUser(t, `m${Math.floor(Math.random() * 1e9)}`);
    const attached = await admin(t, 'PUT', `/admin/users/${user.uin}/policies/p`, text);
    expect([attached.status, attached.json]).toEqual([400, expect.objectContaining({ error: 'MalformedPolicy' })]);
    const sts = await admin(t, 'POST', '/sts', { Policy: text });
    expect([sts.status, sts.json]).toEqual([400, expect.objectContaining({ error: 'MalformedPolicy' })]);
  });
});
