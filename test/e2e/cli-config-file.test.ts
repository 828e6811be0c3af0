/**
 * `coffer server --config FILE` as an operator runs it: a bad file stops the start with one line that
 * names the file and the key (exit 2, before any data directory is touched), and flags override it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function coffer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COFFER_')));
  return promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...inherited, ...env }, timeout: 20_000 }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

describe('coffer server --config', () => {
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('refuses a misspelt key with one line naming it, and creates no data directory', async () => {
    const file = write('typo.toml', `data_dir = "data"\nlog_levle = "warn"\n`);
    const { code, stderr } = await coffer(['server', '--config', file]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^coffer: .*typo\.toml: unknown key "log_levle"; did you mean "log_level"\?/),
    ]);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('names the file key of a bad value, and the flag when a flag overrides it', async () => {
    const file = write('bad.toml', 'max_put_bytes = -1\n');
    expect((await coffer(['server', '--config', file])).stderr).toMatch(
      /bad\.toml: max_put_bytes "-1" must be a whole number ≥ 0/,
    );
    const viaEnv = await coffer(['server'], { COFFER_CONFIG: write('addr.toml', 'address = "nowhere"\n') });
    expect(viaEnv.stderr).toMatch(/addr\.toml: address "nowhere" must be host:port/);
    const flagWins = await coffer(['server', '--address', 'elsewhere'], { COFFER_CONFIG: path.join(dir, 'addr.toml') });
    expect(flagWins.stderr).toMatch(/--address "elsewhere" must be host:port/);
  });
});
