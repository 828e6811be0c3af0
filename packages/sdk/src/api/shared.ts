/** Small helpers the API modules share. */
import { invalidParameter } from '../errors.js';
import type { ResponseData } from '../request.js';
import type { JsonObject, JsonValue } from '../xml.js';

/** `{ ...fields, statusCode, headers }`: the shape of every result. */
export function result<T extends object>(
  res: ResponseData,
  fields: T,
): T & { statusCode: number; headers: Record<string, string> } {
  return { ...fields, statusCode: res.statusCode, headers: res.headers };
}

/** The parsed body as an object ({} when it was text). */
export function dataObject(res: ResponseData): JsonObject {
  return typeof res.data === 'object' ? res.data : {};
}

/** A child element that should hold elements ({} when absent or empty). */
export function child(node: JsonValue | undefined, name: string): JsonObject {
  if (node === undefined || typeof node !== 'object' || Array.isArray(node)) return {};
  const value = node[name];
  return value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** Base64 of an MD5 given as hex, as Content-MD5 wants it. */
export function hexToBase64(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The `x-cos-copy-source` forms Tencent's SDK accepts (§2), or the client's CopySourceParser. */
export function parseCopySource(
  source: string,
  parser: ((source: string) => { Bucket: string; Region: string; Key: string } | null) | undefined,
): { Bucket: string; Region: string; Key: string } {
  if (parser) {
    const parsed = parser(source);
    if (parsed) return parsed;
  } else {
    const m = /^([^.]+-\d+)\.cos(v6|-cdc|-internal)?\.([^.]+)\.((myqcloud\.com)|(tencentcos\.cn))\/(.+)$/.exec(source);
    if (m) return { Bucket: m[1]!, Region: m[3]!, Key: m[7]! };
  }
  throw invalidParameter('CopySource format error');
}
