/**
 * The README's code examples, run as written against a live server. A fenced `js` or `sh` block right
 * after a `<!-- runnable -->` line is an example a reader can paste and run; the only change made is
 * the address (`127.0.0.1:9000` → the test server's). The README says so in a comment beside them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeadObjectCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, expectSuccess, run } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = path.join(ROOT, 'README.md');
const MARKER = '<!-- runnable -->';

interface Example {
  /** Line of the opening fence (1-based), for the test's name. */
  line: number;
  lang: 'js' | 'sh';
  code: string;
}

/** The runnable blocks of a Markdown document: each fenced block on the line after a marker. */
function runnableExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    if (lines[i]!.trim() !== MARKER) continue;
    const fence = /^```(js|sh)\s*$/.exec(lines[i + 1]!);
    if (!fence) throw new Error(`README.md:${i + 1}: ${MARKER} must be followed by a \`\`\`js or \`\`\`sh block`);
    const end = lines.indexOf('```', i + 2);
    if (end < 0) throw new Error(`README.md:${i + 2}: unterminated code block`);
    examples.push({ line: i + 2, lang: fence[1] as 'js' | 'sh', code: lines.slice(i + 2, end).join('\n') });
  }
  return examples;
}

const examples = runnableExamples(await fs.readFile(README, 'utf8'));

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

/** Runs one example in a fresh directory inside the repository (so its imports resolve). */
async function runExample(example: Example) {
  const dir = await fs.mkdtemp(path.join(ROOT, '.vitest-tmp-readme-'));
  try {
    const code = example.code.replaceAll('127.0.0.1:9000', `127.0.0.1:${t.port}`);
    const env = clientEnv(dir, {
      AWS_ACCESS_KEY_ID: t.secretId,
      AWS_SECRET_ACCESS_KEY: t.secretKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
    if (example.lang === 'sh') {
      const file = path.join(dir, 'example.sh');
      await fs.writeFile(file, `set -euo pipefail\n${code}\n`);
      return expectSuccess(await run('/bin/bash', [file], { env, cwd: dir }), `README.md:${example.line}`);
    }
    // The key as the README's examples name it; import declarations are hoisted, so these come first
    // without changing the example.
    const prelude = [
      `const SecretId = ${JSON.stringify(t.secretId)}, SecretKey = ${JSON.stringify(t.secretKey)};`,
      'const SECRET_ID = SecretId, SECRET_KEY = SecretKey;',
    ].join('\n');
    const file = path.join(dir, 'example.mjs');
    await fs.writeFile(file, `${prelude}\n${code}\n`);
    return expectSuccess(await run(process.execPath, [file], { env, cwd: dir }), `README.md:${example.line}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('README.md examples, as written', () => {
  it('has runnable examples for each client it documents', () => {
    const all = examples.map((e) => e.code).join('\n');
    for (const client of ['@aws-sdk/client-s3', 'cos-nodejs-sdk-v5', '@coffer/sdk', 'aws --endpoint-url']) {
      expect(all, client).toContain(client);
    }
    // Without ServiceDomain the SDKs' getService goes to Tencent's own service domain.
    for (const e of examples.filter((x) => /from '(cos-nodejs-sdk-v5|@coffer\/sdk)'/.test(x.code)))
      expect(e.code, `README.md:${e.line}`).toContain("ServiceDomain: 'http://127.0.0.1:9000'");
  });

  it.each(examples.map((e) => [`${e.lang} block at README.md:${e.line}`, e] as const))(
    '%s runs',
    async (_, example) => {
      await runExample(example);
    },
  );

  it('left what the examples say they make', async () => {
    const s3 = t.s3();
    const names = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
    expect(names).toEqual(
      expect.arrayContaining(['reports-1250000000', 'notes-1250000000', 'logs-1250000000', 'photos-1250000000']),
    );
    const copied = await s3.send(new HeadObjectCommand({ Bucket: 'notes-1250000000', Key: 'b.txt' }));
    expect(copied.ContentLength).toBe(5);
    const uploaded = await s3.send(new HeadObjectCommand({ Bucket: 'photos-1250000000', Key: 'big.bin' }));
    expect(uploaded.ContentLength).toBe(3 * 1024 * 1024);
  });
});
