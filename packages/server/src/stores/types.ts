import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { AccessLogSpool } from './access-log.js';
import type { AccountStore } from './accounts.js';
import type { InventoryStore } from './inventory.js';
import type { RequestCountStore } from './request-counts.js';

/**
 * The metadata and blob stores behind the engine. Every MetadataStore implementation passes the
 * shared contract suite in `stores/meta-store.suite.ts`; every method is asynchronous because the
 * PostgreSQL store is, and each mutating method is one transaction.
 */

export type VersioningStatus = '' | 'Enabled' | 'Suspended';

export interface BucketRecord {
  id: number;
  name: string;
  ownerId: string;
  region: string;
  createdMs: number;
  /** '' = never enabled; S3 never returns a bucket to that state. */
  versioning: VersioningStatus;
}

export interface NewBucket {
  name: string;
  ownerId: string;
  region: string;
  createdMs: number;
  /** Bucket ACL document (JSON), if any was given at creation. */
  acl?: string;
}

/** One contiguous run of an object's bytes: `length` bytes of blob `blobId` starting at `offset`. */
export interface ManifestEntry {
  blobId: string;
  offset: number;
  length: number;
  /** The blob is encrypted at rest (engine/seal.ts); readers decrypt it. */
  sealed?: true;
  /**
   * An inline blob: its bytes live in the metadata store (NewBlob.body), not in a file. Reference
   * counting, copies, part copies and Complete treat it like any other blob.
   */
  inline?: true;
  /**
   * The inline blob's stored bytes, whole (still sealed if `sealed`), as `getObject` attaches them;
   * entries without it are read with `readInlineBlob`. Stores ignore it when a manifest is written.
   */
  body?: Buffer;
}

/**
 * A blob a write created, committed in the same transaction as the version or part that references
 * it. With `body`, the blob is inline: the store keeps the bytes (SQLite BLOB, PostgreSQL bytea) and
 * there is no file and no pending intent; without it, the blob is a file whose intent is removed.
 */
export interface NewBlob {
  id: string;
  size: number;
  body?: Uint8Array;
}

/** A blob the GC may delete: a file, or (inline) only the stored bytes, which forgetGarbage drops. */
export interface GarbageBlob {
  id: string;
  inline: boolean;
}

/**
 * How a multipart object's checksum is made: COMPOSITE (a checksum of the parts' checksums, `…-N`)
 * or FULL_OBJECT (of the whole object, combined from the parts' CRCs).
 */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/**
 * A version's (or an upload's) server-side encryption as stored: 'AES256' (SSE-S3 / SSE-COS), or the
 * JSON of an SSE-KMS or SSE-C description (engine/sse.ts encodes and decodes it; stores keep it as text).
 */
export type Sse = 'AES256' | `{${string}}`;

/** Object lock retention of a version (S3 Object Lock / COS object lock). */
export interface Retention {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  untilMs: number;
}

/** A version's object lock state: retention and legal hold (undefined: never set). */
export interface ObjectLock {
  retention?: Retention;
  legalHold?: boolean;
}

/** An object version as stored: a real version or a delete marker. */
export interface ObjectVersion {
  bucketId: number;
  key: string;
  /** 'null' for writes made while versioning was off or suspended. */
  versionId: string;
  /** Store-wide increasing number: orders the versions of a key, newest highest. */
  seq: number;
  isLatest: boolean;
  isDeleteMarker: boolean;
  size: number;
  /** Hex MD5 (or `md5-of-md5s-N` for multipart), without quotes. '' for delete markers. */
  etag: string;
  /** CRC-64/XZ as an unsigned decimal string; undefined where it could not be derived. */
  crc64?: string;
  lastModifiedMs: number;
  storageClass: string;
  objectType: 'normal' | 'appendable';
  ownerId: string;
  /** Content-Type, Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires (lower-case names). */
  contentHeaders: Record<string, string>;
  /** User metadata without the x-cos-meta-/x-amz-meta- prefix, names lower-case. */
  userMeta: Record<string, string>;
  /** Additional checksums the client asked for, by algorithm (CRC32, CRC32C, SHA1, SHA256, CRC64NVME): base64. */
  checksums: Record<string, string>;
  /** Object tags as a query string (k=v&k2=v2), if any. */
  tagging?: string;
  /** Object ACL document (JSON), if any. */
  acl?: string;
  manifest: ManifestEntry[];
  /**
   * Sizes of the parts a multipart object was completed from, in order (GET ?partNumber serves
   * them); copies keep them. Undefined for objects written in one piece, and for multipart objects
   * completed before part sizes were recorded.
   */
  partSizes?: number[];
  /**
   * The checksums of each part (by algorithm, base64) of a multipart object, in part order; present
   * when a part had any. S3 keeps them: GetObjectAttributes lists them, GET ?partNumber answers them.
   */
  partChecksums?: Record<string, string>[];
  /** Server-side encryption the version was written with (every blob of its manifest sealed). */
  sse?: Sse;
  /** Object lock: while retained or held, the version cannot be deleted. */
  lock?: ObjectLock;
  /** An archived version's restored copy is readable until then (POST Object restore). */
  restoredUntilMs?: number;
}

/** A new version as the engine hands it to the store: everything but what the store assigns. */
export type NewObjectVersion = Omit<ObjectVersion, 'bucketId' | 'key' | 'versionId' | 'seq' | 'isLatest'>;

export interface CommitObjectInput {
  bucketId: number;
  key: string;
  version: NewObjectVersion;
  /** Blobs written for this version; their pending intents are removed in the same transaction. */
  newBlobs: NewBlob[];
  /**
   * Runs inside the transaction with the key's current latest version (undefined when none, or when
   * the latest is a delete marker only if `includeDeleteMarker`); throw an S3Error to abort the commit.
   */
  precondition?: (current: ObjectVersion | undefined) => void;
  /** Bucket notifications: the events this write causes, recorded in its transaction (stores/sqlite/outbox.ts). */
  events?: RecordEvents;
}

export interface CommitObjectResult {
  /** The committed version as stored (versionId 'null' unless versioning is Enabled). */
  version: ObjectVersion;
}

export interface DeleteObjectInput {
  bucketId: number;
  key: string;
  /** Delete exactly this version; without it, the bucket's versioning status decides (delete marker or removal). */
  versionId?: string;
  nowMs: number;
  ownerId: string;
  /** x-amz-bypass-governance-retention, from a caller allowed to: a GOVERNANCE retention does not stop it. */
  bypassGovernance?: boolean;
  /** Bucket notifications: the events this delete causes, recorded in its transaction. */
  events?: RecordEvents;
}

export interface DeleteObjectResult {
  /** The version removed, or the delete marker created. Undefined when nothing existed (still a success in S3). */
  versionId?: string;
  /** True when the deleted version was a delete marker, or a delete marker was created. */
  deleteMarker: boolean;
  /** True when a delete marker was created (rather than a version removed). */
  createdDeleteMarker: boolean;
}

export interface ListObjectsQuery {
  prefix: string;
  delimiter: string;
  /** List keys strictly after this one (marker / start-after / continuation token). */
  after: string;
  maxKeys: number;
}

/** What a listing returns of each version: the columns listings print, no manifest or headers. */
export type ObjectSummary = Pick<
  ObjectVersion,
  | 'key'
  | 'versionId'
  | 'seq'
  | 'isLatest'
  | 'isDeleteMarker'
  | 'size'
  | 'etag'
  | 'lastModifiedMs'
  | 'storageClass'
  | 'ownerId'
>;

export interface ListObjectsPage {
  /** Keys and common prefixes in order, at most maxKeys of them together. */
  entries: ({ kind: 'object'; object: ObjectSummary } | { kind: 'prefix'; prefix: string })[];
  isTruncated: boolean;
  /** The last key or common prefix returned, when truncated: where the next page starts. */
  nextAfter?: string;
}

export interface ListVersionsQuery {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
}

export interface ListVersionsPage {
  entries: ({ kind: 'version'; object: ObjectSummary } | { kind: 'prefix'; prefix: string })[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** An incomplete multipart upload and the attributes its object will get. */
export interface UploadRecord {
  uploadId: string;
  bucketId: number;
  key: string;
  initiatedMs: number;
  ownerId: string;
  storageClass: string;
  contentHeaders: Record<string, string>;
  userMeta: Record<string, string>;
  tagging?: string;
  acl?: string;
  /** x-amz-checksum-algorithm given at initiation (CRC32, …), if any. */
  checksumAlgorithm?: string;
  /** x-amz-checksum-type given at initiation; undefined: the algorithm's default. */
  checksumType?: ChecksumType;
  /** Server-side encryption of the object to be: its parts are written sealed. */
  sse?: Sse;
  /** Object lock asked for at initiation, given to the object at Complete. */
  lock?: ObjectLock;
}

export interface PartRecord {
  partNumber: number;
  size: number;
  /** Hex MD5 of the part's bytes, without quotes. */
  etag: string;
  crc64?: string;
  checksums: Record<string, string>;
  lastModifiedMs: number;
  manifest: ManifestEntry[];
}

export interface PutPartInput {
  uploadId: string;
  /**
   * Replaces a part of the same number unless that one is dated later (`lastModifiedMs` is when its
   * send began): then this part is dropped and its blobs released, as a send that started earlier.
   */
  part: PartRecord;
  /** Blobs written for this part (their intents are removed in the same transaction). */
  newBlobs: NewBlob[];
}

export interface CompleteUploadInput {
  uploadId: string;
  bucketId: number;
  key: string;
  nowMs: number;
  /**
   * Runs inside the transaction with the upload and all its parts; returns the version to create
   * (or throws an S3Error: InvalidPart, EntityTooSmall, …, and nothing changes). Parts the version's
   * manifest does not use are freed.
   */
  compose(upload: UploadRecord, parts: Map<number, PartRecord>): NewObjectVersion;
  /** Runs inside the transaction with the key's latest version (conditional writes); throw to refuse. */
  precondition?: (current: ObjectVersion | undefined) => void;
  /** Bucket notifications: the events this Complete causes, recorded in its transaction. */
  events?: RecordEvents;
}

export type CompleteUploadResult =
  | { kind: 'completed'; version: ObjectVersion }
  /** The upload had already been completed: what that completion produced. */
  | { kind: 'already-completed'; versionId: string; etag: string; crc64?: string; size: number };

export interface ListUploadsQuery {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  uploadIdMarker: string;
  maxUploads: number;
}

export interface ListUploadsPage {
  entries: ({ kind: 'upload'; upload: UploadRecord } | { kind: 'prefix'; prefix: string })[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export interface ListPartsPage {
  parts: PartRecord[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

/** Space a bucket uses, for the operator (/-/admin/usage). */
export interface BucketUsage {
  /** Current (latest, not deleted) objects by storage class. */
  objects: Record<string, { count: number; bytes: number }>;
  /** Noncurrent versions (versioned buckets), also taking space. */
  noncurrentVersions: { count: number; bytes: number };
  deleteMarkers: number;
  incompleteUploads: { count: number; parts: number; bytes: number };
  /** The recycle bin's entries (removed or overwritten objects kept for restore), also taking space. */
  recycled: { count: number; bytes: number };
}

/** Current objects under a key prefix ("folder size"). */
export interface FolderUsage {
  count: number;
  bytes: number;
}

/** A version as the lifecycle engine scans it: the listing columns plus tags. */
export interface LifecycleRow extends ObjectSummary {
  tagging?: string;
  /** An appendable object (COS APPEND Object): lifecycle rules do not apply to it, as in COS. */
  appendable?: true;
}

/**
 * One lifecycle action, applied only if the version is still in the state the engine saw. Versions are
 * named by id and `seq`: a 'null' version id names whichever null version the key has now, which a
 * write between the scan and the batch may have replaced.
 */
export type LifecycleAction =
  /** The key's latest version is still `seq`: delete it (no versioning) or add a delete marker. */
  | { kind: 'expire-current'; key: string; seq: number }
  | { kind: 'delete-version'; key: string; versionId: string; seq: number }
  /** Remove a delete marker if it is still the key's only version. */
  | { kind: 'remove-marker'; key: string; versionId: string; seq: number }
  | { kind: 'transition'; key: string; versionId: string; seq: number; storageClass: string }
  | { kind: 'abort-upload'; uploadId: string };

export interface LifecycleCounts {
  objectsExpired: number;
  versionsDeleted: number;
  markersRemoved: number;
  transitioned: number;
  uploadsAborted: number;
  /** Bytes of blobs no longer referenced (they leave the disk at the next GC pass). */
  bytesFreed: number;
}

export interface LifecycleStats extends LifecycleCounts {
  lastRunMs?: number;
}

/** A sub-user of an account (CAM-style): its access keys and attached policies hang off its uin. */
export interface UserRecord {
  uin: string;
  /** The account (root) uin it belongs to. */
  ownerUin: string;
  /** Unique within the account. */
  name: string;
  createdMs: number;
}

export interface AccessKeyRecord {
  /** The SecretId / access key id. */
  secretId: string;
  /** The user it authenticates as. */
  uin: string;
  /** The SecretKey, encrypted by the caller (the store never sees it in clear). */
  sealedSecret: string;
  createdMs: number;
}

/** A policy document attached to a user, by name. */
export interface UserPolicyRecord {
  uin: string;
  name: string;
  /** The JSON document as it was put. */
  doc: string;
  updatedMs: number;
}

/**
 * A change another gateway made to something gateways cache (bucket records and configurations,
 * identities). `all`: changes may have been missed (the feed reconnected): forget everything.
 */
export type MetadataChange =
  | { kind: 'bucket'; name: string }
  | { kind: 'bucket-config'; bucketId: number; configKind: string }
  | { kind: 'identity'; uin?: string; secretId?: string }
  /** An account was created, changed or deleted: the account registry reads them again. */
  | { kind: 'account' }
  /** An SSE-KMS key was enabled, disabled or rotated: gateways drop their unwrapped copy of it. */
  | { kind: 'kms-key'; keyId: string }
  /** A multipart upload was aborted (by AbortMultipartUpload, lifecycle or a bucket's removal): parts of it in flight stop. */
  | { kind: 'upload-aborted'; uploadId: string }
  /**
   * Not a change but a request to every gateway (POST /-/admin/logging/flush): append your buffered
   * access log records to the spool, then answer with `logging-flushed` (engine/access-log-peers.ts).
   */
  | { kind: 'logging-flush'; flushId: string }
  /** Gateway `gateway` has appended what it buffered when it heard of `logging-flush` `flushId`. */
  | { kind: 'logging-flushed'; flushId: string; gateway: string }
  | { kind: 'all' };

/**
 * Changes committed through any gateway sharing the store, as they commit (PostgreSQL: LISTEN/NOTIFY).
 * A store used by one process only (SQLite) has none: its caches see every change first-hand.
 */
export interface ChangeFeed {
  /** Calls `listener` for each change; returns the function that stops it. */
  subscribe(listener: (change: MetadataChange) => void): () => void;
  /** Sends `change` to every gateway's listeners, this one's included, outside any write. */
  publish(change: MetadataChange): Promise<void>;
}

/** How many bytes of inline bodies getObject attaches to a manifest at most (see getObject). */
export const INLINE_ATTACH_BYTES = 1024 * 1024;

/** Thrown by stores, translated by the engine. Stores never throw S3Errors of their own. */
export class StoreError extends Error {
  constructor(
    readonly reason: 'not-found' | 'conflict' | 'not-empty' | 'has-uploads' | 'limit-exceeded' | 'locked',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface DeleteBucketOptions {
  /** Abort the bucket's incomplete uploads with the bucket (S3's DeleteBucket); `nowMs` dates the released blobs. */
  abortUploads?: { nowMs: number };
}

/** Buckets and their configuration documents (stores/{sqlite,pg}/buckets.ts). */
export interface BucketStore {
  createBucket(input: NewBucket): Promise<BucketRecord>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(ownerId?: string): Promise<BucketRecord[]>;
  /** The buckets an account owns (created by its root or any of its sub-users), by name. */
  listAccountBuckets(accountUin: string): Promise<BucketRecord[]>;
  /**
   * Deletes an empty bucket; StoreError 'not-empty' / 'has-uploads' / 'not-found' otherwise. With
   * `abortUploads`, incomplete multipart uploads do not count: they are aborted (their parts' blobs
   * released) in the same transaction.
   */
  deleteBucket(name: string, options?: DeleteBucketOptions): Promise<void>;
  setBucketVersioning(bucketId: number, status: 'Enabled' | 'Suspended'): Promise<void>;
  /** A bucket configuration document (acl, policy, cors, lifecycle, tagging, …) or undefined. */
  getBucketConfig(bucketId: number, kind: string): Promise<string | undefined>;
  /** Sets (or, with null, removes) a bucket configuration document. */
  setBucketConfig(bucketId: number, kind: string, doc: string | null): Promise<void>;
}

/** Object versions: the write protocol's commit, reads, deletes and per-version attributes (stores/{sqlite,pg}/objects.ts). */
export interface ObjectStore {
  /** Write protocol step 4: makes a version visible, replaces what it supersedes, queues freed blobs for GC. */
  commitObject(input: CommitObjectInput): Promise<CommitObjectResult>;
  /**
   * The latest version (which may be a delete marker), or the given version. Inline entries of its
   * manifest come with their `body`, read in the same call, as long as those bodies add up to at
   * most INLINE_ATTACH_BYTES (a small object is then one call, no file); the rest are read with
   * readInlineBlob, as a stream reads them.
   */
  getObject(bucketId: number, key: string, versionId?: string): Promise<ObjectVersion | undefined>;
  deleteObject(input: DeleteObjectInput): Promise<DeleteObjectResult>;
  /** Sets a version's ACL document (null = default, inherit the bucket's); false when no such version. */
  setObjectAcl(bucketId: number, key: string, versionId: string | undefined, acl: string | null): Promise<boolean>;
  /**
   * Sets a version's tags (the query-string form; null removes them) and nothing else: not its
   * Last-Modified, not which version is latest. False when no such version, or it is a delete marker.
   */
  setObjectTagging(bucketId: number, key: string, versionId: string, tagging: string | null): Promise<boolean>;
  /** Sets until when an archived version's restored copy is readable. False when no such version (or a marker). */
  setObjectRestored(
    bucketId: number,
    key: string,
    versionId: string,
    untilMs: number,
    events?: RecordEvents,
  ): Promise<boolean>;
  /**
   * Replaces a version's object lock state with what `update` makes of the version as stored, inside
   * the transaction (`update` throws to refuse the change). False when the version does not exist or
   * is a delete marker.
   */
  setObjectLock(
    bucketId: number,
    key: string,
    versionId: string,
    update: (current: ObjectVersion) => ObjectLock,
  ): Promise<boolean>;
  /** Whether any object version (including delete markers) exists in the bucket. */
  bucketHasObjects(bucketId: number): Promise<boolean>;
}

/** Listings of objects and versions: O(page) index range scans in UTF-8 byte order of key (stores/{sqlite,pg}/object-listing.ts). */
export interface ObjectListingStore {
  /** Latest, non-deleted versions in UTF-8 byte order of key; O(page), folding delimited prefixes by seeking. */
  listObjects(bucketId: number, query: ListObjectsQuery): Promise<ListObjectsPage>;
  /** Every version and delete marker, keys in byte order, newest version first within a key. */
  listObjectVersions(bucketId: number, query: ListVersionsQuery): Promise<ListVersionsPage>;
}

/** Multipart uploads and their parts (stores/{sqlite,pg}/uploads.ts). */
export interface UploadStore {
  /** Starts a multipart upload. */
  createUpload(upload: UploadRecord): Promise<void>;
  getUpload(uploadId: string): Promise<UploadRecord | undefined>;
  /** Adds or replaces a part; StoreError 'not-found' when the upload is gone (aborted or completed). */
  putPart(input: PutPartInput): Promise<void>;
  /** Parts in number order after `afterPartNumber`. */
  listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<ListPartsPage>;
  /** Turns an upload into an object version in one transaction; StoreError 'not-found' for an unknown upload. */
  completeUpload(input: CompleteUploadInput): Promise<CompleteUploadResult>;
  /** Forgets completions (kept so a retried Complete gets the same answer) older than this; returns how many. */
  forgetCompletedUploads(olderThanMs: number): Promise<number>;
  /** Removes an upload and frees its parts; StoreError 'not-found' when unknown. */
  abortUpload(uploadId: string, nowMs: number): Promise<UploadRecord>;
  /** Incomplete uploads in key order, then initiation order, folding delimited prefixes. */
  listUploads(bucketId: number, query: ListUploadsQuery): Promise<ListUploadsPage>;
}

/** Space used, kept live by every write (stores/{sqlite,pg}/usage.ts). */
export interface UsageStore {
  /** What a bucket holds, kept live by every write: O(1), never a scan. */
  bucketUsage(bucketId: number): Promise<BucketUsage>;
  /** The same figures counted from the rows (a scan of the bucket): to check the live ones. */
  recountBucketUsage(bucketId: number): Promise<BucketUsage>;
  /**
   * Current objects and bytes under a prefix without reading every key (O(child directories + files
   * directly in the prefix's directory)); `recount` counts every key instead, to check.
   */
  folderUsage(bucketId: number, prefix: string, recount?: boolean): Promise<FolderUsage>;
}

/** The lifecycle worker's scans, batches, resumable runs and statistics (stores/{sqlite,pg}/lifecycle.ts). */
export interface LifecycleStore {
  /** Every version of a bucket after (key, seq) in listing order (key, then newest first), with tags. */
  scanVersions(
    bucketId: number,
    after: { key: string; seq: number } | undefined,
    limit: number,
  ): Promise<LifecycleRow[]>;
  /** A bucket's incomplete uploads after `afterUploadId`, in upload-id order. */
  scanUploads(bucketId: number, afterUploadId: string, limit: number): Promise<UploadRecord[]>;
  /**
   * Applies a batch of lifecycle actions and saves the run's cursor in one transaction; actions whose
   * version changed meanwhile are skipped. Counts are added to the bucket's lifecycle statistics.
   */
  applyLifecycleBatch(input: {
    bucketId: number;
    nowMs: number;
    actions: LifecycleAction[];
    runId: number;
    state: string;
    /** Bucket notifications: the events of the expirations applied, recorded in the batch's transaction. */
    events?: RecordEvents;
  }): Promise<LifecycleCounts>;
  /** The unfinished lifecycle run (after a crash or restart, or running on some gateway), if any. */
  unfinishedLifecycleRun(): Promise<{ runId: number; startedMs: number; state: string } | undefined>;
  /**
   * The unfinished run, or a new one started at `nowMs` with cursor `state` when there is none
   * (`created`). At most one run is unfinished at a time, whatever gateways race here (a unique
   * index): every caller of a cluster gets the same run until it finishes.
   */
  claimLifecycleRun(nowMs: number, state: string): Promise<LifecycleRunRecord & { created: boolean }>;
  /** One run as stored, finished or not. */
  getLifecycleRun(runId: number): Promise<LifecycleRunRecord | undefined>;
  saveLifecycleRun(runId: number, state: string): Promise<void>;
  /** Marks the run finished at `nowMs` with what it did (`summary`, JSON), which callers that joined it read. */
  finishLifecycleRun(runId: number, nowMs: number, summary: string): Promise<void>;
  /** Marks that a run has processed a bucket (for /-/admin/usage). */
  recordLifecycleVisit(bucketId: number, nowMs: number): Promise<void>;
  lifecycleStats(bucketId: number): Promise<LifecycleStats>;
}

/** A lifecycle run (table lifecycle_runs): one pass over every bucket with rules, resumable at `state`. */
export interface LifecycleRunRecord {
  runId: number;
  startedMs: number;
  /** The cursor after the last committed batch (JSON). */
  state: string;
  finishedMs?: number;
  /** What the pass did (JSON), written when it finished. */
  summary?: string;
}

/** Sub-users, their access keys and attached policies (stores/{sqlite,pg}/identities.ts). */
export interface IdentityStore {
  /** Adds a sub-user; StoreError 'conflict' when the uin, or the name within the account, is taken. */
  createUser(user: UserRecord): Promise<void>;
  getUser(uin: string): Promise<UserRecord | undefined>;
  /** An account's sub-users, by name. */
  listUsers(ownerUin: string): Promise<UserRecord[]>;
  /** Removes a user with its access keys and policies; StoreError 'not-found' when unknown. */
  deleteUser(uin: string): Promise<void>;
  /**
   * Adds an access key; StoreError 'not-found' when the user is unknown, 'conflict' when the id is
   * taken, 'limit-exceeded' when the user already has `maxPerUser` keys.
   */
  createAccessKey(key: AccessKeyRecord, maxPerUser: number): Promise<void>;
  getAccessKey(secretId: string): Promise<AccessKeyRecord | undefined>;
  /** A user's keys, oldest first. */
  listAccessKeys(uin: string): Promise<AccessKeyRecord[]>;
  /** StoreError 'not-found' when unknown. */
  deleteAccessKey(secretId: string): Promise<void>;
  /** Attaches (or replaces) a named policy; StoreError 'not-found' when the user is unknown. */
  putUserPolicy(policy: UserPolicyRecord): Promise<void>;
  /** A user's policies, by name. */
  listUserPolicies(uin: string): Promise<UserPolicyRecord[]>;
  /** StoreError 'not-found' when the user has no policy of that name. */
  deleteUserPolicy(uin: string, name: string): Promise<void>;
}

/** What the metadata knows of blobs: write intents, inline bodies and the GC queue (stores/{sqlite,pg}/blob-refs.ts). Reference counts themselves move inside the object and upload transactions. */
export interface BlobRefStore {
  /** Records that a blob is about to be written (write protocol step 1). */
  addPendingBlob(blobId: string, nowMs: number): Promise<void>;
  /** Forgets intents whose blobs the caller has already removed (a failed write). */
  dropPendingBlobs(blobIds: string[]): Promise<void>;
  /** Intents left behind by a crash: their blob files must be deleted at start-up. */
  listPendingBlobs(): Promise<string[]>;
  /**
   * The stored bytes of an inline blob, whole; undefined when there is none. An unreferenced inline
   * blob stays readable until the GC forgets it, so a reader that started on a version finishes.
   */
  readInlineBlob(blobId: string): Promise<Buffer | undefined>;
  /** Blobs no version references any more whose grace period has passed, oldest first. */
  claimGarbage(nowMs: number, limit: number): Promise<GarbageBlob[]>;
  /** Removes GC entries once their files are gone, and the stored bytes of inline ones. */
  forgetGarbage(blobIds: string[]): Promise<void>;
  /** Count of blobs waiting in the GC queue (for tests and usage). */
  garbageCount(): Promise<number>;
  /** Every blob file id the metadata references, inline blobs excluded (for consistency checks in tests; in id order). */
  listBlobIds(): AsyncIterable<string>;
}

/**
 * The metadata store: one interface per domain, composed. Each implementation (stores/sqlite,
 * stores/pg) has one file per domain, so the two read side by side, and passes the contract suite in
 * stores/meta-store.suite.ts.
 */
export interface MetadataStore
  extends BucketStore,
    ObjectStore,
    ObjectListingStore,
    UploadStore,
    UsageStore,
    LifecycleStore,
    IdentityStore,
    BlobRefStore,
    OutboxStore,
    RecycleStore,
    AccessLogSpool,
    InventoryStore,
    AccountStore,
    RequestCountStore {
  /** Store name for logs and error messages ('sqlite', 'postgres'). */
  readonly kind: string;
  /** Changes made through other gateways sharing this store, for their caches; absent when none can. */
  readonly changes?: ChangeFeed;
  /**
   * True when other gateways may use this store at the same time (PostgreSQL): the data directory is
   * then shared too — no exclusive lock, per-gateway tmp/, recovery under the `recovery` lease
   * (docs/operations.md, "A shared data directory"). Absent or false: the embedded SQLite store.
   */
  readonly sharedByGateways?: boolean;
  close(): Promise<void>;
}

/** The domains of a MetadataStore by name: an implementation builds one of each (stores/compose.ts). */
export interface MetadataDomains {
  buckets: BucketStore;
  objects: ObjectStore;
  listing: ObjectListingStore;
  uploads: UploadStore;
  usage: UsageStore;
  lifecycle: LifecycleStore;
  identities: IdentityStore;
  accounts: AccountStore;
  blobRefs: BlobRefStore;
  outbox: OutboxStore;
  recycle: RecycleStore;
  /** The access log spool (stores/access-log.ts). */
  accessLog: AccessLogSpool;
  /** Inventory scans and runs (stores/inventory.ts). */
  inventory: InventoryStore;
  /** Requests per minute, bucket and operation (stores/request-counts.ts). */
  requestCounts: RequestCountStore;
}

/** A blob being written: bytes go to a temporary file that becomes the blob only on commit(). */
export interface BlobWriter {
  readonly blobId: string;
  /** Appends bytes (called by the write pipeline; resolves when the bytes are handed to the OS). */
  write(chunks: Uint8Array[]): Promise<void>;
  /** Makes the blob durable and visible under its id (fsync, rename, fsync the directory). */
  commit(): Promise<void>;
  /** Throws the temporary file away. Safe to call after a failure, twice, or after commit (then a no-op). */
  abort(): Promise<void>;
}

export interface BlobStore {
  /** A fresh random id for a blob that does not exist yet. */
  newBlobId(): string;
  createWriter(blobId: string): Promise<BlobWriter>;
  /** Streams bytes [start, end] (inclusive) of a blob. */
  createReadStream(blobId: string, start: number, end: number): Readable;
  /** Runs `fn` with an open handle on a blob (cached: blobs are immutable). */
  withHandle<T>(blobId: string, fn: (handle: FileHandle) => Promise<T>): Promise<T>;
  /** Reads bytes [start, end] (inclusive) of a blob into memory: for small reads only. */
  read(blobId: string, start: number, end: number): Promise<Buffer>;
  /** Releases what the store holds open. */
  close(): Promise<void>;
  /** Deletes a blob file; a missing file is not an error. */
  delete(blobId: string): Promise<void>;
  /** Removes temporary files a crash left behind. */
  clearTemporary(): Promise<void>;
  /** Every blob id on disk (for consistency checks in tests). */
  listBlobIds(): AsyncIterable<string>;
}

// ---- notification outbox ------------------------------------------------------------------------

/**
 * The notification outbox: events are recorded in the same store transaction as the write that
 * caused them (so a crash never keeps a write and loses its event, or the other way round), and a
 * delivery worker (workers/notify-delivery.ts) drains them to their targets.
 */

/** What a write did, handed to the engine's event recorder inside the write's transaction. */
export type WriteOutcome =
  | { kind: 'created'; version: ObjectVersion }
  | {
      kind: 'removed';
      key: string;
      /** The version removed, or the delete marker created (undefined: unversioned removal or nothing there). */
      versionId?: string;
      deleteMarkerCreated: boolean;
      /** Store-wide increasing number for this event (the S3 `sequencer`). */
      seq: number;
    }
  | { kind: 'restored'; version: ObjectVersion };

/** One event for one target, as the outbox keeps it until delivered. */
export interface OutboxEntry {
  /** `<kind>:<ID>`, e.g. `webhook:thumbs`. */
  target: string;
  /** The object key: delivery is in order per (target, key). */
  key: string;
  /** The event document (S3 event JSON), rendered when recorded. */
  payload: string;
}

/**
 * Runs inside the write's transaction with what the write did and returns the outbox entries to
 * insert there; it must not do I/O. Throwing aborts the write.
 */
export type RecordEvents = (outcome: WriteOutcome) => OutboxEntry[];

export interface OutboxRecord extends OutboxEntry {
  /** Increasing: the order events were recorded in. */
  id: number;
  createdMs: number;
  /** Failed delivery attempts so far. */
  attempts: number;
  lastError?: string;
}

export interface DeadLetter extends OutboxRecord {
  deadMs: number;
}

export interface OutboxBacklog {
  target: string;
  count: number;
  oldestMs: number;
}

export interface OutboxStore {
  /** The oldest undelivered entries of a target, in recording order. */
  outboxBatch(target: string, limit: number): Promise<OutboxRecord[]>;
  /** Removes delivered entries. */
  outboxDelivered(ids: number[]): Promise<void>;
  /** Counts a failed attempt on each entry and keeps the error. */
  outboxFailed(ids: number[], error: string): Promise<void>;
  /** Undelivered entries per target: how many, and when the oldest was recorded. */
  outboxBacklog(): Promise<OutboxBacklog[]>;
  /** Moves a target's entries recorded before `olderThanMs` to the dead-letter list; returns how many. */
  outboxDeadLetter(target: string, olderThanMs: number, nowMs: number): Promise<number>;
  /** Dead letters, newest first. */
  deadLetters(limit: number): Promise<DeadLetter[]>;
}

// ---- recycle bin ----------------------------------------------------------------------------------

/**
 * The recycle bin (docs/recycle-bin.md): with a bucket's `?recycle` setting on, a version that a
 * delete, an overwrite or a lifecycle expiration removes is kept here, blobs and all, for N days,
 * without versioning. The store moves it in the removing transaction; the lifecycle worker purges.
 */

/** The bucket configuration kind (bucket_configs) holding `{"days":N}`. */
export const RECYCLE_CONFIG = 'recycle';

export interface RecycledEntry {
  /** Increasing; names the entry for restore. */
  id: number;
  key: string;
  /** The removed version's id ('null' for an unversioned object). */
  versionId: string;
  size: number;
  etag: string;
  deletedMs: number;
  /** Who removed it: the deleting or overwriting principal, or `coffer:lifecycle`. */
  deletedBy: string;
  /** When the lifecycle worker purges it. */
  purgeMs: number;
}

export interface RecycleStore {
  /** A bucket's recycled entries with keys starting `prefix`, in (key, id) order after `after`. */
  listRecycled(
    bucketId: number,
    query: { prefix: string; after?: { key: string; id: number }; limit: number },
  ): Promise<RecycledEntry[]>;
  /**
   * Puts a recycled version back as the latest version of `toKey` (its own key or another) and
   * removes it from the bin; what it replaces there is recycled in turn. StoreError 'not-found'.
   */
  restoreRecycled(input: { bucketId: number; id: number; toKey: string; nowMs: number }): Promise<ObjectVersion>;
  /**
   * Purges entries due by `nowMs` (their blobs go to GC, and their bytes leave the bucket's usage);
   * at most `limit` per call. What a bin holds is part of `bucketUsage` (`recycled`).
   */
  purgeRecycled(nowMs: number, limit: number): Promise<{ count: number; bytes: number }>;
  /** Removes one entry from the bin now, releasing its blobs (usage follows). StoreError 'not-found'. */
  purgeRecycledEntry(input: { bucketId: number; id: number; nowMs: number }): Promise<void>;
}
