// Types of spawn-server.js, for the tests that import it (test/e2e/helpers/child-server.ts).
import type { ChildProcess } from 'node:child_process';

export const CLI: string;

export function spawnCofferServer(
  dataDir: string,
  env?: Record<string, string>,
  timeoutMs?: number,
  /** Options for node itself, before the script (e.g. --cpu-prof). */
  nodeArgs?: string[],
): Promise<{
  child: ChildProcess;
  url: string;
  /** pino lines (JSON text) printed on stdout so far. */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}>;
