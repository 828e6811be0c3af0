/**
 * Clients that walk away from a large GET: the body is being written when the socket goes. The
 * server must keep running (a write failing while the next chunk is read used to be an unhandled
 * rejection, which ends a Node process) and keep serving. A client that walks away from its own
 * upload is not a server error: it is counted as 499, never as a 500.
 */
import http from 'node:http';
import net from 'node:net';
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

  it('an upload abandoned mid-body is counted as a client error (499 ClientClosedRequest), not a 500', async () => {
    // A bucket anyone may write to, so the unsigned upload gets as far as its body.
    const open = 'abandon-open-1250000000';
    await t.s3().send(new CreateBucketCommand({ Bucket: open, ACL: 'public-read-write' }));
    const before = t.server.metrics.snapshot()['PutObject']?.byStatus ?? {};
    await new Promise<void>((resolve) => {
      const socket = net.connect(t.port, '127.0.0.1', () => {
        socket.write(
          `PUT /${open}/abandoned HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nContent-Length: 1000000\r\n\r\n${'x'.repeat(1000)}`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    await new Promise((r) => setTimeout(r, 200));
    const after = t.server.metrics.snapshot()['PutObject']?.byStatus ?? {};
    expect((after['4xx'] ?? 0) - (before['4xx'] ?? 0)).toBe(1);
    expect(after['5xx'] ?? 0).toBe(0);
  });
});
