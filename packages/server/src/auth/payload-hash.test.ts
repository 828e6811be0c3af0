import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isS3Error } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { createSha256Verifier } from './payload-hash.js';
import { createPayloadVerifier } from './payload-verifier.js';

async function run(verifier: NodeJS.ReadWriteStream, pieces: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    verifier,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

const BODY = [Buffer.from('hello '), Buffer.from('world')];
const BODY_SHA256 = createHash('sha256').update('hello world').digest('hex');

describe('createSha256Verifier', () => {
  it('passes the body through when the hash matches (either hex case)', async () => {
    expect((await run(createSha256Verifier(BODY_SHA256), BODY)).toString()).toBe('hello world');
    expect((await run(createSha256Verifier(BODY_SHA256.toUpperCase()), BODY)).toString()).toBe('hello world');
  });

  it('fails at the end with XAmzContentSHA256Mismatch, naming both hashes', async () => {
    try {
      await run(createSha256Verifier(BODY_SHA256), [Buffer.from('hello there')]);
      expect.unreachable();
    } catch (err) {
      expect(isS3Error(err) && err.code).toBe('XAmzContentSHA256Mismatch');
      expect(isS3Error(err) && err.details['ClientComputedContentSHA256']).toBe(BODY_SHA256);
    }
  });
});

describe('createPayloadVerifier', () => {
  it('picks the stage the payload verification asks for', () => {
    expect(createPayloadVerifier({ kind: 'none' })).toBeInstanceOf(PassThrough);
    expect(createPayloadVerifier({ kind: 'sha256', expectedHex: BODY_SHA256 })).not.toBeInstanceOf(PassThrough);
    const decoder = createPayloadVerifier({ kind: 'aws-chunked', signed: false, trailer: true, trailerNames: [] });
    expect('trailers' in decoder).toBe(true);
  });
});
