/**
 * COS hotlink protection at request time: white and black lists (wildcard subdomains, ports,
 * paths), the empty-Referer setting, and who it applies to — anonymous requests, presigned URLs and
 * form uploads, never requests signed in a header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { REGION } from './helpers/cos.js';
import { cosSignedFields, formBody, policyDoc, postForm } from './helpers/post-form.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let Bucket: string;

beforeAll(async () => {
  t = await startTestServer();
  Bucket = t.bucketName('refenf');
  await t.cos().putBucket({ Bucket, Region: REGION, ACL: 'public-read' });
  await t.cos().putObject({ Bucket, Region: REGION, Key: 'img.png', Body: 'png' });
});
afterAll(async () => {
  await t?.close();
});

async function configure(
  type: 'White-List' | 'Black-List',
  domains: string[],
  empty: 'Allow' | 'Deny',
  status: 'Enabled' | 'Disabled' = 'Enabled',
): Promise<void> {
  const cos = t.cos();
  await cos.putBucketReferer({
    Bucket,
    Region: REGION,
    RefererConfiguration: {
      Status: status,
      RefererType: type,
      DomainList: { Domains: domains },
      EmptyReferConfiguration: empty,
    },
  });
  // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
  await settledOnEveryGateway(async () =>
    expect((await cos.getBucketReferer({ Bucket, Region: REGION })).RefererConfiguration).toMatchObject({
      Status: status,
      RefererType: type,
      EmptyReferConfiguration: empty,
    }),
  );
}

/** The status of an anonymous GET with this Referer (none when undefined). */
async function anonymousGet(referer?: string, url = `${t.url}/${Bucket}/img.png`): Promise<number> {
  const res = await fetch(url, { headers: referer === undefined ? {} : { referer } });
  await res.arrayBuffer();
  return res.status;
}

describe('white list', () => {
  beforeAll(() => configure('White-List', ['*.example.com', '127.0.0.1:8080', 'www.example.org/app'], 'Deny'));

  it('lets listed referers through: wildcard subdomains, host:port, path prefixes', async () => {
    expect(await anonymousGet('https://www.example.com/page.html')).toBe(200);
    expect(await anonymousGet('http://a.b.example.com')).toBe(200);
    expect(await anonymousGet('http://127.0.0.1:8080/index.html')).toBe(200);
    expect(await anonymousGet('https://www.example.org/app/page')).toBe(200);
  });

  it('refuses everything else with 403 AccessDenied, including look-alikes and an empty Referer (Deny)', async () => {
    for (const referer of [
      'https://evil.test/',
      'https://example.com/', // *.example.com names subdomains only
      'https://www.example.com.evil.test/',
      'http://127.0.0.1:9090/',
      'https://www.example.org/other',
      undefined,
    ]) {
      const res = await fetch(`${t.url}/${Bucket}/img.png`, { headers: referer ? { referer } : {} });
      expect(res.status, String(referer)).toBe(403);
      expect(await res.text()).toContain('<Code>AccessDenied</Code>');
    }
  });

  it('EmptyReferConfiguration Allow lets requests without a Referer through', async () => {
    await configure('White-List', ['*.example.com'], 'Allow');
    expect(await anonymousGet()).toBe(200);
    expect(await anonymousGet('https://evil.test/')).toBe(403);
  });
});

describe('black list', () => {
  beforeAll(() => configure('Black-List', ['bad.test', '*.worse.test'], 'Allow'));

  it('refuses listed referers and lets the rest through', async () => {
    expect(await anonymousGet('http://bad.test/hotlink')).toBe(403);
    expect(await anonymousGet('https://cdn.worse.test/x')).toBe(403);
    expect(await anonymousGet('https://good.test/')).toBe(200);
    expect(await anonymousGet()).toBe(200);
  });

  it('a disabled configuration enforces nothing', async () => {
    await configure('Black-List', ['bad.test'], 'Deny', 'Disabled');
    expect(await anonymousGet('http://bad.test/hotlink')).toBe(200);
    expect(await anonymousGet()).toBe(200);
  });
});

describe('who it applies to', () => {
  beforeAll(() => configure('White-List', ['good.test'], 'Deny'));

  it('not to requests signed in a header (the COS SDK), whatever their Referer', async () => {
    const data = await t
      .cos()
      .getObject({ Bucket, Region: REGION, Key: 'img.png', Headers: { Referer: 'http://evil.test/' } });
    expect(data.statusCode).toBe(200);
  });

  it('to presigned URLs', async () => {
    const url = t.cos().getObjectUrl({ Bucket, Region: REGION, Key: 'img.png', Sign: true });
    expect(await anonymousGet('http://evil.test/', url)).toBe(403);
    expect(await anonymousGet('http://good.test/page', url)).toBe(200);
  });

  it('to form uploads (signed in the form, not in a header)', async () => {
    const body = () => formBody([['key', 'up.txt'], ...cosSignedFields(t, policyDoc([]))], { content: 'x' });
    let res = await postForm(t, Bucket, body(), { headers: { referer: 'http://evil.test/' } });
    expect(res.status).toBe(403);
    res = await postForm(t, Bucket, body(), { headers: { referer: 'http://good.test/form.html' } });
    expect(res.status, res.text).toBe(204);
  });
});
