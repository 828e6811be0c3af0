/**
 * sliceUploadFile resumes across processes: a child process running @coffer/sdk from packages/sdk/dist uploads a
 * 50 MB file and is SIGKILLed at ~50% by its own progress reports; a second process uploads the same file and,
 * finding the unfinished upload (ListMultipartUploads + ListParts + MD5 of each local chunk), sends only the parts
 * the server lacks. Parts are counted on the server.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REGION as Region } from './helpers/cos.js';
import { cofferSdk } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CHILD = fileURLToPath(new URL('./fixtures/slice-upload-child.mjs', import.meta.url));
const MIB = 1024 * 1024;
const FILE_BYTES = 50 * MIB;
const PARTS = 50;
const Bucket = 'sdkresume-1250000000';
const Key = 'resume/50mb.bin';

let t: TestServer;
let file: string;

beforeAll(async () => {
  t = await startTestServer();
  await cofferSdk(t).putBucket({ Bucket, Region });
  file = path.join(t.dataDir, '50mb.bin');
  fs.writeFileSync(file, randomBytes(FILE_BYTES));
});
afterAll(async () => {
  await t.close();
});

interface ChildLine {
  type: 'hash' | 'progress' | 'done' | 'error';
  loaded?: number;
  percent?: number;
  UploadId?: string;
  ETag?: string;
  message?: string;
}

/** Runs the child; `killWhen` decides from each line whether to SIGKILL it there. */
function runChild(killWhen?: (line: ChildLine) => boolean): Promise<{ lines: ChildLine[]; killed: boolean }> {
  const child = spawn(
    process.execPath,
    [
      CHILD,
      JSON.stringify({
        secretId: t.secretId,
        secretKey: t.secretKey,
        port: t.port,
        bucket: Bucket,
        region: Region,
        key: Key,
        file,
        sliceSize: MIB,
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: ChildLine[] = [];
  let killed = false;
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as ChildLine;
    lines.push(line);
    if (!killed && killWhen?.(line)) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve({ lines, killed }));
  });
}

const acceptedParts = () => t.server.metrics.snapshot().UploadPart?.byStatus['2xx'] ?? 0;

function multipartETag(data: Buffer, partBytes: number): string {
  const digests: Buffer[] = [];
  for (let at = 0; at < data.length; at += partBytes) {
    digests.push(
      createHash('md5')
        .update(data.subarray(at, at + partBytes))
        .digest(),
    );
  }
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`;
}

it('a 50 MB upload killed at ~50% is finished by a new process that sends only the missing parts', async () => {
  const cos = cofferSdk(t);

  // Process 1: killed once it reports half the bytes uploaded.
  const first = await runChild((line) => line.type === 'progress' && (line.percent ?? 0) >= 0.5);
  expect(first.killed).toBe(true);
  expect(first.lines.some((l) => l.type === 'done')).toBe(false);
  // Let the server finish with the requests the kill cut off.
  await new Promise((resolve) => setTimeout(resolve, 200));

  const uploads = await cos.multipartList({ Bucket, Region, Prefix: Key });
  expect(uploads.Upload).toHaveLength(1);
  const uploadId = uploads.Upload[0]!.UploadId;
  const partsOnServer = (await cos.multipartListPart({ Bucket, Region, Key, UploadId: uploadId })).Part.length;
  expect(partsOnServer).toBeGreaterThanOrEqual(15);
  expect(partsOnServer).toBeLessThan(PARTS);

  // Process 2: resumes.
  const before = acceptedParts();
  const totalBefore = t.server.metrics.requests('UploadPart');
  const second = await runChild();
  const done = second.lines.find((l) => l.type === 'done');
  expect(done, JSON.stringify(second.lines.filter((l) => l.type === 'error'))).toBeDefined();
  expect(done!.UploadId).toBe(uploadId);
  expect(acceptedParts() - before).toBe(PARTS - partsOnServer);
  expect(t.server.metrics.requests('UploadPart') - totalBefore).toBe(PARTS - partsOnServer);
  // It hashed the local chunks of the parts already there, and its progress started from them.
  const hashes = second.lines.filter((l) => l.type === 'hash');
  expect(hashes.at(-1)?.loaded).toBe(partsOnServer * MIB);
  const progress = second.lines.filter((l) => l.type === 'progress');
  expect(progress[0]!.loaded).toBeGreaterThanOrEqual(partsOnServer * MIB);
  expect(progress.at(-1)).toMatchObject({ loaded: FILE_BYTES, percent: 1 });

  // The object is the file.
  const expectedETag = multipartETag(fs.readFileSync(file), MIB);
  expect(done!.ETag).toBe(expectedETag);
  const downloaded = path.join(t.dataDir, 'downloaded.bin');
  await cos.getObject({ Bucket, Region, Key, Output: downloaded });
  const md5 = (p: string) => createHash('md5').update(fs.readFileSync(p)).digest('hex');
  expect(md5(downloaded)).toBe(md5(file));
  expect((await cos.multipartList({ Bucket, Region, Prefix: Key })).Upload).toEqual([]);
});
