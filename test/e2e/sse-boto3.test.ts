/**
 * SSE-C and SSE-KMS through boto3 (Debian's python3-boto3 1.26), including POST Object forms from
 * generate_presigned_post: the checks live in boto3/sse.py, one
 * section per `it`, driven as clients-boto3.test.ts drives sweep.py. A section passes when it ran all
 * its checks and none failed. (The data-directory scans for plaintext and customer keys are in
 * sse-c.test.ts and sse-kms.test.ts, where the test knows the keys.)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, expectSuccess, run, tempDir } from './helpers/clients.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'boto3', 'sse.py');
const SECTIONS: [section: string, checks: number][] = [
  ['sse_c', 20],
  ['sse_kms', 15],
  ['post_object', 7],
];

describe('SSE-C and SSE-KMS through boto3 1.26', () => {
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await startTestServer();
    env = clientEnv(await tempDir('coffer-boto3-sse-'), {
      COFFER_ENDPOINT: t.url,
      COFFER_REGION: TEST_REGION,
      COFFER_ACCESS_KEY: t.secretId,
      COFFER_SECRET_KEY: t.secretKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the script names the sections this test runs', async () => {
    const listed = JSON.parse(expectSuccess(await run(PYTHON, [SCRIPT], { env }), 'sse.py').stdout);
    expect(listed.sections).toEqual(SECTIONS.map(([s]) => s));
  });

  it.each(SECTIONS)('%s: every check holds', async (section, count) => {
    const result = expectSuccess(await run(PYTHON, [SCRIPT, section], { env }), `sse.py ${section}`);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report.failures).toEqual([]);
    expect(report.checks).toBe(count);
  });
});
