// The load generator's HTTP client: node:http with one keep-alive Agent per run (maxSockets = concurrency), requests
// signed by bench/lib/sign.js, bodies sent from the pattern pool in bench/lib/body.js without copies. The same
// client drives every target (Coffer, the ceiling, s3rver), so whatever it costs, it costs all of them alike.
import http from 'node:http';
import { makeSigner } from './sign.js';

/** Error responses are read whole (for the message), up to this many bytes. */
const ERROR_TEXT_BYTES = 64 * 1024;

/**
 * A client for `target` ({ name, host, port, bucket, auth, credentials, region }), with at most `concurrency`
 * connections. `send()` resolves with { status, headers, text? } once the response has ended; it rejects only on
 * transport errors (connection refused or reset, response cut short).
 */
export function createClient(target, { concurrency = 1 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const sign = makeSigner({
    scheme: target.auth,
    credentials: target.credentials,
    region: target.region,
    bucket: target.bucket,
  });
  const hostHeader = `${target.host}:${target.port}`;
  return {
    target,
    /**
     * One request. `body`: a Buffer sent whole; `chunks`: an iterable of Buffers sent with backpressure (give
     * content-length in `headers`). `onChunk(chunk)` sees every response body chunk of a 2xx response (for
     * verification); with `collect` the body is returned as `text` instead; otherwise it is drained unread.
     */
    send({ method, path, query = '', headers = {}, body, chunks, onChunk, collect = false }) {
      const signed = sign({ method, path, query, headers: { host: hostHeader, ...headers } });
      return new Promise((resolve, reject) => {
        const req = http.request({
          agent,
          host: target.host,
          port: target.port,
          method,
          path: query === '' ? path : `${path}?${query}`,
          headers: signed,
        });
        req.once('error', reject);
        req.once('response', (res) => {
          const ok = res.statusCode >= 200 && res.statusCode < 300;
          const parts = collect || !ok ? [] : undefined;
          let kept = 0;
          // A plain 'data' listener: the lightest way to see each chunk once (no async iterator per chunk).
          res.on('data', (chunk) => {
            if (ok && onChunk) onChunk(chunk);
            else if (parts && (ok || kept < ERROR_TEXT_BYTES)) {
              parts.push(chunk);
              kept += chunk.length;
            }
          });
          res.once('error', reject);
          res.once('close', () => {
            if (!res.complete) reject(new Error(`${method} ${path}: response cut short`));
          });
          res.once('end', () =>
            resolve({
              status: res.statusCode,
              headers: res.headers,
              ...(parts ? { text: Buffer.concat(parts).toString('utf8') } : {}),
            }),
          );
        });
        if (body !== undefined) req.end(body);
        else if (chunks !== undefined) writeChunks(req, chunks).catch((err) => req.destroy(err));
        else req.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/**
 * Writes every chunk, waiting for 'drain' when the socket buffer is full, then ends the request. Stops when the
 * request is closed (the server answered early and hung up): the response promise settles from its own events.
 */
async function writeChunks(req, chunks) {
  for (const chunk of chunks) {
    if (req.destroyed) return;
    if (!req.write(chunk)) {
      await new Promise((resolve) => {
        const done = () => {
          req.off('drain', done);
          req.off('close', done);
          resolve();
        };
        req.on('drain', done);
        req.on('close', done);
      });
    }
  }
  if (!req.destroyed) req.end();
}

/** A short description of a non-2xx response: status and S3 error code when there is one. */
export function describeResponse(method, path, res) {
  const code = /<Code>([^<]*)<\/Code>/.exec(res.text ?? '')?.[1];
  return `${method} ${path}: HTTP ${res.status}${code ? ` ${code}` : ''}`;
}
