import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, expectSuccess, run, tempDir } from './clients.js';
import { startTestServer, TEST_REGION, type TestServer } from './server.js';

/** Debian's interpreter, where python3-boto3 lives (`python3` on PATH may be a pyenv one). */
const PYTHON = '/usr/bin/python3';

/**
 * Runs a boto3 script of test/e2e/boto3/ against a server of its own: the script lists its sections
 * (they must be `sections`, in order), then each section is an `it` that passes when it ran its
 * number of checks (a section cut short by an exception is caught by the count too) and none failed.
 * The script's command line and report: boto3/harness.py.
 */
export function describeBoto3Script(title: string, script: string, sections: [section: string, checks: number][]) {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'boto3', script);
  describe(title, () => {
    let t: TestServer;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      t = await startTestServer();
      env = clientEnv(await tempDir(`coffer-boto3-${path.basename(script, '.py')}-`), {
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

    it(`${script} names the sections this test runs`, async () => {
      const listed = JSON.parse(expectSuccess(await run(PYTHON, [file], { env }), script).stdout);
      expect(listed.sections).toEqual(sections.map(([s]) => s));
    });

    it.each(sections)('%s: every check holds', async (section, count) => {
      const result = expectSuccess(await run(PYTHON, [file, section], { env }), `${script} ${section}`);
      const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
      expect(report.failures).toEqual([]);
      expect(report.checks).toBe(count);
    });
  });
}
