/**
 * Profiles: `{ "current": "name", "profiles": { name: Profile } }` in `$COFFER_CONFIG`, else
 * `$XDG_CONFIG_HOME/coffer/config.json`, else `~/.config/coffer/config.json` (written 0600: it holds secret keys).
 * COFFER_ENDPOINT, COFFER_SECRET_ID, COFFER_SECRET_KEY, COFFER_REGION and COFFER_SIGNING override the profile's
 * values, so one-off commands and CI need no file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from './errors.js';

export type Signing = 'cos' | 's3';

export interface Profile {
  /** `http://127.0.0.1:9000`. */
  endpoint?: string;
  secretId?: string;
  secretKey?: string;
  /** Region for bucket requests and the SigV4 scope. Default ap-guangzhou (the server's default). */
  region?: string;
  /** COS q-sign (Tencent's SDKs) or S3 SigV4. Default cos. */
  signing?: Signing;
}

export interface ConfigFile {
  current?: string;
  profiles: Record<string, Profile>;
}

export const PROFILE_KEYS = ['endpoint', 'secretId', 'secretKey', 'region', 'signing'] as const;
export const DEFAULT_REGION = 'ap-guangzhou';

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.COFFER_CONFIG) return env.COFFER_CONFIG;
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'coffer', 'config.json');
}

export function readConfig(file = configPath()): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as ConfigFile;
    return { ...parsed, profiles: parsed.profiles ?? {} };
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export function writeConfig(config: ConfigFile, file = configPath()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

export function checkProfileValue(key: string, value: string): void {
  if (!(PROFILE_KEYS as readonly string[]).includes(key)) {
    throw new CliError(`unknown setting "${key}"; known: ${PROFILE_KEYS.join(', ')}`);
  }
  if (key === 'endpoint' && !/^https?:\/\/[^/]+\/?$/.test(value)) {
    throw new CliError(`endpoint "${value}" must be a URL such as http://127.0.0.1:9000`);
  }
  if (key === 'signing' && value !== 'cos' && value !== 's3')
    throw new CliError(`signing must be cos or s3, not "${value}"`);
  if (key === 'region' && !/^[a-z\d-]+$/.test(value)) throw new CliError(`region "${value}" must match ^[a-z0-9-]+$`);
}

export interface ResolvedProfile extends Required<Omit<Profile, 'secretId' | 'secretKey'>> {
  name: string;
  secretId?: string;
  secretKey?: string;
}

/** The profile in effect: `--profile`, else COFFER_PROFILE, else the file's current one; the environment on top. */
export function resolveProfile(name: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedProfile {
  const file = readConfig(configPath(env));
  const chosen = name ?? env.COFFER_PROFILE ?? file.current ?? 'default';
  const stored = file.profiles[chosen];
  if (name !== undefined && !stored)
    throw new CliError(`no profile "${name}" in ${configPath(env)} (coffer config set --profile ${name} …)`);
  const p: Profile = { ...stored };
  if (env.COFFER_ENDPOINT) p.endpoint = env.COFFER_ENDPOINT;
  if (env.COFFER_SECRET_ID) p.secretId = env.COFFER_SECRET_ID;
  if (env.COFFER_SECRET_KEY) p.secretKey = env.COFFER_SECRET_KEY;
  if (env.COFFER_REGION) p.region = env.COFFER_REGION;
  if (env.COFFER_SIGNING) p.signing = env.COFFER_SIGNING as Signing;
  for (const key of PROFILE_KEYS) if (p[key] !== undefined) checkProfileValue(key, p[key]!);
  return {
    name: chosen,
    endpoint: (p.endpoint ?? 'http://127.0.0.1:9000').replace(/\/$/, ''),
    region: p.region ?? DEFAULT_REGION,
    signing: p.signing ?? 'cos',
    ...(p.secretId ? { secretId: p.secretId } : {}),
    ...(p.secretKey ? { secretKey: p.secretKey } : {}),
  };
}
