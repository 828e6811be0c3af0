import { randomBytes } from 'node:crypto';
import { type LockColumns, lockFromColumns } from '../object-lock.js';
import type {
  AccessKeyRecord,
  BucketRecord,
  ChecksumType,
  ManifestEntry,
  ObjectLock,
  ObjectSummary,
  ObjectVersion,
  PartRecord,
  Sse,
  UploadRecord,
  UserPolicyRecord,
  UserRecord,
  VersioningStatus,
} from '../types.js';

/** Row shapes of the SQLite schema (migrations.ts) and their mapping to the store's records. */

export interface ObjectRow {
  id: number;
  bucket_id: number;
  key: string;
  seq: number;
  version_id: string;
  is_latest: number;
  is_delete_marker: number;
  size: number;
  etag: string;
  crc64: string | null;
  last_modified_ms: number;
  storage_class: string;
  object_type: string;
  owner_id: string;
  content_headers: string;
  user_meta: string;
  checksums: string;
  tagging: string | null;
  acl: string | null;
  manifest: string;
  /** Added by migration 5. */
  part_sizes: string | null;
  part_checksums: string | null;
  /** Added by migration 7. */
  sse: string | null;
  /** Added by migration 8. */
  lock_mode: string | null;
  lock_until_ms: number | null;
  legal_hold: number | null;
  /** Added by migration 9. */
  restored_until_ms: number | null;
}

export type SummaryRow = Pick<
  ObjectRow,
  | 'key'
  | 'version_id'
  | 'seq'
  | 'is_latest'
  | 'is_delete_marker'
  | 'size'
  | 'etag'
  | 'last_modified_ms'
  | 'storage_class'
  | 'owner_id'
>;

export interface BucketRow {
  id: number;
  name: string;
  owner_id: string;
  region: string;
  created_ms: number;
  versioning: string;
}

export function toBucket(row: BucketRow): BucketRecord {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    region: row.region,
    createdMs: row.created_ms,
    versioning: row.versioning as VersioningStatus,
  };
}

export function toSummary(row: SummaryRow): ObjectSummary {
  return {
    key: row.key,
    versionId: row.version_id,
    seq: row.seq,
    isLatest: row.is_latest === 1,
    isDeleteMarker: row.is_delete_marker === 1,
    size: row.size,
    etag: row.etag,
    lastModifiedMs: row.last_modified_ms,
    storageClass: row.storage_class,
    ownerId: row.owner_id,
  };
}

/**
 * A version row as the store's record. Read on every GET and HEAD: optional members are assigned one by
 * one rather than spread in (`...(x ? { x } : {})` allocates and copies an object per member, and made
 * this mapping cost more than the SQLite read itself; bench/micro/small-request.js).
 */
export function toVersion(row: Omit<ObjectRow, 'id'>): ObjectVersion {
  const version: ObjectVersion = {
    key: row.key,
    versionId: row.version_id,
    seq: row.seq,
    isLatest: row.is_latest === 1,
    isDeleteMarker: row.is_delete_marker === 1,
    size: row.size,
    etag: row.etag,
    lastModifiedMs: row.last_modified_ms,
    storageClass: row.storage_class,
    ownerId: row.owner_id,
    bucketId: row.bucket_id,
    objectType: row.object_type as ObjectVersion['objectType'],
    contentHeaders: parseJsonObject(row.content_headers),
    userMeta: parseJsonObject(row.user_meta),
    checksums: parseJsonObject(row.checksums),
    manifest: decodeManifest(row.manifest),
  };
  if (row.crc64 !== null) version.crc64 = row.crc64;
  if (row.tagging !== null) version.tagging = row.tagging;
  if (row.acl !== null) version.acl = row.acl;
  if (row.part_sizes !== null) version.partSizes = decodePartSizes(row.part_sizes);
  if (row.part_checksums !== null) version.partChecksums = JSON.parse(row.part_checksums);
  if (row.sse !== null) version.sse = row.sse as Sse;
  const lock = lockFromColumns(row);
  if (lock) version.lock = lock;
  if (row.restored_until_ms !== null) version.restoredUntilMs = row.restored_until_ms;
  return version;
}

function withLock(row: LockColumns): { lock?: ObjectLock } {
  const lock = lockFromColumns(row);
  return lock ? { lock } : {};
}

/** JSON.parse, skipped for the empty object most rows hold (user metadata, checksums). */
function parseJsonObject<T>(text: string): T {
  return text === '{}' ? ({} as T) : (JSON.parse(text) as T);
}

/** Part sizes are stored as decimal numbers joined by ','. */
export function encodePartSizes(sizes: number[] | undefined): string | null {
  return sizes === undefined ? null : sizes.join(',');
}

export function decodePartSizes(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

/**
 * Manifests are stored compactly as `id:offset:length` joined by ','; a 10,000-part manifest stays
 * small. An entry of a sealed (encrypted) blob ends in `:s`, of an inline blob in `:i`, of a sealed
 * inline blob in `:si`. Inline bodies are not part of the encoding.
 */
export function encodeManifest(manifest: ManifestEntry[]): string {
  return manifest.map((m) => `${m.blobId}:${m.offset}:${m.length}${manifestFlags(m)}`).join(',');
}

function manifestFlags(m: ManifestEntry): string {
  if (!m.sealed && !m.inline) return '';
  return `:${m.sealed ? 's' : ''}${m.inline ? 'i' : ''}`;
}

export function decodeManifest(text: string): ManifestEntry[] {
  if (text === '') return [];
  return text.split(',').map((entry) => {
    const [blobId, offset, length, flag] = entry.split(':');
    const m: ManifestEntry = { blobId: blobId!, offset: Number(offset), length: Number(length) };
    if (flag?.includes('s')) m.sealed = true;
    if (flag?.includes('i')) m.inline = true;
    return m;
  });
}

export function distinctBlobs(manifest: ManifestEntry[]): Set<string> {
  return new Set(manifest.map((m) => m.blobId));
}

/** Opaque, unique, URL-safe version ids: the sequence number plus randomness, base64url. */
export function newVersionId(seq: number): string {
  const bytes = Buffer.alloc(14);
  bytes.writeBigUInt64BE(BigInt(seq));
  randomBytes(6).copy(bytes, 8);
  return bytes.toString('base64url');
}

export interface UploadRow {
  id: number;
  upload_id: string;
  bucket_id: number;
  key: string;
  initiated_ms: number;
  owner_id: string;
  storage_class: string;
  content_headers: string;
  user_meta: string;
  tagging: string | null;
  acl: string | null;
  checksum_algorithm: string | null;
  /** Added by migration 10. */
  checksum_type: string | null;
  /** Added by migration 7. */
  sse: string | null;
  /** Added by migration 8. */
  lock_mode: string | null;
  lock_until_ms: number | null;
  legal_hold: number | null;
}

export interface PartRow {
  upload_row: number;
  part_number: number;
  size: number;
  etag: string;
  crc64: string | null;
  checksums: string;
  last_modified_ms: number;
  manifest: string;
}

export function toUpload(row: UploadRow): UploadRecord {
  return {
    uploadId: row.upload_id,
    bucketId: row.bucket_id,
    key: row.key,
    initiatedMs: row.initiated_ms,
    ownerId: row.owner_id,
    storageClass: row.storage_class,
    contentHeaders: JSON.parse(row.content_headers),
    userMeta: JSON.parse(row.user_meta),
    ...(row.tagging !== null ? { tagging: row.tagging } : {}),
    ...(row.acl !== null ? { acl: row.acl } : {}),
    ...(row.checksum_algorithm !== null ? { checksumAlgorithm: row.checksum_algorithm } : {}),
    ...(row.checksum_type !== null ? { checksumType: row.checksum_type as ChecksumType } : {}),
    ...(row.sse !== null ? { sse: row.sse as Sse } : {}),
    ...withLock(row),
  };
}

export function toPart(row: PartRow): PartRecord {
  return {
    partNumber: row.part_number,
    size: row.size,
    etag: row.etag,
    ...(row.crc64 !== null ? { crc64: row.crc64 } : {}),
    checksums: JSON.parse(row.checksums),
    lastModifiedMs: row.last_modified_ms,
    manifest: decodeManifest(row.manifest),
  };
}

export interface UserRow {
  uin: string;
  owner_uin: string;
  name: string;
  created_ms: number;
}

export interface AccessKeyRow {
  secret_id: string;
  uin: string;
  sealed_secret: string;
  created_ms: number;
}

export interface UserPolicyRow {
  uin: string;
  name: string;
  doc: string;
  updated_ms: number;
}

export function toUser(row: UserRow): UserRecord {
  return { uin: row.uin, ownerUin: row.owner_uin, name: row.name, createdMs: row.created_ms };
}

export function toAccessKey(row: AccessKeyRow): AccessKeyRecord {
  return { secretId: row.secret_id, uin: row.uin, sealedSecret: row.sealed_secret, createdMs: row.created_ms };
}

export function toUserPolicy(row: UserPolicyRow): UserPolicyRecord {
  return { uin: row.uin, name: row.name, doc: row.doc, updatedMs: row.updated_ms };
}
