import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Credential, Principal } from './auth/types.js';
import type { Config } from './config.js';

/** The root account: its keys, APPID and uin. */
export interface Identity {
  secretId: string;
  secretKey: string;
  appId: string;
  uin: string;
  /** True when the keys came from COFFER_SECRET_ID/COFFER_SECRET_KEY rather than the data directory. */
  fromEnvironment: boolean;
}

const FILE = 'credentials.json';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHANUMERIC[b % ALPHANUMERIC.length];
  return out;
}

/**
 * Loads the root identity from `<data>/credentials.json`, creating it (mode 0600) on first start.
 * Keys given in the environment win and are never written to disk.
 */
export async function loadOrCreateIdentity(config: Config): Promise<Identity> {
  const file = path.join(config.dataDir, FILE);
  let stored: Omit<Identity, 'fromEnvironment'> | undefined;
  try {
    stored = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!stored) {
    stored = {
      // COS SecretIds are "AKID" and 32 characters; SecretKeys 32 characters.
      secretId: `AKID${randomString(32)}`,
      secretKey: randomString(32),
      appId: config.appId ?? String(randomInt(1_250_000_000, 1_399_999_999)),
      uin: String(randomInt(100_000_000_000, 199_999_999_999)),
    };
    await fs.writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    ...stored,
    ...(config.appId !== undefined ? { appId: config.appId } : {}),
    ...(config.secretId !== undefined && config.secretKey !== undefined
      ? { secretId: config.secretId, secretKey: config.secretKey }
      : {}),
    fromEnvironment: config.secretId !== undefined,
  };
}

export function rootPrincipal(identity: Identity): Principal {
  return { appId: identity.appId, ownerUin: identity.uin, uin: identity.uin, isRoot: true };
}

export function rootCredential(identity: Identity): Credential {
  return { accessKeyId: identity.secretId, secretKey: identity.secretKey, principal: rootPrincipal(identity) };
}

/** COS owner ids: `qcs::cam::uin/<owner uin>:uin/<uin>` (the same uin twice for the root account). */
export function ownerIdOf(principal: Principal): string {
  return `qcs::cam::uin/${principal.ownerUin}:uin/${principal.uin}`;
}
