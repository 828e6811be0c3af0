/**
 * Authentication as cos-nodejs-sdk-v5 meets it: wrong keys, and clock skew, which the SDK corrects
 * by itself from the server's Date header when the server answers RequestTimeTooSkewed or
 * AccessDenied "Request has expired" (COS API FAQ, https://intl.cloud.tencent.com/document/product/436/10687).
 */
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { COS_MODES, cosError, expectCosError, REGION, recordRequests } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const HOUR_MS = 3_600_000;

/** The SDK's live options (not in its typings); it adjusts SystemClockOffset itself. */
function sdkOptions(cos: COS): { SystemClockOffset: number } {
  return (cos as unknown as { options: { SystemClockOffset: number } }).options;
}

describe('cos-nodejs-sdk-v5 credentials', () => {
  let t: TestServer;
  const Bucket = 'auth-1250000000';
  beforeAll(async () => {
    t = await startTestServer();
    await t.cos('path').putBucket({ Bucket, Region: REGION });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(COS_MODES)('a wrong SecretKey is 403 SignatureDoesNotMatch (%s style)', async (mode) => {
    // Change the last character to one it is not (a generated key may already end in any letter).
    const last = t.secretKey.slice(-1);
    const cos = t.cos(mode, { SecretKey: `${t.secretKey.slice(0, -1)}${last === 'x' ? 'y' : 'x'}` });
    const err = await cosError(cos.putObject({ Bucket, Region: REGION, Key: 'k.txt', Body: 'x' }));
    expectCosError(err, { statusCode: 403, code: 'SignatureDoesNotMatch', resource: `${Bucket}/k.txt` });
    const head = await cosError(t.cos(mode).headObject({ Bucket, Region: REGION, Key: 'k.txt' }));
    expect(head.statusCode).toBe(404);
  });

  it.each(COS_MODES)('an unknown SecretId is 403 InvalidAccessKeyId (%s style)', async (mode) => {
    const cos = t.cos(mode, { SecretId: 'AKIDunknownunknownunknownunknown00' });
    const err = await cosError(cos.getBucket({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 403, code: 'InvalidAccessKeyId', resource: Bucket });
  });

  it('a wrong SecretKey on getService is 403 SignatureDoesNotMatch with Resource "/"', async () => {
    const err = await cosError(t.cos('path', { SecretKey: 'wrong' }).getService({}));
    expectCosError(err, { statusCode: 403, code: 'SignatureDoesNotMatch', resource: '/' });
  });

  it('the error object carries the request id the response header carried', async () => {
    const err = await cosError(t.cos('vhost', { SecretKey: 'wrong' }).headBucket({ Bucket, Region: REGION }));
    // HEAD has no error body: the SDK reports the bare status.
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('403');
    expect(err.RequestId).toBe(err.headers['x-cos-request-id']);
  });
});

describe.each([
  { skew: '+1 h', offsetMs: HOUR_MS, code: 'AccessDenied', message: 'Request has expired' },
  { skew: '-1 h', offsetMs: -HOUR_MS, code: 'RequestTimeTooSkewed', message: undefined },
])('cos-nodejs-sdk-v5 against a server clock $skew off', ({ offsetMs, code, message }) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ authClock: { nowMs: () => Date.now() + offsetMs } });
  });
  afterAll(async () => {
    await t.close();
  });

  it(`without correction the SDK gets 403 ${code} and the server's Date`, async () => {
    const cos = t.cos('path', { CorrectClockSkew: false });
    const Bucket = t.bucketName('skewraw');
    const err = await cosError(cos.putBucket({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 403, code, resource: Bucket, ...(message ? { message } : {}) });
    const serverDateMs = Date.parse(err.headers.date!);
    expect(Math.abs(serverDateMs - (Date.now() + offsetMs))).toBeLessThan(5_000);
    expect(sdkOptions(cos).SystemClockOffset).toBe(0);
  });

  it.each(COS_MODES)(
    'the SDK corrects SystemClockOffset from the Date header and retries once (%s style)',
    async (mode) => {
      const cos = t.cos(mode);
      const Bucket = t.bucketName(`skew${mode}`);
      const recorder = recordRequests(Bucket);
      // The SDK announces the correction on stderr; keep it out of the test output, but check it.
      const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
      let announced: unknown[][] = [];
      try {
        const created = await cos.putBucket({ Bucket, Region: REGION });
        expect(created.statusCode).toBe(200);
        const put = await cos.putObject({ Bucket, Region: REGION, Key: 'after-skew.txt', Body: 'ok' });
        expect(put.statusCode).toBe(200);
      } finally {
        recorder.stop();
        announced = [...consoleError.mock.calls];
        consoleError.mockRestore();
      }
      expect(announced).toEqual([['error: Local time is too skewed.']]);
      // First attempt refused, the retry (marked by the SDK) accepted, then no more refusals.
      expect(recorder.exchanges.map((e) => [e.method, e.status, e.headers['x-cos-sdk-retry']])).toEqual([
        ['PUT', 403, undefined],
        ['PUT', 200, 'true'],
        ['PUT', 200, undefined],
      ]);
      expect(Math.abs(sdkOptions(cos).SystemClockOffset - offsetMs)).toBeLessThan(5_000);
    },
  );
});
