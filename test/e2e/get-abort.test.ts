/**
 * Clients that walk away from a large GET: the body is being written when the socket goes. The
 * server must keep running (a write failing while the next chunk is read used to be an unhandled
 * rejection, which ends a Node process) and keep serving.
 */
import http from 'node:http';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Hex } from './helpers/s3.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';

describe('GETs abandoned mid-body', () => {
  let t: TestServer;
  const Bucket = 'abandon-1250000000';
  const body = Buffer.alloc(32 * 1024 * 1024, 7);
  beforeAll(async () => {
    t = await startTestServer();
    await t.s3().send(new CreateBucketCommand({ Bucket }));
    // Public, so the raw GETs below need no signature.
    await t.s3().send(new PutObjectCommand({ Bucket, Key: 'big', Body: body, ACL: 'public-read' }));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** GETs the object and destroys the socket as soon as the response headers (or first bytes) arrive. */
  function abandon(afterBytes: number): Promise<void> {
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: t.port, path: `/${Bucket}/big`, agent: false }, (res) => {
        let seen = 0;
        if (afterBytes === 0) {
          req.destroy();
          resolve();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen >= afterBytes) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', () => resolve());
    });
  }

  it('survives 30 clients that hang up, and still serves the whole object', async () => {
    for (let i = 0; i < 30; i++) await abandon(i % 3 === 0 ? 0 : (i % 3) * 1024 * 1024);
    const health = await fetch(`${t.url}/-/health`);
    expect(health.status).toBe(200);
    const got = await fetch(`${t.url}/${Bucket}/big`);
    expect(got.status).toBe(200);
    expect(md5Hex(await readAll(got.body as unknown as AsyncIterable<Uint8Array>))).toBe(md5Hex(body));
  });
});
