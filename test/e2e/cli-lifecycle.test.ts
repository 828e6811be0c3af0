/**
 * `coffer lifecycle run`, the command line trigger of a lifecycle pass (issue: "plus POST
 * /-/admin/lifecycle/run and a CLI-reachable trigger"): the built CLI, in its own process, signs
 * with the root key it finds in the data directory and prints the pass's summary.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, run, tempDir } from './helpers/clients.js';
import { DAY_MS, movableClock } from './helpers/lifecycle.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/main.js');

describe('coffer lifecycle run', () => {
  const clock = movableClock(Date.UTC(2030, 0, 1, 12));
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await startTestServer({ clock, config: { lifecycleHourUtc: '-1' } });
    env = clientEnv(await tempDir('coffer-cli-'));
  });
  afterAll(async () => {
    await t?.close();
  });
  const coffer = (...args: string[]) => run(process.execPath, [CLI, ...args], { env });

  it('runs a pass on the running server with the root key from --data and prints what it did', async () => {
    const s3 = t.s3();
    const Bucket = t.bucketName('cli-lc');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [{ ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }],
        },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'tmp/old', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'keep', Body: 'y' }));
    clock.now += 3 * DAY_MS;

    const result = await coffer('lifecycle', 'run', '--endpoint', t.url, '--data', t.dataDir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ finished: true, objectsExpired: 1 });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['keep']);

    const started = await coffer('lifecycle', 'run', '--no-wait', `--endpoint=${t.url}`, '--data', t.dataDir);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toEqual({ started: true });
  });

  it("exits 1 with the server's error for a key it refuses, 2 for no credentials or a bad command", async () => {
    const refused = await run(process.execPath, [CLI, 'lifecycle', 'run', '--endpoint', t.url], {
      env: { ...env, COFFER_SECRET_ID: `AKID${'x'.repeat(32)}`, COFFER_SECRET_KEY: 'y'.repeat(32) },
    });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: 'InvalidAccessKeyId' });
    const empty = await tempDir('coffer-cli-empty-');
    const noKeys = await coffer('lifecycle', 'run', '--endpoint', t.url, '--data', empty);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toMatch(/no root credentials/);
    const bad = await coffer('lifecycle', 'walk');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown subcommand "walk"/);
  });
});
