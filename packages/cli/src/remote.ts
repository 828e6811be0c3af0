/**
 * Paths: `cos://bucket-appid/key` (as COSCLI writes them) or `s3://bucket/key` name an object or, with a trailing
 * `/`, a folder; anything else is a local path.
 */
import { CliError } from './errors.js';

export interface RemotePath {
  kind: 'remote';
  scheme: 'cos' | 's3';
  bucket: string;
  /** The key or prefix, '' for the bucket's root. */
  key: string;
  /** The text as given (for messages). */
  text: string;
}

export interface LocalPath {
  kind: 'local';
  path: string;
  text: string;
}

export type AnyPath = RemotePath | LocalPath;

const REMOTE = /^(cos|s3):\/\/([^/]*)(?:\/(.*))?$/s;

export function isRemote(text: string): boolean {
  return REMOTE.test(text);
}

export function parsePath(text: string): AnyPath {
  const m = REMOTE.exec(text);
  if (!m) return { kind: 'local', path: text, text };
  if (!m[2]) throw new CliError(`${text}: no bucket (write ${m[1]}://bucket${m[1] === 'cos' ? '-appid' : ''}/key)`);
  return { kind: 'remote', scheme: m[1] as 'cos' | 's3', bucket: m[2], key: m[3] ?? '', text };
}

export function parseRemote(text: string, what = 'a remote path'): RemotePath {
  const p = parsePath(text);
  if (p.kind !== 'remote') throw new CliError(`${text}: expected ${what} (cos://bucket-appid/key or s3://bucket/key)`);
  return p;
}

/** The same remote path with a key. */
export function withKey(p: RemotePath, key: string): RemotePath {
  return { ...p, key, text: `${p.scheme}://${p.bucket}/${key}` };
}

export function remoteText(p: RemotePath, key = p.key): string {
  return `${p.scheme}://${p.bucket}/${key}`;
}
