/** Runs the BUILT `coffer` (packages/cli/dist/main.js) as a child process against a test server. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientEnv, type RunResult, run } from './clients.js';
import type { TestServer } from './server.js';

export const COFFER_CLI = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../packages/cli/dist/main.js',
);

export type Signing = 'cos' | 's3';

/** The environment of a CLI that talks to `t` with its root key, signing one way, with a private config file. */
export function cliEnv(
  t: TestServer,
  home: string,
  signing: Signing,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return clientEnv(home, {
    COFFER_CONFIG: path.join(home, 'coffer.json'),
    COFFER_ENDPOINT: t.url,
    COFFER_SECRET_ID: t.secretId,
    COFFER_SECRET_KEY: t.secretKey,
    COFFER_REGION: 'ap-guangzhou',
    COFFER_SIGNING: signing,
    ...extra,
  });
}

export function coffer(env: NodeJS.ProcessEnv, args: string[], cwd?: string): Promise<RunResult> {
  return run(process.execPath, [COFFER_CLI, ...args], { env, ...(cwd ? { cwd } : {}), timeoutMs: 120_000 });
}

/** Runs and insists on exit 0, showing the output otherwise. */
export async function cofferOk(env: NodeJS.ProcessEnv, args: string[], cwd?: string): Promise<RunResult> {
  const r = await coffer(env, args, cwd);
  if (r.code !== 0)
    throw new Error(`coffer ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/** Runs with --json and parses stdout. */
export async function cofferJson<T = Record<string, unknown>>(env: NodeJS.ProcessEnv, args: string[]): Promise<T> {
  const r = await cofferOk(env, ['--json', ...args]);
  return JSON.parse(r.stdout) as T;
}
