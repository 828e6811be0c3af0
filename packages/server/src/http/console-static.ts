import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

/** Where the console lives on the API port; the same paths on the console's own listener. */
export const CONSOLE_PATH = '/-/console/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** True for `/-/console` and everything under it (the internal path is what follows `/-`). */
export function isConsolePath(internalPath: string | undefined): boolean {
  return internalPath === '/console' || internalPath?.startsWith('/console/') === true;
}

let found: { dir: string | undefined } | undefined;

/** findConsoleDir(), looked up once per process. */
export function consoleDir(): string | undefined {
  found ??= { dir: findConsoleDir() };
  return found.dir;
}

/**
 * The built console (`packages/console/dist`): through the workspace link when installed, else beside
 * this package in the repository. Undefined when the console was not built.
 */
export function findConsoleDir(): string | undefined {
  const candidates: string[] = [];
  try {
    const pkg = createRequire(import.meta.url).resolve('@coffer/console/package.json');
    candidates.push(path.join(path.dirname(pkg), 'dist'));
  } catch {
    // not linked: fall back to the repository layout below
  }
  candidates.push(fileURLToPath(new URL('../../../console/dist', import.meta.url)));
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
}

/**
 * Serves the console's static files under `prefix` (GET/HEAD only). Hashed assets (`assets/*`, named
 * by content by Vite) are cached for a year; index.html is revalidated every time, and any other path
 * under the prefix falls back to it so the single-page app's own routes survive a reload.
 * Hand-written rather than a static-file middleware: the server has no framework to plug one into,
 * and this is the whole of it.
 */
export async function serveConsole(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  dir: string | undefined = consoleDir(),
  prefix = CONSOLE_PATH,
): Promise<void> {
  if (rawPath === prefix.slice(0, -1)) {
    res.writeHead(301, { location: prefix });
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('The console is read-only: GET or HEAD.\n');
    return;
  }
  if (!dir) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The console is not built: run `npm run build -w @coffer/console`.\n');
    return;
  }
  let relative: string;
  try {
    relative = decodeURIComponent(rawPath.slice(prefix.length));
  } catch {
    relative = '';
  }
  // normalize() resolves `..`; anything still escaping the folder gets index.html, like an unknown route.
  const candidate = path.normalize(path.join(dir, relative));
  let file = path.join(dir, 'index.html');
  if (relative && candidate.startsWith(dir + path.sep)) {
    const stat = await fs.promises.stat(candidate).catch(() => undefined);
    if (stat?.isFile()) file = candidate;
    else if (relative.startsWith('assets/')) {
      // A missing hashed asset is a stale page asking for an old build: a 404, not the HTML.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found\n');
      return;
    }
  }
  const stat = await fs.promises.stat(file);
  const hashed = path.relative(dir, file).startsWith(`assets${path.sep}`);
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(fs.createReadStream(file), res);
}
