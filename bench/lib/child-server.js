// Shared by the bench scripts: a `coffer server` child process (the built CLI) and SigV4-signed requests to it.
// Needs `npm run build` first.
import { access } from 'node:fs/promises';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { signV4Headers } from '../../packages/protocol/dist/index.js';
import { nodeCrypto } from '../../packages/server/dist/auth/node-crypto.js';
import { CLI, spawnCofferServer } from './spawn-server.js';

export { CLI };

export const REGION = 'ap-guangzhou';
/** Fixed root keys, given through the environment so the scripts need not read credentials.json. */
export const CREDENTIALS = {
  accessKeyId: 'AKIDbench00000000000000000000000000',
  secretKey: 'benchsecretkey000000000000000000',
};

/**
 * Starts `coffer server` on 127.0.0.1 (a free port) over `dataDir` and resolves once the banner is printed (the
 * server is listening by then). `env` adds COFFER_* settings; stdout lines that are not the banner are pino JSON
 * and are kept in `logs`. `nodeArgs`: options for node itself (e.g. ['--cpu-prof']).
 */
export async function startChildServer(dataDir, env = {}, { nodeArgs = [] } = {}) {
  await access(CLI).catch(() => {
    throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  });
  const { child, url, logs, exited } = await spawnCofferServer(
    dataDir,
    { COFFER_SECRET_ID: CREDENTIALS.accessKeyId, COFFER_SECRET_KEY: CREDENTIALS.secretKey, ...env },
    undefined,
    nodeArgs,
  );
  const { hostname, port } = new URL(url);
  return {
    child,
    pid: child.pid,
    url,
    host: hostname,
    port: Number(port),
    logs,
    exited,
    agent: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    /** Graceful stop (SIGTERM: finish in-flight requests, close the database). */
    async stop() {
      this.agent.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Sends one SigV4-signed request (payload UNSIGNED-PAYLOAD) and resolves with the response, body unread.
 * `query` is an object of parameters; `body` is piped in with backpressure when given (any Readable).
 */
export function signedRequest(server, { method, path, query, headers = {}, body }) {
  const signed = signV4Headers(
    { method, path, query, headers: { host: `${server.host}:${server.port}`, ...headers } },
    { credentials: CREDENTIALS, region: REGION, nowMs: Date.now() },
    nodeCrypto,
  );
  const req = http.request({
    host: server.host,
    port: server.port,
    method,
    path: signed.query === '' ? path : `${path}?${signed.query}`,
    headers: signed.headers,
    agent: server.agent,
  });
  const response = new Promise((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  if (body) pipeline(body, req).catch((err) => req.destroy(err));
  else req.end();
  return response;
}

/** Reads a whole (small) response body as text. */
export async function readText(res) {
  res.setEncoding('utf8');
  let text = '';
  for await (const part of res) text += part;
  return text;
}

/** A signed request whose 2xx response is read whole; anything else throws with the server's error XML. */
export async function call(server, request) {
  const res = await signedRequest(server, request);
  const text = await readText(res);
  if (res.statusCode < 200 || res.statusCode > 299) {
    throw new Error(`${request.method} ${request.path}: HTTP ${res.statusCode} ${text.slice(0, 500)}`);
  }
  return { res, text };
}
