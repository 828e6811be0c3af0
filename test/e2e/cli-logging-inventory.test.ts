/**
 * The built `coffer` for issue 14's configurations: logging get|set|rm, admin logging flush, and
 * inventory set|ls|get|run|rm, with COS and with S3 signing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/clients.js';
import { cliEnv, cofferJson, cofferOk, type Signing } from './helpers/coffer-cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ config: { accessLogIntervalMs: '3600000', inventoryCheckMs: '0' } });
});
afterAll(async () => {
  await t?.close();
});

describe.each(['cos', 's3'] as Signing[])('coffer with %s signing', (signing) => {
  let env: NodeJS.ProcessEnv;
  let src: string;
  let out: string;
  beforeAll(async () => {
    env = cliEnv(t, await tempDir('coffer-cli-logs-'), signing);
    src = t.bucketName(`clisrc${signing}`);
    out = t.bucketName(`cliout${signing}`);
    await cofferOk(env, ['mb', `${signing}://${src}`]);
    await cofferOk(env, ['mb', `${signing}://${out}`]);
  });

  it('logging set, get, flush and rm', async () => {
    expect(await cofferJson(env, ['logging', 'get', `${signing}://${src}`])).toEqual({});
    await cofferOk(env, ['logging', 'set', `${signing}://${src}`, `${signing}://${out}/access/`]);
    expect(await cofferJson(env, ['logging', 'get', `${signing}://${src}`])).toEqual({
      LoggingEnabled: { TargetBucket: out, TargetPrefix: 'access/' },
    });
    await cofferOk(env, ['ls', `${signing}://${src}`]);
    const flushed = await cofferJson<{ delivered: number; records: number }>(env, ['admin', 'logging', 'flush']);
    expect(flushed.delivered).toBeGreaterThanOrEqual(1);
    const listed = await cofferOk(env, ['ls', `${signing}://${out}/access/`]);
    expect(listed.stdout).toMatch(/access\//);
    await cofferOk(env, ['logging', 'rm', `${signing}://${src}`]);
    expect(await cofferJson(env, ['logging', 'get', `${signing}://${src}`])).toEqual({});
  });

  it('inventory set, ls, get, run and rm', async () => {
    await cofferOk(env, [
      'inventory',
      'set',
      `${signing}://${src}`,
      'daily',
      '--dest',
      `${signing}://${out}/inv`,
      '--fields',
      'Size,ETag',
    ]);
    const list = await cofferJson<{ Id: string }[]>(env, ['inventory', 'ls', `${signing}://${src}`]);
    expect(list.map((c) => c.Id)).toEqual(['daily']);
    const one = await cofferJson<{ Id: string; OptionalFields: string[] }>(env, [
      'inventory',
      'get',
      `${signing}://${src}`,
      'daily',
    ]);
    expect(one).toMatchObject({ Id: 'daily', OptionalFields: ['Size', 'ETag'] });
    const run = await cofferJson<{ manifestKey: string }>(env, ['inventory', 'run', `${signing}://${src}`, 'daily']);
    expect(run.manifestKey).toMatch(new RegExp(`^inv/${src}/daily/.+/manifest\\.json$`));
    await cofferOk(env, ['inventory', 'rm', `${signing}://${src}`, 'daily']);
    expect(await cofferJson(env, ['inventory', 'ls', `${signing}://${src}`])).toEqual([]);
  });
});
