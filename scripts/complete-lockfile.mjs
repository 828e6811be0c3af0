#!/usr/bin/env node
// Completes package-lock.json with the optional, platform-specific packages npm 11.19 leaves out of it
// (other platforms' binaries of rollup, biome, …) and then refuses in `npm ci` ("Missing: … from lock
// file"). Each missing optional dependency gets the entry npm itself would write (version, integrity,
// os/cpu/libc), taken from the registry; `npm ci` checks it and skips installing it on other platforms.
// Idempotent: a complete lockfile is left untouched. Run by .ci/run before `npm ci`, and after any
// `npm install` that rewrote the lockfile.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const text = readFileSync(file, 'utf8');
const lock = JSON.parse(text);
const packages = lock.packages;

/** Where npm would look a dependency up from `parent`: nested first, then each ancestor, then the root. */
function resolvedPath(parent, name) {
  let base = parent;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

const missing = new Map();
for (const [path, pkg] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (resolvedPath(path, name)) continue;
    const key = `node_modules/${name}`;
    if (!missing.has(key)) missing.set(key, { name, range, dev: pkg.dev === true });
  }
}

/** Registry metadata of a package version, or undefined when the registry does not have it. */
function registryInfo(name, range) {
  try {
    const out = execFileSync(
      'npm',
      ['view', `${name}@${range}`, 'version', 'dist.integrity', 'os', 'cpu', 'libc', 'license', 'engines', '--json'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const info = JSON.parse(out);
    return Array.isArray(info) ? info[info.length - 1] : info;
  } catch {
    return undefined;
  }
}

/**
 * The platform a binary package is for, from its name (`@rollup/rollup-linux-arm64-musl`): registries
 * that mirror only some platforms (as this project's does) have no metadata for the others.
 */
function platformFromName(name) {
  const os = /(android|darwin|linux|win32|freebsd|openbsd|openharmony|netbsd|sunos|aix)/.exec(name)?.[1];
  const cpu = /(arm64|x64|ia32|loong64|ppc64|riscv64|s390x|arm)/.exec(
    name.replace(/^.*?(android|darwin|linux|win32|freebsd|openbsd|openharmony)/, ''),
  )?.[1];
  const libc = /musl/.test(name) ? ['musl'] : os === 'linux' && /gnu/.test(name) ? ['glibc'] : undefined;
  return { ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}), ...(libc ? { libc } : {}) };
}

for (const [key, { name, range, dev }] of missing) {
  const info = registryInfo(name, range) ?? {
    version: /^\d+\.\d+\.\d+/.test(range) ? range : range.replace(/^[~^]/, ''),
    ...platformFromName(name),
  };
  packages[key] = {
    version: info.version,
    ...(info['dist.integrity'] ? { integrity: info['dist.integrity'] } : {}),
    ...(info.cpu ? { cpu: info.cpu } : {}),
    ...(dev ? { dev: true } : {}),
    ...(info.libc ? { libc: info.libc } : {}),
    ...(info.license ? { license: info.license } : {}),
    optional: true,
    ...(info.os ? { os: info.os } : {}),
    ...(info.engines ? { engines: info.engines } : {}),
  };
}

if (missing.size > 0) {
  // npm keeps the packages map sorted by path.
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`complete-lockfile: ${missing.size === 0 ? 'complete' : `added ${[...missing.keys()].join(', ')}`}`);
