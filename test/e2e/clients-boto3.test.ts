/**
 * boto3 (Debian's python3-boto3 1.26; PyPI is out of reach, `.ci/run` installs it) driving a sweep of
 * S3 behaviour: buckets, objects, conditional writes, listing, copy and tags, multipart, versioning,
 * access control, lifecycle. The checks live in boto3/sweep.py, one section per `it`; each prints
 * its failures as JSON, and a section passes when it ran all its checks and none failed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, expectSuccess, run, tempDir } from './helpers/clients.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

/** Debian's interpreter, where python3-boto3 lives (`python3` on PATH may be a pyenv one). */
const PYTHON = '/usr/bin/python3';
const SWEEP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'boto3', 'sweep.py');
/** Each section and the number of checks it makes: a section cut short by an exception is caught by the count too. */
const SECTIONS: [section: string, checks: number][] = [
  ['buckets', 38],
  ['objects', 46],
  ['conditional_writes', 6],
  ['listing', 13],
  ['copy_and_tags', 13],
  ['multipart', 21],
  ['versioning', 11],
  ['access', 26],
  ['lifecycle', 7],
  ['logging_and_inventory', 7],
  ['encryption_and_lock', 15],
  ['sigv2', 7],
];

describe('boto3 1.26 (path style)', () => {
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await startTestServer();
    env = clientEnv(await tempDir('coffer-boto3-'), {
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

  it('the sweep names the sections this test runs', async () => {
    const listed = JSON.parse(expectSuccess(await run(PYTHON, [SWEEP], { env }), 'sweep.py').stdout);
    expect(listed.sections).toEqual(SECTIONS.map(([s]) => s));
  });

  it.each(SECTIONS)('%s: every check holds', async (section, count) => {
    const result = expectSuccess(await run(PYTHON, [SWEEP, section], { env }), `sweep.py ${section}`);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report.failures).toEqual([]);
    expect(report.checks).toBe(count);
  });
});
