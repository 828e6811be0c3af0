import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** What a spawned command line tool did. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for `aws s3 cp s3://… -` and the like. */
  stdoutBytes: Buffer;
}

/**
 * Runs a command line client asynchronously (the server under test shares this process's event loop,
 * so a synchronous spawn would deadlock) and collects its output. Never rejects on a non-zero exit:
 * tests assert exit codes.
 */
export function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
  });
}

/** Throws with the client's own stderr when it did not exit 0, so a failing test says why. */
export function expectSuccess(result: RunResult, what: string): RunResult {
  if (result.code !== 0) {
    throw new Error(`${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}

/**
 * A clean environment for a client: PATH, a private HOME and a UTF-8 locale (s3cmd and rclone print
 * non-ASCII names only under one), plus `extra`. Nothing else is inherited, on purpose: this machine
 * sets AWS_CA_BUNDLE (rclone then aborts with LoadCustomCABundleError), and an inherited AWS_PROFILE,
 * AWS_* key or http_proxy would silently change what the client sends.
 */
export function clientEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    ...extra,
  };
}

/** A fresh temporary directory (the caller removes it). */
export function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes files by relative path ('dir a/file.txt'), creating directories. */
export async function writeTree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    const file = path.join(root, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, body);
  }
}

/**
 * Every file under root by relative path ('/'-separated) → the MD5 of its bytes. Digests, not Buffers:
 * a failed toEqual on 30 MiB Buffers would make vitest format them and run out of memory.
 */
export async function treeDigests(root: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(root, full).split(path.sep).join('/')] = md5Hex(await fs.readFile(full));
  }
  return files;
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, dash, part count. */
export function multipartEtag(data: Buffer, partSizeBytes: number): string {
  const digests: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += partSizeBytes) {
    digests.push(
      createHash('md5')
        .update(data.subarray(offset, offset + partSizeBytes))
        .digest(),
    );
  }
  return `${md5Hex(Buffer.concat(digests))}-${digests.length}`;
}

/** One request a client sent through the recording proxy, as it arrived. */
export interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Upstream status, 0 until the response head arrived. */
  status: number;
}

export interface RecordingProxy {
  url: string;
  port: number;
  requests: WireRequest[];
  close(): Promise<void>;
}

/**
 * A transparent HTTP proxy in front of the server that records what each client puts on the wire
 * (method, path, query, headers): the evidence for the client quirks these tests rely on. The Host
 * header is forwarded unchanged, so signatures stay valid.
 */
export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const requests: WireRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const entry: WireRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      status: 0,
    };
    requests.push(entry);
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, agent: false },
      (response) => {
        entry.status = response.statusCode ?? 0;
        res.writeHead(entry.status, response.rawHeaders);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The folder PAGE_KEYS sit in: its space sorts before '%', so a key left percent-encoded sorts after them all. */
export const PAGE_DIR = 'paged/a b/';

/**
 * One more key than a listing page holds (1,000), each needing URL-encoding, so the page boundary
 * falls on such a key. A client that resumes from a marker still percent-encoded ('paged/a%20b/…')
 * skips every key after the boundary: that is how a NextMarker mistake shows.
 */
export const PAGE_KEYS: readonly string[] = Array.from(
  { length: 1001 },
  (_, i) => `${PAGE_DIR}${String(i).padStart(4, '0')}+ü%.txt`,
);

/** Creates `bucket` and fills it with PAGE_KEYS through the in-process SDK (fast; not the client under test). */
export async function createPagedBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (let i = 0; i < PAGE_KEYS.length; i += 100) {
    await Promise.all(
      PAGE_KEYS.slice(i, i + 100).map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))),
    );
  }
}
