/**
 * Against a tiny fake COS route: restoreObject (POST ?restore: the exact request and COS's answer; against Coffer
 * in sdk-parity.test.ts and archive-restore.test.ts), and the wire form of temporary keys from getAuthorization (sdk-objects.test.ts uses Coffer's own
 * STS). Each call is made through Tencent's cos-nodejs-sdk-v5 and through @coffer/sdk, and the requests on the wire
 * and the results are compared.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import COS from '@coffer/sdk';
import TencentCOS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let port: number;
let captured: Captured[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      // COS answers a restore with 202 Accepted (200 when a restored copy exists), no body.
      const status = req.url?.includes('?restore') ? 202 : 200;
      res.writeHead(status, { 'x-cos-request-id': 'fake-request-id', 'content-length': '0' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  captured = [];
});

const Bucket = 'examplebucket-1250000000';
const Region = 'ap-beijing';

function clients(options: Record<string, unknown> = {}) {
  const common = { Protocol: 'http:' as const, Domain: `127.0.0.1:${port}/{Bucket}`, ...options };
  return {
    tencent: new TencentCOS({ SecretId: 'AKIDEXAMPLE', SecretKey: 'EXAMPLEKEY', ...common }),
    coffer: new COS({ SecretId: 'AKIDEXAMPLE', SecretKey: 'EXAMPLEKEY', ...common }),
  };
}

/** The parts of a request both SDKs must agree on. */
function wire(c: Captured) {
  const auth = new URLSearchParams(c.headers.authorization?.replace(/;/g, '%3B') ?? '');
  return {
    method: c.method,
    url: c.url,
    body: c.body,
    contentType: c.headers['content-type'],
    contentMd5: c.headers['content-md5'],
    signedHeaders: auth.get('q-header-list'),
    signedParams: auth.get('q-url-param-list'),
    ak: auth.get('q-ak'),
    token: c.headers['x-cos-security-token'],
  };
}

describe('restoreObject (COS JS SDK example)', () => {
  it('sends the same POST ?restore as Tencent’s SDK, with a matching Content-MD5, and returns the same result', async () => {
    const { tencent, coffer } = clients();
    const params = () => ({
      Bucket,
      Region,
      Key: 'picture.jpg',
      RestoreRequest: { Days: 1, CASJobParameters: { Tier: 'Expedited' as const } },
    });
    const theirs = await tencent.restoreObject(params());
    const ours = await coffer.restoreObject(params());
    expect(captured).toHaveLength(2);
    const [a, b] = captured.map(wire);
    expect(b).toEqual(a);
    expect(b).toMatchObject({
      method: 'POST',
      url: `/${Bucket}/picture.jpg?restore=`,
      body: '<RestoreRequest><Days>1</Days><CASJobParameters><Tier>Expedited</Tier></CASJobParameters></RestoreRequest>',
      contentType: 'application/xml',
    });
    expect(b!.contentMd5).toBe(createHash('md5').update(b!.body).digest('base64'));
    const strip = ({ headers: { date: _d, ...headers }, ...rest }: { headers: Record<string, unknown> }) => ({
      ...rest,
      headers,
    });
    expect(strip(ours as never)).toEqual(strip(theirs as never));
    expect(ours).toMatchObject({ statusCode: 202, RequestId: 'fake-request-id' });
  });

  it('needs RestoreRequest', async () => {
    const { coffer } = clients();
    await expect(coffer.restoreObject({ Bucket, Region, Key: 'k' } as never)).rejects.toMatchObject({
      message: 'missing param RestoreRequest',
    });
    expect(captured).toHaveLength(0);
  });
});

describe('temporary keys from getAuthorization (STS)', () => {
  it('signs with the temporary key, sends x-cos-security-token, and asks once while the keys are valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    const calls = { tencent: 0, coffer: 0 };
    const provider = (who: 'tencent' | 'coffer') => (_options: unknown, callback: (c: object) => void) => {
      calls[who]++;
      callback({
        TmpSecretId: 'AKIDTEMPORARY',
        TmpSecretKey: 'TEMPORARYKEY',
        SecurityToken: 'session-token',
        StartTime: now - 10,
        ExpiredTime: now + 1800,
      });
    };
    const tencent = new TencentCOS({
      Protocol: 'http:',
      Domain: `127.0.0.1:${port}/{Bucket}`,
      getAuthorization: provider('tencent'),
    } as never);
    const coffer = new COS({
      Protocol: 'http:',
      Domain: `127.0.0.1:${port}/{Bucket}`,
      getAuthorization: provider('coffer'),
    });
    for (const client of [tencent, coffer] as unknown as COS[]) {
      await client.putObject({ Bucket, Region, Key: 'a.txt', Body: 'a' });
      await client.headObject({ Bucket, Region, Key: 'a.txt' });
    }
    expect(calls).toEqual({ tencent: 1, coffer: 1 });
    const [t1, t2, c1, c2] = captured.map(wire);
    expect([c1, c2]).toEqual([t1, t2]);
    expect(c1).toMatchObject({ ak: 'AKIDTEMPORARY', token: 'session-token' });
    // The signature covers the temporary keys' whole validity, as Tencent's SDK signs it.
    expect(captured[2]!.headers.authorization).toContain(`q-sign-time=${now - 10};${now + 1800}`);
  });

  it('rejects malformed credentials before sending', async () => {
    const coffer = new COS({
      Protocol: 'http:',
      Domain: `127.0.0.1:${port}/{Bucket}`,
      getAuthorization: (_o, callback) => callback({ TmpSecretId: 'x', TmpSecretKey: 'y', ExpiredTime: 1 }),
    });
    await expect(coffer.headObject({ Bucket, Region, Key: 'a' })).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'getAuthorization callback params missing "SecurityToken"',
    });
    expect(captured).toHaveLength(0);
  });
});
