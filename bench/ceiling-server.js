// The ceiling: a bare node:http server doing the byte work of Coffer's object path and nothing else, so the ratio
// Coffer / ceiling says what Coffer's protocol, auth, metadata and bookkeeping cost on top of moving the bytes.
//
//   node bench/ceiling-server.js [--address 127.0.0.1:0] [--data DIR] [--fsync 1|0]
//
// Prints "  Endpoint   http://host:port" once listening. It does what Coffer's FsBlobStore and HashingSink do with
// the bytes, in the same way: PUT streams the body through one Writable that hashes MD5 and writes with
// FileHandle.write/writev (1 MiB high-water mark) into tmp/<random id>; then, with --fsync 1 (the default, as
// COFFER_FSYNC), fsyncs the file, renames it to objects/<2 hex>/<32 hex> and fsyncs that directory; answers 200 with
// the MD5 as ETag. GET streams the file (512 KiB reads, as Coffer's read chunk); HEAD stats it; DELETE unlinks it.
// No auth (the Authorization header is ignored), no metadata, no CRC-64, no access log. Anything else is 501.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    address: { type: 'string', default: '127.0.0.1:0' },
    data: { type: 'string', default: './ceiling-data' },
    fsync: { type: 'string', default: '1' },
  },
});
const fsync = values.fsync !== '0';
const objectsDir = path.join(values.data, 'objects');
const tmpDir = path.join(values.data, 'tmp');
const FANOUT = 256;
const READ_CHUNK_BYTES = 512 * 1024;

await fs.mkdir(tmpDir, { recursive: true });
await Promise.all(
  Array.from({ length: FANOUT }, (_, i) =>
    fs.mkdir(path.join(objectsDir, i.toString(16).padStart(2, '0')), { recursive: true }),
  ),
);

function objectFile(bucket, key) {
  const id = createHash('md5').update(`${bucket}/${key}`).digest('hex');
  return path.join(objectsDir, id.slice(0, 2), id);
}

/** MD5 while writing, as Coffer's HashingSink (minus CRC-64 and size limits). */
class Md5FileSink extends Writable {
  md5 = createHash('md5');
  size = 0;
  #handle;

  constructor(handle) {
    super({ highWaterMark: 1024 * 1024 });
    this.#handle = handle;
  }

  _writev(chunks, callback) {
    const buffers = chunks.map((c) => c.chunk);
    for (const buffer of buffers) {
      this.md5.update(buffer);
      this.size += buffer.length;
    }
    (buffers.length === 1 ? this.#handle.write(buffers[0]) : this.#handle.writev(buffers)).then(
      () => callback(),
      callback,
    );
  }

  _write(chunk, _encoding, callback) {
    this._writev([{ chunk }], callback);
  }
}

async function syncDirectory(dir) {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function putObject(req, res, file) {
  const tmpPath = path.join(tmpDir, randomBytes(16).toString('hex'));
  const handle = await fs.open(tmpPath, 'wx');
  const sink = new Md5FileSink(handle);
  try {
    await pipeline(req, sink);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && sink.size !== declared) throw new Error('incomplete body');
    if (fsync) await handle.sync();
    await handle.close();
    await fs.rename(tmpPath, file);
    if (fsync) await syncDirectory(path.dirname(file));
  } catch (err) {
    await handle.close().catch(() => {});
    await fs.rm(tmpPath, { force: true });
    throw err;
  }
  res.writeHead(200, { etag: `"${sink.md5.digest('hex')}"`, 'content-length': 0 });
  res.end();
}

async function getObject(res, file, headOnly) {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if (err.code === 'ENOENT') return notFound(res);
    throw err;
  }
  try {
    const { size } = await handle.stat();
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    if (headOnly) {
      res.end();
      return;
    }
    if (size === 0) {
      res.end();
      return;
    }
    // With `end` the stream sizes its reads to the file, as Coffer's ranged read streams do (no 512 KiB buffer
    // allocated to read 4 KiB).
    const stream = handle.createReadStream({
      start: 0,
      end: size - 1,
      highWaterMark: READ_CHUNK_BYTES,
      autoClose: false,
    });
    await pipeline(stream, res);
  } finally {
    await handle.close();
  }
}

function notFound(res) {
  const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>';
  res.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req, res) {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const hasQuery = q >= 0;
  const slash = rawPath.indexOf('/', 1);
  const bucket = decodeURIComponent(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const key = slash < 0 ? '' : decodeURIComponent(rawPath.slice(slash + 1));
  if (rawPath === '/-/health') {
    res.end('{"status":"ok"}');
    return;
  }
  if (!hasQuery && bucket !== '' && key === '' && req.method === 'PUT') {
    req.resume();
    res.writeHead(200, { 'content-length': 0 });
    res.end();
    return;
  }
  if (!hasQuery && bucket !== '' && key !== '') {
    const file = objectFile(bucket, key);
    switch (req.method) {
      case 'PUT':
        return putObject(req, res, file);
      case 'GET':
        return getObject(res, file, false);
      case 'HEAD':
        return getObject(res, file, true);
      case 'DELETE':
        await fs.rm(file, { force: true });
        res.writeHead(204);
        res.end();
        return;
    }
  }
  req.resume();
  const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code></Error>';
  res.writeHead(501, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, (req, res) => {
  handle(req, res).catch((err) => {
    if (res.headersSent) res.destroy(err);
    else {
      res.writeHead(500, { 'content-length': 0, connection: 'close' });
      res.end();
    }
  });
});
const colon = values.address.lastIndexOf(':');
server.listen(Number(values.address.slice(colon + 1)), values.address.slice(0, colon), () => {
  const { address, port } = server.address();
  process.stdout.write(`\nCeiling server (bare node:http, fsync ${fsync ? 'on' : 'off'})\n\n`);
  process.stdout.write(`  Endpoint   http://${address}:${port}\n  Data       ${values.data}\n\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  // close() waits for keep-alive connections; idle ones can go at once.
  server.closeIdleConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
