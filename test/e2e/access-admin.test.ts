/**
 * The admin API (/-/admin/users, keys, policies) and POST /-/sts over HTTP: shapes, status codes
 * and JSON errors, who may call them, that changes take effect at once, and that secrets are
 * stored sealed with master.key (and survive a restart).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminOk, createSubUser, getSts, rootCreds, send, xmlError } from './helpers/access.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
const bucket = `admin${process.pid}-1250000000`;

beforeAll(async () => {
  t = await startTestServer();
  expect((await send(t, { method: 'PUT', path: `/${bucket}/` }, { kind: 'v4', creds: rootCreds(t) })).status).toBe(200);
  const put = await send(
    t,
    { method: 'PUT', path: `/${bucket}/doc.txt`, body: 'doc' },
    { kind: 'v4', creds: rootCreds(t) },
  );
  expect(put.status).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

/** Asserts a JSON error: status, `error` code, a message and the request id of the response. */
function expectJsonError(
  res: { status: number; json?: unknown; headers: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.json).toMatchObject({
    error: code,
    message: expect.any(String),
    requestId: res.headers['x-cos-request-id'],
  });
}

const READ_DOC = (appId: string) => ({
  version: '2.0',
  statement: [
    { effect: 'allow', action: ['name/cos:GetObject'], resource: [`qcs::cos:ap-guangzhou:uid/${appId}:${bucket}/*`] },
  ],
});

describe('users', () => {
  it('create, list, get and delete; names are unique and validated', async () => {
    const created = await adminOk<Record<string, string>>(t, 201, 'POST', '/admin/users', { name: 'carol' });
    expect(created).toEqual({
      uin: expect.stringMatching(/^\d{12}$/),
      name: 'carol',
      ownerId: `qcs::cam::uin/${t.server.identity.uin}:uin/${created.uin}`,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expectJsonError(await admin(t, 'POST', '/admin/users', { name: 'carol' }), 409, 'UserAlreadyExists');
    for (const body of [{ name: 'white space' }, { name: '' }, {}, { name: 7 }, '[1]', '{not json']) {
      expectJsonError(await admin(t, 'POST', '/admin/users', body), 400, 'InvalidArgument');
    }
    const list = await adminOk<{ users: { name: string }[] }>(t, 200, 'GET', '/admin/users');
    expect(list.users.map((u) => u.name)).toContain('carol');
    expect(await adminOk(t, 200, 'GET', `/admin/users/${created.uin}`)).toEqual({ ...created, keys: [], policies: [] });
    expect((await admin(t, 'DELETE', `/admin/users/${created.uin}`)).status).toBe(204);
    expectJsonError(await admin(t, 'GET', `/admin/users/${created.uin}`), 404, 'NoSuchUser');
    expectJsonError(await admin(t, 'DELETE', `/admin/users/${created.uin}`), 404, 'NoSuchUser');
    expectJsonError(await admin(t, 'POST', '/admin/users/123/keys'), 404, 'NoSuchUser');
  });
});

describe('access keys', () => {
  it('the secret is shown once; keys are listed by id; two per user; deleting one stops it at once', async () => {
    const user = await adminOk<{ uin: string }>(t, 201, 'POST', '/admin/users', { name: 'dave' });
    const key = await adminOk<Record<string, string>>(t, 201, 'POST', `/admin/users/${user.uin}/keys`);
    expect(key).toEqual({
      secretId: expect.stringMatching(/^AKID[A-Za-z0-9]{32}$/),
      secretKey: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      uin: user.uin,
      createdAt: expect.any(String),
    });
    const second = await adminOk<Record<string, string>>(t, 201, 'POST', `/admin/users/${user.uin}/keys`);
    expectJsonError(await admin(t, 'POST', `/admin/users/${user.uin}/keys`), 409, 'LimitExceeded');
    const listed = await admin(t, 'GET', `/admin/users/${user.uin}/keys`);
    expect((listed.json as { keys: { secretId: string }[] }).keys.map((k) => k.secretId).sort()).toEqual(
      [key.secretId, second.secretId].sort(),
    );
    expect(listed.text).not.toContain(key.secretKey);
    expect((await admin(t, 'GET', `/admin/users/${user.uin}`)).text).not.toContain(key.secretKey);

    // The key authenticates (a sub-user without policies is then denied by authorization, not authentication).
    const creds = { accessKeyId: key.secretId!, secretKey: key.secretKey! };
    const asDave = () => send(t, { method: 'GET', path: `/${bucket}/doc.txt` }, { kind: 'cos', creds });
    expect(xmlError((await asDave()).text).code).toBe('AccessDenied');
    expect((await admin(t, 'DELETE', `/admin/keys/${key.secretId}`)).status).toBe(204);
    const after = await asDave();
    expect(after.status).toBe(403);
    expect(xmlError(after.text).code).toBe('InvalidAccessKeyId');
    expectJsonError(await admin(t, 'DELETE', `/admin/keys/${key.secretId}`), 404, 'NoSuchAccessKey');
  });
});

describe('user policies', () => {
  it('attach, list, read back and detach; each change applies to the next request', async () => {
    const erin = await createSubUser(t, 'erin');
    const read = () => send(t, { method: 'GET', path: `/${bucket}/doc.txt` }, { kind: 'v4', creds: erin.creds });
    expect((await read()).status).toBe(403);

    const doc = JSON.stringify(READ_DOC(t.appId), null, 2);
    expect((await admin(t, 'PUT', `/admin/users/${erin.uin}/policies/read-docs`, doc)).status).toBe(204);
    expect((await read()).status).toBe(200);
    const listed = await adminOk<{ policies: { name: string; updatedAt: string }[] }>(
      t,
      200,
      'GET',
      `/admin/users/${erin.uin}/policies`,
    );
    expect(listed.policies).toEqual([{ name: 'read-docs', updatedAt: expect.any(String) }]);
    const got = await admin(t, 'GET', `/admin/users/${erin.uin}/policies/read-docs`);
    expect(got.text).toBe(doc);

    // S3 syntax works as well; an explicit deny in another policy wins.
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }] };
    expect((await admin(t, 'PUT', `/admin/users/${erin.uin}/policies/deny-all`, deny)).status).toBe(204);
    expect((await read()).status).toBe(403);
    expect((await admin(t, 'DELETE', `/admin/users/${erin.uin}/policies/deny-all`)).status).toBe(204);
    expect((await read()).status).toBe(200);
    expect((await admin(t, 'DELETE', `/admin/users/${erin.uin}/policies/read-docs`)).status).toBe(204);
    expect((await read()).status).toBe(403);
    expectJsonError(await admin(t, 'DELETE', `/admin/users/${erin.uin}/policies/read-docs`), 404, 'NoSuchUserPolicy');
    expectJsonError(await admin(t, 'GET', `/admin/users/${erin.uin}/policies/read-docs`), 404, 'NoSuchUserPolicy');
  });

  it("GET Service lists the account's buckets to a sub-user allowed it, and is refused without it", async () => {
    const listAll = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
    };
    const lister = await createSubUser(t, 'lister', { list: listAll });
    const listed = await send(t, { method: 'GET', path: '/' }, { kind: 'v4', creds: lister.creds });
    expect(listed.status).toBe(200);
    // The root's buckets, though the sub-user created none: buckets belong to the account, as in COS.
    expect(listed.text).toContain(`<Name>${bucket}</Name>`);
    const idle = await createSubUser(t, 'idle');
    expect((await send(t, { method: 'GET', path: '/' }, { kind: 'v4', creds: idle.creds })).status).toBe(403);
  });

  it('malformed documents are 400 MalformedPolicy and change nothing', async () => {
    const frank = await createSubUser(t, 'frank');
    const bad = [
      '',
      'not json',
      '[]',
      '{"Statement": []}',
      '{"Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}',
      '{"Statement": [{"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]}',
      '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:ec2:::x"}]}',
      '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Sometimes": {"a": "b"}}}]}',
      `{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Sid": "${'x'.repeat(7000)}"}]}`,
    ];
    for (const doc of bad) {
      expectJsonError(await admin(t, 'PUT', `/admin/users/${frank.uin}/policies/p`, doc), 400, 'MalformedPolicy');
    }
    expect(await adminOk(t, 200, 'GET', `/admin/users/${frank.uin}/policies`)).toEqual({ policies: [] });
    expectJsonError(
      await admin(t, 'PUT', `/admin/users/${frank.uin}/policies/bad%20name`, READ_DOC(t.appId)),
      400,
      'InvalidArgument',
    );
  });
});

describe('who may call the admin API', () => {
  it('only the root (its key, or its STS credentials without a session policy); errors are JSON, authentication errors included', async () => {
    const gina = await createSubUser(t, 'gina', {
      all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    });
    expectJsonError(await admin(t, 'GET', '/admin/users', undefined, gina.creds), 403, 'AccessDenied');
    // The root's STS credentials act as the root (the web console keeps only those); narrowed by a
    // session policy, they are less than the root and refused.
    const rootSts = (await getSts(t, rootCreds(t))).creds;
    expect((await admin(t, 'GET', '/admin/users', undefined, rootSts)).status).toBe(200);
    const narrowed = (
      await getSts(t, rootCreds(t), {
        Policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
      })
    ).creds;
    expectJsonError(await admin(t, 'GET', '/admin/users', undefined, narrowed), 403, 'AccessDenied');
    expectJsonError(await admin(t, 'GET', '/admin/metrics', undefined, gina.creds), 403, 'AccessDenied');
    expectJsonError(await send(t, { method: 'GET', path: '/-/admin/users' }, { kind: 'none' }), 403, 'AccessDenied');
    expectJsonError(
      await admin(t, 'GET', '/admin/users', undefined, { accessKeyId: t.secretId, secretKey: 'wrong' }),
      403,
      'SignatureDoesNotMatch',
    );
    expectJsonError(
      await admin(t, 'GET', '/admin/users', undefined, { accessKeyId: 'AKIDnobody', secretKey: 'x' }),
      403,
      'InvalidAccessKeyId',
    );
    const wrongMethod = await admin(t, 'PATCH', '/admin/users');
    expectJsonError(wrongMethod, 405, 'MethodNotAllowed');
    expect(wrongMethod.headers.allow).toBe('GET, POST');
    expectJsonError(await admin(t, 'GET', '/admin/nothing-here'), 404, 'NotFound');
  });
});

describe('POST /-/sts', () => {
  it('takes JSON or a form, validates duration and policy, and refuses anonymous and temporary callers', async () => {
    const json = await getSts(t, rootCreds(t), { DurationSeconds: 900 });
    expect(json.reply.ExpiredTime - json.reply.StartTime).toBe(900);
    const policy = JSON.stringify(READ_DOC(t.appId));
    const form = await send(
      t,
      {
        method: 'POST',
        path: '/-/sts',
        body: new URLSearchParams({ DurationSeconds: '7200', Policy: policy }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      { kind: 'v4', creds: rootCreds(t) },
    );
    expect(form.status).toBe(200);
    const formReply = form.json as { StartTime: number; ExpiredTime: number; Credentials: { Token: string } };
    expect(formReply.ExpiredTime - formReply.StartTime).toBe(7200);
    // The narrowed credentials read but do not list.
    const narrowed = {
      accessKeyId: (form.json as { Credentials: { TmpSecretId: string } }).Credentials.TmpSecretId,
      secretKey: (form.json as { Credentials: { TmpSecretKey: string } }).Credentials.TmpSecretKey,
      token: formReply.Credentials.Token,
    };
    expect(
      (await send(t, { method: 'GET', path: `/${bucket}/doc.txt` }, { kind: 'cos', creds: narrowed })).status,
    ).toBe(200);
    expect((await send(t, { method: 'GET', path: `/${bucket}/` }, { kind: 'cos', creds: narrowed })).status).toBe(403);

    for (const DurationSeconds of [899, 7201, 1.5, 'soon']) {
      expectJsonError(await admin(t, 'POST', '/sts', { DurationSeconds }), 400, 'InvalidArgument');
    }
    expectJsonError(await admin(t, 'POST', '/sts', { Policy: '{"Statement": 3}' }), 400, 'MalformedPolicy');
    expectJsonError(await admin(t, 'POST', '/sts', { Policy: 42 }), 400, 'MalformedPolicy');
    expectJsonError(await admin(t, 'POST', '/sts', '{oops'), 400, 'InvalidArgument');
    expectJsonError(await admin(t, 'POST', '/sts', '[1]'), 400, 'InvalidArgument');
    expectJsonError(await send(t, { method: 'POST', path: '/-/sts' }, { kind: 'none' }), 403, 'AccessDenied');
    expectJsonError(await admin(t, 'POST', '/sts', {}, json.creds), 403, 'AccessDenied');
    expectJsonError(await admin(t, 'GET', '/sts'), 405, 'MethodNotAllowed');
  });

  it('COFFER_STS_MAX_DURATION (stsMaxDurationSeconds) lowers the limit and the default', async () => {
    const short = await startTestServer({ config: { stsMaxDurationSeconds: '1000' } });
    try {
      const reply = (await getSts(short, rootCreds(short))).reply;
      expect(reply.ExpiredTime - reply.StartTime).toBe(1000);
      const tooLong = await admin(short, 'POST', '/sts', { DurationSeconds: 1001 });
      expectJsonError(tooLong, 400, 'InvalidArgument');
      expect((tooLong.json as { message: string }).message).toContain('900 to 1000');
    } finally {
      await short.close();
    }
  });
});

describe('secrets at rest', () => {
  it('master.key is 32 bytes, mode 0600; no file holds a sub-user secret in clear; keys survive a restart', async () => {
    const fresh = await startTestServer();
    let restarted: TestServer | undefined;
    try {
      const keyFile = await fs.stat(path.join(fresh.dataDir, 'master.key'));
      expect(keyFile.size).toBe(32);
      expect(keyFile.mode & 0o777).toBe(0o600);
      const hal = await createSubUser(fresh, 'hal', { read: READ_DOC(fresh.appId) });
      for (const name of await fs.readdir(fresh.dataDir)) {
        const file = path.join(fresh.dataDir, name);
        if (!(await fs.stat(file)).isFile()) continue;
        expect((await fs.readFile(file)).includes(hal.creds.secretKey), name).toBe(false);
      }
      await fresh.server.close();
      restarted = await startTestServer({ dataDir: fresh.dataDir });
      const res = await send(restarted, { method: 'GET', path: '/' }, { kind: 'v4', creds: hal.creds });
      expect(xmlError(res.text).code).not.toBe('InvalidAccessKeyId');
      expect((await admin(restarted, 'GET', `/admin/users/${hal.uin}/keys`)).json).toEqual({
        keys: [{ secretId: hal.creds.accessKeyId, createdAt: expect.any(String) }],
      });
    } finally {
      if (restarted) await restarted.close();
      else await fresh.close();
    }
  });
});
