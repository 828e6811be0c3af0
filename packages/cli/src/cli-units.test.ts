import { createHash, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc64 } from '@coffer/protocol';
import COS from '@coffer/sdk';
import { describe, expect, it, vi } from 'vitest';
import { resolveProfile, writeConfig } from './config.js';
import { sdkOptions } from './context.js';
import { CliError, EXIT, exitCodeOf } from './errors.js';
import { humanBytes, parseBytes } from './format.js';
import { listObjects } from './listing.js';
import { readSmallFile, SMALL_FILE_BYTES, writeSmallFile } from './local-files.js';
import { humanEta } from './progress.js';
import { fetchRangeDirect, positionalWriter } from './ranged-download.js';
import { parsePath } from './remote.js';
import { smallGetter } from './small-download.js';
import { folderPrefix, pathFilter, runTask, transferOptions } from './transfer.js';

/** Starts `server` on 127.0.0.1 and answers a profile that points at it, signing as `signing` says. */
async function listeningProfile(server: http.Server | net.Server, signing: 'cos' | 's3') {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    name: 'test',
    endpoint: `http://127.0.0.1:${port}`,
    secretId: 'AKIDtest',
    secretKey: 'secret',
    region: 'ap-guangzhou',
    signing,
  };
}

describe('paths', () => {
  it('reads cos:// and s3:// paths, keeps keys as written, and everything else is local', () => {
    expect(parsePath('cos://photos-1250000000/a/b c.jpg')).toMatchObject({
      kind: 'remote',
      scheme: 'cos',
      bucket: 'photos-1250000000',
      key: 'a/b c.jpg',
    });
    expect(parsePath('s3://bucket')).toMatchObject({ kind: 'remote', scheme: 's3', bucket: 'bucket', key: '' });
    expect(parsePath('s3://bucket/dir/')).toMatchObject({ key: 'dir/' });
    expect(parsePath('cos://b-1/a//b/../c')).toMatchObject({ key: 'a//b/../c' });
    expect(parsePath('./cos:/x')).toMatchObject({ kind: 'local', path: './cos:/x' });
    expect(() => parsePath('cos:///key')).toThrow(CliError);
    expect(folderPrefix('')).toBe('');
    expect(folderPrefix('a')).toBe('a/');
    expect(folderPrefix('a/')).toBe('a/');
  });

  it('--include / --exclude globs match relative paths', () => {
    const keep = pathFilter({ include: ['**/*.jpg', '*.txt'], exclude: ['tmp/**'] });
    expect(keep('a.txt')).toBe(true);
    expect(keep('x/y/z.jpg')).toBe(true);
    expect(keep('tmp/z.jpg')).toBe(false);
    expect(keep('x/a.txt')).toBe(false);
    expect(pathFilter({ include: [], exclude: [] })('.hidden/x')).toBe(true);
  });
});

describe('sizes', () => {
  it('parses and prints sizes', () => {
    expect(parseBytes('8MiB')).toBe(8 * 1024 * 1024);
    expect(parseBytes('512k')).toBe(512 * 1024);
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(parseBytes('1048576')).toBe(1048576);
    expect(() => parseBytes('lots')).toThrow();
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(1536)).toBe('1.5 KiB');
    expect(humanBytes(200 * 1024 * 1024)).toBe('200 MiB');
  });
});

describe('profiles', () => {
  it('the chosen profile, with the environment on top; bad values refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cfg-'));
    const file = path.join(dir, 'config.json');
    writeConfig(
      {
        current: 'a',
        profiles: {
          a: { endpoint: 'http://a:1', secretId: 'ida', secretKey: 'ka' },
          b: { endpoint: 'http://b:2', signing: 's3' },
        },
      },
      file,
    );
    const env = { COFFER_CONFIG: file };
    expect(resolveProfile(undefined, env)).toMatchObject({
      name: 'a',
      endpoint: 'http://a:1',
      signing: 'cos',
      region: 'ap-guangzhou',
      secretId: 'ida',
    });
    expect(resolveProfile('b', env)).toMatchObject({ name: 'b', signing: 's3' });
    expect(resolveProfile('b', { ...env, COFFER_SECRET_ID: 'x', COFFER_ENDPOINT: 'http://c:3/' })).toMatchObject({
      secretId: 'x',
      endpoint: 'http://c:3',
    });
    expect(() => resolveProfile('nope', env)).toThrow(/no profile "nope"/);
    expect(() => resolveProfile(undefined, { ...env, COFFER_SIGNING: 'v2' })).toThrow(/signing must be cos or s3/);
    expect(resolveProfile(undefined, { COFFER_CONFIG: path.join(dir, 'missing.json') })).toMatchObject({
      name: 'default',
      endpoint: 'http://127.0.0.1:9000',
    });
    fs.rmSync(dir, { recursive: true });
  });
});

describe('exit codes', () => {
  it('say what failed', () => {
    expect(exitCodeOf(new CliError('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(EXIT.network);
    expect(exitCodeOf(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(EXIT.notFound);
    expect(exitCodeOf(new Error('x'))).toBe(EXIT.failure);
  });
});

describe('listing', () => {
  it('reads one page ahead: the next page is asked for before this one is handed out; its failure comes in order', async () => {
    const asked: (string | undefined)[] = [];
    const entry = (key: string) => ({ Key: key, Size: '1', LastModified: '', ETag: '"e"' });
    const cos = {
      getBucket: async (p: { Marker?: string }) => {
        asked.push(p.Marker);
        if (p.Marker === undefined) return { IsTruncated: 'true', Contents: [entry('a'), entry('b')] };
        if (p.Marker === 'b') return { IsTruncated: 'true', NextMarker: 'c', Contents: [entry('c')] };
        throw Object.assign(new Error('third page failed'), { code: 'InternalError' });
      },
    } as unknown as Parameters<typeof listObjects>[0];
    const keys: string[] = [];
    const listing = listObjects(cos, 'b-1250000000', 'ap-guangzhou', '');
    const first = await listing.next();
    keys.push((first.value as { key: string }).key);
    // Still on the first page: the second one has been asked for already.
    expect(asked).toEqual([undefined, 'b']);
    // Give the read-ahead of the third page time to fail before anything awaits it (no unhandled rejection).
    const rest = (async () => {
      for await (const o of { [Symbol.asyncIterator]: () => listing }) {
        keys.push(o.key);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await expect(rest).rejects.toThrow('third page failed');
    expect(keys).toEqual(['a', 'b', 'c']);
    expect(asked).toEqual([undefined, 'b', 'c']);
  });
});

describe('transfers on the local side', () => {
  it('a positional writer puts every chunk at its offset, batched or not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-pos-'));
    const file = path.join(dir, 'out.bin');
    const fd = fs.openSync(file, 'w');
    const halves = [positionalWriter(fd, 6), positionalWriter(fd, 0)];
    await Promise.all([
      pipeline(Readable.from([Buffer.from('wor'), Buffer.from('ld!')]), halves[0]!),
      pipeline(Readable.from([Buffer.from('hel'), Buffer.from('lo ')]), halves[1]!),
    ]);
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('hello world!');
    fs.rmSync(dir, { recursive: true });
  });

  it('a direct range lands at its offset, a body split from its head included; any other answer is left to the sdk', async () => {
    const object = Buffer.from('0123456789abcdefghij');
    // One byte of body in the head's packet, the rest later; a range asking for the wrong ETag gets a 412.
    const server = http.createServer((req, res) => {
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')!.map(Number);
      if (req.headers['if-match'] === '"stale"') {
        res.writeHead(412, { 'content-type': 'application/xml' }).end('<Error><Code>PreconditionFailed</Code></Error>');
        return;
      }
      const part = object.subarray(a!, b! + 1);
      res.writeHead(206, { 'content-length': part.length, etag: '"e"' });
      res.write(part.subarray(0, 1));
      setTimeout(() => res.end(part.subarray(1)), 20);
    });
    const profile = await listeningProfile(server, 'cos');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-direct-'));
    const file = path.join(dir, 'out.bin');
    const fd = fs.openSync(file, 'w');
    try {
      const loaded: number[] = [];
      const range = { bucket: 'b-1250000000', key: 'k', start: 10, end: 19, wholeObject: false };
      await expect(fetchRangeDirect(profile, range, fd, (n) => loaded.push(n))).resolves.toBe('"e"');
      await fetchRangeDirect(profile, { ...range, start: 0, end: 9 }, fd, () => {});
      expect(fs.readFileSync(file)).toEqual(object);
      expect(loaded.at(-1)).toBe(10);
      await expect(fetchRangeDirect(profile, { ...range, etag: '"stale"' }, fd, () => {})).rejects.toThrow(
        /HTTP 412, left to the sdk/,
      );
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true });
      server.close();
    }
  });

  it('a direct range writes in pieces of at most 32 KiB that end on 32 KiB boundaries of the file, each at its offset', async () => {
    // However the socket reads fall, the kernel gets small, aligned writes: a 1 MiB write asks the page cache for a
    // 1 MiB folio, which on the bench VM came from memory the host had taken back and cost 2-3 s of system time
    // per GiB, and a write ending mid-folio makes the kernel zero the rest first (docs/performance.md, #13).
    const PIECE = 32 * 1024;
    const object = randomFillSync(Buffer.alloc(3 * 1024 * 1024 + 123));
    const server = http.createServer((req, res) => {
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')!.map(Number);
      const part = object.subarray(a!, b! + 1);
      res.writeHead(206, { 'content-length': part.length, etag: '"e"' });
      // Odd-sized chunks with pauses between, so that reads end anywhere; then the rest at once (large reads).
      let at = 0;
      const next = () => {
        if (at > part.length / 2) return void res.end(part.subarray(at));
        res.write(part.subarray(at, at + 70_001));
        at += 70_001;
        setTimeout(next, 1);
      };
      next();
    });
    const profile = await listeningProfile(server, 'cos');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-pieces-'));
    const file = path.join(dir, 'out.bin');
    const fd = fs.openSync(file, 'w');
    const writes = vi.spyOn(fs, 'writeSync');
    try {
      const range = { bucket: 'b-1250000000', key: 'k', start: 1000, end: object.length - 1, wholeObject: false };
      await fetchRangeDirect(profile, range, fd, () => {});
      await fetchRangeDirect(profile, { ...range, start: 0, end: 999 }, fd, () => {});
      const calls = writes.mock.calls
        .filter((c) => c[0] === fd)
        .map((c) => ({ length: c[3] as number, at: c[4] as number }));
      expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(PIECE);
      expect(calls.reduce((n, c) => n + c.length, 0)).toBe(object.length);
      const ends = calls.map((c) => c.at + c.length).filter((end) => end % PIECE !== 0);
      expect(ends.sort((x, y) => x - y)).toEqual([1000, object.length]);
      expect(fs.readFileSync(file).equals(object)).toBe(true);
    } finally {
      writes.mockRestore();
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true });
      server.close();
    }
  });

  it('a small object comes whole over a keep-alive GET; any answer but a plain 200 is left to the sdk', async () => {
    const object = Buffer.from('small object body');
    const seen: { url: string; authorization: string; socket: unknown }[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: String(req.headers.authorization), socket: req.socket });
      if (req.url === '/b-1250000000/a%20b/c.txt') {
        // Head and body apart, as a server may send them.
        res.writeHead(200, { 'content-length': object.length, etag: '"e"' });
        res.write(object.subarray(0, 4));
        setTimeout(() => res.end(object.subarray(4)), 10);
      } else if (req.url === '/b-1250000000/chunked') {
        res.writeHead(200, { etag: '"e"' });
        res.end('no length');
      } else if (req.url === '/b-1250000000/short') {
        res.writeHead(200, { 'content-length': 100 });
        res.write('only part');
        setTimeout(() => res.destroy(), 10);
      } else {
        res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
      }
    });
    const profile = await listeningProfile(server, 'cos');
    try {
      const getter = smallGetter(profile, 2)!;
      expect(smallGetter(profile, 2)).toBe(getter);
      const got = await getter.get('b-1250000000', 'a b/c.txt');
      expect(got?.body).toEqual(object);
      expect(got?.etag).toBe('"e"');
      // The second request reuses the first one's connection, and each is signed.
      await getter.get('b-1250000000', 'a b/c.txt');
      expect(seen[1]!.socket).toBe(seen[0]!.socket);
      expect(seen[0]!.authorization).toMatch(/^q-sign-algorithm=sha1&q-ak=AKIDtest&/);
      await expect(getter.get('b-1250000000', 'missing')).resolves.toBeUndefined();
      await expect(getter.get('b-1250000000', 'chunked')).resolves.toBeUndefined();
      await expect(getter.get('b-1250000000', 'short')).resolves.toBeUndefined();
      expect(smallGetter({ ...profile, endpoint: 'https://cos.example.com' }, 2)).toBeNull();
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it('a small object over one connection: heads split across reads, Connection: close, queued requests', async () => {
    // A byte-exact server: each request's answer is chosen by its path.
    const connections: net.Socket[] = [];
    const server = net.createServer((socket) => {
      connections.push(socket);
      let pending = '';
      socket.on('data', (d) => {
        pending += d.toString('latin1');
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          const target = pending.slice(4, pending.indexOf(' ', 4));
          pending = pending.slice(end + 4);
          if (target.endsWith('/split')) {
            socket.write('HTTP/1.1 200 OK\r\nContent-Le');
            setTimeout(() => socket.write('ngth: 5\r\nETag: "s"\r\n\r\nhe'), 5);
            setTimeout(() => socket.write('llo'), 10);
          } else if (target.endsWith('/close')) {
            socket.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye');
          } else if (target.endsWith('/extra')) {
            socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc');
          } else {
            socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
          }
        }
      });
    });
    const profile = await listeningProfile(server, 's3');
    try {
      const getter = smallGetter(profile, 1)!;
      // One connection, three requests at once: they queue and are answered in turn.
      const three = await Promise.all([getter.get('b', 'split'), getter.get('b', 'empty'), getter.get('b', 'split')]);
      expect(three.map((r) => r?.body.toString())).toEqual(['hello', '', 'hello']);
      expect(three[0]?.etag).toBe('"s"');
      expect(connections).toHaveLength(1);
      // Connection: close is honoured: the next request opens a new connection.
      expect((await getter.get('b', 'close'))?.body.toString()).toBe('bye');
      expect((await getter.get('b', 'empty'))?.body.length).toBe(0);
      expect(connections).toHaveLength(2);
      // More bytes than announced: left to the sdk, and that connection is not used again.
      await expect(getter.get('b', 'extra')).resolves.toBeUndefined();
      expect((await getter.get('b', 'empty'))?.body.length).toBe(0);
      expect(connections).toHaveLength(3);
    } finally {
      for (const c of connections) c.destroy();
      server.close();
    }
  });

  it('small files are read whole; written in place when new, beside their name and renamed when not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-small-'));
    const file = path.join(dir, 'a.txt');
    await writeSmallFile(file, Buffer.from('small body'));
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
    expect(readSmallFile(file)?.toString()).toBe('small body');
    // An existing file is replaced whole (a new inode from the rename), never truncated in place.
    const before = fs.statSync(file).ino;
    await writeSmallFile(file, Buffer.from('new'));
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(fs.statSync(file).ino).not.toBe(before);
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
    // Into a folder that does not exist: the error, and nothing left behind.
    await expect(writeSmallFile(path.join(dir, 'no', 'b.txt'), Buffer.from('x'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
    fs.writeFileSync(file, Buffer.alloc(SMALL_FILE_BYTES + 1));
    expect(readSmallFile(file)).toBeUndefined();
    fs.rmSync(dir, { recursive: true });
  });

  it('ETA reads as seconds, minutes or hours, and - before anything moved', () => {
    expect(humanEta(Number.NaN)).toBe('-');
    expect(humanEta(41.2)).toBe('42s');
    expect(humanEta(185)).toBe('3m05s');
    expect(humanEta(3720)).toBe('1h02m');
  });
});

describe('large uploads', () => {
  it('a part whose x-cos-hash-crc64ecma answer is not the CRC-64 of the bytes sent is sent again, then fails the copy', async () => {
    const MIB = 1024 * 1024;
    const data = randomFillSync(Buffer.alloc(3 * MIB));
    const sent: number[] = [];
    let completed = false;
    // A multipart server that stores part 2 wrongly: its CRC-64 answer is off by one bit every time.
    const server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      const xml = (text: string) => res.writeHead(200, { 'content-type': 'application/xml' }).end(text);
      if (req.method === 'GET' && url.searchParams.has('uploads')) {
        xml('<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>');
      } else if (req.method === 'POST' && url.searchParams.has('uploads')) {
        xml('<InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>');
      } else if (req.method === 'PUT') {
        const n = Number(url.searchParams.get('partNumber'));
        sent.push(n);
        const crc = crc64(body) ^ (n === 2 ? 1n : 0n);
        res.writeHead(200, {
          etag: `"${createHash('md5').update(body).digest('hex')}"`,
          'x-cos-hash-crc64ecma': String(crc),
          'x-cos-request-id': `req-part-${n}`,
        });
        res.end();
      } else {
        completed = true;
        xml('<CompleteMultipartUploadResult><ETag>"e-3"</ETag></CompleteMultipartUploadResult>');
      }
    });
    const profile = await listeningProfile(server, 'cos');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-crc-'));
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, data);
    try {
      const cos = new COS({ ...sdkOptions(profile), RetryDelayMs: 1 });
      const dest = parsePath('cos://b-1250000000/') as Extract<ReturnType<typeof parsePath>, { kind: 'remote' }>;
      const task = { kind: 'upload' as const, file, dest, key: 'big.bin', sizeBytes: data.length };
      const options = transferOptions({ partSize: '1MiB' });
      const err = await runTask(cos, profile.region, task, options, () => {}).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CRC64Mismatch', requestId: 'req-part-2', UploadId: 'u' });
      expect((err as Error).message).toMatch(/^part 2: the server's x-cos-hash-crc64ecma is \d+, the local data/);
      // Once, then the sdk's ChunkRetryTimes (2) more; never completed.
      expect(sent.filter((n) => n === 2)).toHaveLength(3);
      expect(completed).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true });
      server.close();
      server.closeAllConnections();
    }
  });
});
