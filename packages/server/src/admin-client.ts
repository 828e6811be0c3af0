import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { signV4Headers } from '@coffer/protocol';
import { nodeCrypto } from './auth/index.js';
import { type Config, ConfigError } from './config.js';

/** What an admin call answered: the status and the JSON body. */
export interface AdminReply {
  status: number;
  body: unknown;
}

/**
 * The endpoint a local command reaches the server at: the configured address, with a wildcard host
 * (0.0.0.0, ::) replaced by the loopback address; https when the server serves TLS (its certificate
 * must then be trusted: a public CA, or NODE_EXTRA_CA_CERTS).
 */
export function localEndpoint(config: Config): string {
  const { host, port } = config.address;
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  return `${config.tls ? 'https' : 'http'}://${reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable}:${port}`;
}

/** The root keys: COFFER_SECRET_ID / COFFER_SECRET_KEY, else `<data>/credentials.json` (never created here). */
async function rootKeys(config: Config): Promise<{ accessKeyId: string; secretKey: string }> {
  if (config.secretId !== undefined && config.secretKey !== undefined) {
    return { accessKeyId: config.secretId, secretKey: config.secretKey };
  }
  const file = path.join(config.dataDir, 'credentials.json');
  try {
    const stored = JSON.parse(await fs.readFile(file, 'utf8')) as { secretId?: string; secretKey?: string };
    if (typeof stored.secretId === 'string' && typeof stored.secretKey === 'string') {
      return { accessKeyId: stored.secretId, secretKey: stored.secretKey };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  throw new ConfigError(
    `no root credentials: ${file} does not hold them and COFFER_SECRET_ID / COFFER_SECRET_KEY are not set (use the server's --data)`,
  );
}

/**
 * Calls one of the server's own endpoints (`/-/admin/...`) as the root, signed with SigV4: what the
 * command line's operator commands use to reach a running server.
 */
export async function callAdmin(
  config: Config,
  method: string,
  pathAndQuery: string,
  options: { endpoint?: string; body?: string } = {},
): Promise<AdminReply> {
  const credentials = await rootKeys(config);
  const url = new URL(pathAndQuery, options.endpoint ?? localEndpoint(config));
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const base: Record<string, string> = { host: url.host };
  if (body) base['content-length'] = String(body.length);
  const { headers } = signV4Headers(
    {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      headers: base,
      payloadHash: createHash('sha256')
        .update(body ?? Buffer.alloc(0))
        .digest('hex'),
    },
    { credentials, region: config.region, nowMs: Date.now() },
    nodeCrypto,
  );
  return new Promise<AdminReply>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // Not JSON: hand back the text.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
