/**
 * The deployment kit in deploy/: the systemd unit (checked by `systemd-analyze verify` where systemd's
 * tools are installed, its hardening read back, and its ExecStart run here with the example config
 * file), and the container build file (no container engine or registry is reachable where the tests
 * run, so it is parsed and checked against the repository: stages, non-root user, every COPY source,
 * the entrypoint, and its HEALTHCHECK script run against a live server; `docker build` runs only where
 * a Docker daemon answers).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '@coffer/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = path.join(ROOT, 'deploy');
const run = promisify(execFile);

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** A systemd unit file as section → key → values (keys may repeat; continuation lines joined). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** Container build file instructions: { op, args, stage }, with continuation lines joined. */
function parseContainerfile(text: string): { op: string; args: string; stage: number }[] {
  const joined = text.replace(/\\\n/g, ' ');
  const out: { op: string; args: string; stage: number }[] = [];
  let stage = -1;
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`not an instruction: ${line}`);
    if (m[1] === 'FROM') stage++;
    out.push({ op: m[1]!, args: m[2]!.replace(/\s+/g, ' '), stage });
  }
  return out;
}

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts a command that runs `coffer server` and waits for its banner. */
async function startServerProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<Child> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COFFER_')));
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner after 20 s; stderr: ${stderr}`));
    }, 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /serving the COS and S3 APIs at (https?:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before serving; stderr: ${stderr}`));
    });
  });
  return { process: child, url, exited };
}

describe('deploy/coffer.service', () => {
  const unitFile = path.join(DEPLOY, 'coffer.service');
  const unit = parseUnit(fs.readFileSync(unitFile, 'utf8'));
  const service = unit.get('Service')!;
  const one = (key: string) => service.get(key)?.at(-1);

  it.skipIf(!has('systemd-analyze', ['--version']))('passes systemd-analyze verify', async () => {
    // verify also checks that ExecStart's program exists: point it at this machine's node.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-unit-'));
    const copy = path.join(dir, 'coffer.service');
    fs.writeFileSync(copy, fs.readFileSync(unitFile, 'utf8').replaceAll('/usr/bin/node', process.execPath));
    const { stderr } = await run('systemd-analyze', ['verify', copy]).catch((err) => err);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(stderr).toBe('');
  });

  it('is hardened', () => {
    expect(one('DynamicUser')).toBe('yes');
    expect(one('StateDirectory')).toBe('coffer');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      RestrictSUIDSGID: 'yes',
      UMask: '0077',
      SystemCallFilter: '@system-service',
    })) {
      expect([key, one(key)]).toEqual([key, value]);
    }
    expect(one('CapabilityBoundingSet')).toBe('');
    // The JIT needs W^X off; the drain on SIGTERM needs 30 s.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
    expect(Number.parseInt(one('TimeoutStopSec')!, 10)).toBeGreaterThan(30);
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('its ExecStart, with the example config file, serves and stops cleanly on SIGTERM', async () => {
    const execStart = one('ExecStart')!.split(' ');
    expect(execStart.slice(0, 2)).toEqual(['/usr/bin/node', '/opt/coffer/packages/cli/dist/main.js']);
    expect(execStart.slice(2)).toEqual(['server', '--config', '/etc/coffer/coffer.toml']);
    // Installed paths → this checkout; the example file as /etc/coffer/coffer.toml. Its data_dir and
    // address are overridden by the environment (which wins over the file).
    const argv = execStart.map((word) =>
      word === '/usr/bin/node'
        ? process.execPath
        : word === '/etc/coffer/coffer.toml'
          ? path.join(DEPLOY, 'coffer.toml')
          : word.replace('/opt/coffer/', ROOT),
    );
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-unit-data-'));
    const child = await startServerProcess(argv, {
      COFFER_ADDRESS: '127.0.0.1:0',
      COFFER_DATA_DIR: data,
      COFFER_LOG_LEVEL: 'warn',
    });
    try {
      const res = await fetch(`${child.url}/-/health`);
      expect(res.status).toBe(200);
      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    } finally {
      child.process.kill('SIGKILL');
      fs.rmSync(data, { recursive: true, force: true });
    }
  });

  it('the example config file is valid and says what the unit expects', () => {
    const config = loadConfig(['--config', path.join(DEPLOY, 'coffer.toml')], {});
    expect(config).toMatchObject({ dataDir: '/var/lib/coffer', address: { host: '0.0.0.0', port: 9000 }, fsync: true });
  });
});

describe('deploy/Containerfile', () => {
  const steps = parseContainerfile(fs.readFileSync(path.join(DEPLOY, 'Containerfile'), 'utf8'));
  const last = Math.max(...steps.map((s) => s.stage));
  const final = steps.filter((s) => s.stage === last);
  const ignored = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));

  it('is a multi-stage build whose final stage runs as an unprivileged user', () => {
    const froms = steps.filter((s) => s.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const stages = froms.flatMap((s) => /\bAS (\S+)$/i.exec(s.args)?.[1] ?? []);
    expect(stages).toContain('build');
    for (const copy of steps.filter((s) => s.op === 'COPY' && s.args.startsWith('--from='))) {
      expect(stages).toContain(/^--from=(\S+)/.exec(copy.args)![1]);
    }
    // Node 20 as package.json's engines asks, in both stages.
    for (const from of froms) expect(from.args).toMatch(/node:20[.-]/);
    const user = final.filter((s) => s.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // The build toolchain stays in the build stage.
    expect(final.some((s) => s.op === 'RUN' && /apt-get|g\+\+|npm ci/.test(s.args))).toBe(false);
  });

  it('copies only what the repository has, and what .dockerignore lets through', () => {
    for (const copy of steps.filter((s) => (s.op === 'COPY' || s.op === 'ADD') && !s.args.startsWith('--from='))) {
      const words = copy.args.split(' ').filter((w) => !w.startsWith('--'));
      for (const source of words.slice(0, -1)) {
        expect(fs.existsSync(path.join(ROOT, source)), source).toBe(true);
        const top = source.replace(/^\.\/?/, '').split('/')[0]!;
        if (top !== '') expect(ignored, source).not.toContain(top);
      }
    }
    // The context keeps what the build needs, and leaves out what it makes itself.
    for (const needed of ['package.json', 'package-lock.json', 'packages', 'tsconfig.json', 'deploy']) {
      expect(ignored).not.toContain(needed);
    }
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });

  it('starts `coffer server` from the built CLI, exposes its port, and keeps data in a volume', () => {
    const entry = JSON.parse(final.find((s) => s.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry).toEqual(['node', '/app/packages/cli/dist/main.js', 'server']);
    // /app/packages is copied from the build's /src/packages: the same file exists in a built checkout.
    expect(fs.existsSync(path.join(ROOT, 'packages/cli/dist/main.js'))).toBe(true);
    const env = final
      .filter((s) => s.op === 'ENV')
      .map((s) => s.args)
      .join(' ');
    expect(env).toContain('COFFER_ADDRESS=0.0.0.0:9000');
    expect(env).toContain('COFFER_DATA_DIR=/data');
    expect(final.find((s) => s.op === 'EXPOSE')?.args).toBe('9000');
    expect(final.find((s) => s.op === 'VOLUME')?.args).toBe('["/data"]');
  });

  describe('its HEALTHCHECK', () => {
    let child: Child;
    let data: string;
    beforeAll(async () => {
      data = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-health-'));
      child = await startServerProcess([process.execPath, path.join(ROOT, 'packages/cli/dist/main.js'), 'server'], {
        COFFER_ADDRESS: '127.0.0.1:0',
        COFFER_DATA_DIR: data,
        COFFER_LOG_LEVEL: 'warn',
      });
    });
    afterAll(async () => {
      child?.process.kill('SIGTERM');
      await child?.exited;
      fs.rmSync(data, { recursive: true, force: true });
    });

    it('runs the health script, which passes on a live server and fails on a dead port', async () => {
      const check = final.find((s) => s.op === 'HEALTHCHECK')!.args;
      const cmd = JSON.parse(/CMD (\[.*\])$/.exec(check)![1]!) as string[];
      expect(cmd).toEqual(['node', '/app/healthcheck.mjs']);
      expect(steps.some((s) => s.op === 'COPY' && s.args === 'deploy/healthcheck.mjs /app/healthcheck.mjs')).toBe(true);
      const script = path.join(DEPLOY, 'healthcheck.mjs');
      const port = new URL(child.url).port;
      const inherited = Object.fromEntries(Object.entries(process.env).filter(([n]) => !n.startsWith('COFFER_')));
      await run(process.execPath, [script], { env: { ...inherited, COFFER_ADDRESS: `0.0.0.0:${port}` } });
      const dead = await run(process.execPath, [script], { env: { ...inherited, COFFER_ADDRESS: '0.0.0.0:1' } }).then(
        () => 0,
        (err: { code: number }) => err.code,
      );
      expect(dead).toBe(1);
    });
  });

  it.skipIf(!has('docker', ['info']))('builds with docker where a daemon answers', async () => {
    await run('docker', ['build', '-f', path.join(DEPLOY, 'Containerfile'), '-t', 'coffer:test', ROOT], {
      timeout: 20 * 60_000,
    });
  });
});
