// Starting a `coffer server` child process (the built CLI): shared by the bench scripts (child-server.js) and the
// tests that kill one with SIGKILL (test/e2e/helpers/child-server.ts). No imports of the packages, so that tests,
// which run the packages from source, can load it too.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

/**
 * Starts `coffer server` on 127.0.0.1 (a free port) over `dataDir`, with `env` on top of this process's environment
 * less its own COFFER_* variables, and resolves once the banner is printed (the server is listening by then) with
 * `{ child, url, logs, exited }`: stdout lines that are not the banner are pino JSON, kept as text in `logs` (the
 * array grows while the server runs); `exited` resolves with `{ code, signal }`. Without a banner within
 * `timeoutMs` the child is killed; either way the rejection quotes its stderr. `nodeArgs` go to node before the
 * script (e.g. --cpu-prof, which NODE_OPTIONS does not take).
 */
export async function spawnCofferServer(dataDir, env = {}, timeoutMs = 60_000, nodeArgs = []) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COFFER_')));
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'server'], {
    env: { ...inherited, COFFER_ADDRESS: '127.0.0.1:0', COFFER_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text) => {
    stderr += text;
  });
  const logs = [];
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner after ${timeoutMs / 1000} s; stderr: ${stderr}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) {
        logs.push(line);
        return;
      }
      const m = /serving the COS and S3 APIs at (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before serving; stderr: ${stderr}`));
    });
  });
  return { child, url, logs, exited };
}
