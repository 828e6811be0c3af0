/**
 * The README's "Everyday commands" run as written: the block is taken from README.md and run by bash, line by
 * line (set -e), with `coffer` on PATH as the built CLI, against a live server, from a folder holding ./photos/.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientEnv, run, tempDir, writeTree } from './helpers/clients.js';
import { COFFER_CLI } from './helpers/coffer-cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

it("README's everyday commands run as written", async () => {
  const readme = await fs.readFile(README, 'utf8');
  const section = readme.slice(readme.indexOf('## Everyday commands'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  expect(block.split('\n').filter((l) => l.startsWith('coffer ')).length).toBeGreaterThanOrEqual(8);
  const work = await tempDir('coffer-readme-');
  const bin = path.join(work, 'bin');
  await fs.mkdir(bin);
  await fs.writeFile(path.join(bin, 'coffer'), `#!/bin/sh\nexec "${process.execPath}" "${COFFER_CLI}" "$@"\n`, {
    mode: 0o755,
  });
  await writeTree(path.join(work, 'photos'), { 'a.txt': 'a photo, honestly\n', 'trip/b.jpg': 'jpeg bytes' });
  // The README talks to 127.0.0.1:9000; the test server is elsewhere, so only the endpoint is swapped.
  const script = block.replaceAll('http://127.0.0.1:9000', t.url);
  const env = clientEnv(work, {
    PATH: `${bin}:${process.env.PATH}`,
    XDG_CONFIG_HOME: path.join(work, 'config'),
    SECRET_ID: t.secretId,
    SECRET_KEY: t.secretKey,
  });
  const result = await run('bash', ['-e', '-x', '-c', script], { env, cwd: work, timeoutMs: 120_000 });
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stdout).toContain('a photo, honestly');
  expect(result.stdout).toMatch(/q-signature=/);
  expect(await fs.readFile(path.join(work, 'restored', 'trip', 'b.jpg'), 'utf8')).toBe('jpeg bytes');
  expect(
    JSON.parse(await fs.readFile(path.join(work, 'config', 'coffer', 'config.json'), 'utf8')).profiles.default.endpoint,
  ).toBe(t.url);
  await fs.rm(work, { recursive: true, force: true });
});
