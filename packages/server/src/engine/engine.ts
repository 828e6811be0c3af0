import { S3Error } from '@coffer/protocol';
import type { Logger } from 'pino';
import type { Acl } from '../authz/acl.js';
import type { ObjectOwnership, PublicAccessBlock } from '../authz/public-access.js';
import type { KmsKeyStore, ObjectAccessStore } from '../stores/domain-stores.js';
import type {
  BlobStore,
  BucketRecord,
  ListObjectsQuery,
  ListUploadsQuery,
  ListVersionsQuery,
  MetadataStore,
  ObjectVersion,
} from '../stores/types.js';
import * as access from './access.js';
import { AccessLog, bucketLogging, type LoggingConfiguration, putBucketLogging } from './access-log.js';
import type { Gateways } from './access-log-peers.js';
import { type AppendObjectInput, appendObject } from './append.js';
import * as archive from './archive.js';
import * as buckets from './buckets.js';
import { type Actor, requireBucket } from './buckets.js';
import { type Clock, type EngineContext, type EngineLimits, systemClock } from './context.js';
import { type CopyObjectInput, copyObject } from './copy-object.js';
import type { CorsConfiguration } from './cors.js';
import * as cors from './cors.js';
import type { BucketEncryption } from './encryption.js';
import * as encryption from './encryption.js';
import { type LifecycleEvent, lifecycleChannel } from './events.js';
import { collectGarbage, recoverPendingWrites } from './gc.js';
import * as tiering from './intelligent-tiering.js';
import type { InventoryConfiguration } from './inventory.js';
import * as inventory from './inventory.js';
import * as inventoryReport from './inventory-report.js';
import { Kms } from './kms.js';
import type { LifecycleRule } from './lifecycle/evaluate.js';
import { currentExpiration } from './lifecycle/evaluate.js';
import { type PassLease, runPass } from './lifecycle/pass.js';
import {
  bucketRules,
  type LifecycleRunOptions,
  type LifecycleRunSummary,
  saveBucketRules,
} from './lifecycle/runner.js';
import * as multipart from './multipart.js';
import * as notifications from './notifications/notifier.js';
import type { NotificationRule } from './notifications/rules.js';
import * as objectLock from './object-lock.js';
import * as objects from './objects.js';
import * as publicAccess from './public-access.js';
import * as recycle from './recycle.js';
import type { RefererConfiguration } from './referer.js';
import * as referer from './referer.js';
import * as requestCounts from './request-counts.js';
import type { Tag } from './tagging.js';
import * as tagging from './tagging.js';

export interface EngineOptions {
  meta: MetadataStore;
  blobs: BlobStore;
  log: Logger;
  region: string;
  limits: EngineLimits;
  /** 32 bytes, the root of the keys of encrypted blobs (deriveKey(master, 'blob-seal')). */
  sealKey: Buffer;
  /** The SSE-KMS key registry's storage (stores/sqlite/kms-keys.ts). */
  kmsKeys: KmsKeyStore;
  /** 32 bytes that wrap KMS key material (deriveKey(master, 'kms-wrap')). */
  kmsWrapKey: Buffer;
  /** The account named in KMS key ARNs (the APPID). */
  accountId?: string;
  /** Last access of INTELLIGENT_TIERING versions (stores/sqlite/object-access.ts). */
  access: ObjectAccessStore;
  clock?: Clock;
  /**
   * The lease a lifecycle pass runs under (lifecycle/pass.ts), so that a pass asked of any gateway joins
   * the one running anywhere; absent: each pass runs here (a bare engine, in unit tests).
   */
  lifecyclePass?: PassLease;
  /** This gateway among the cluster's, for a flush of every gateway's access log buffer (access-log-peers.ts). */
  gateways?: Gateways;
}

/**
 * The domain: buckets, objects, versions, listing, GC. An API handler parses and authorizes a
 * request, calls one method here, and renders the result; a test can do the same without HTTP.
 */
export class Engine {
  readonly ctx: EngineContext;
  /** Access logging: records taken off the request path, spooled, delivered in batches (access-log.ts). */
  readonly accessLog: AccessLog;

  constructor(options: EngineOptions) {
    this.ctx = {
      meta: options.meta,
      blobs: options.blobs,
      log: options.log,
      clock: options.clock ?? systemClock,
      limits: options.limits,
      region: options.region,
      sealKey: options.sealKey,
      kms: new Kms({
        store: options.kmsKeys,
        wrapKey: options.kmsWrapKey,
        region: options.region,
        accountId: options.accountId ?? '000000000000',
        nowMs: () => (options.clock ?? systemClock).nowMs(),
        changes: options.meta.changes,
      }),
      access: options.access,
      pins: new Map(),
      uploadsInFlight: new Map(),
    };
    // In a cluster an upload may be aborted through another gateway while a part of it streams into
    // this one: that part stops as it would for a local AbortMultipartUpload.
    options.meta.changes?.subscribe((change) => {
      if (change.kind === 'upload-aborted') multipart.stopPartsInFlight(this.ctx, change.uploadId);
    });
    this.accessLog = new AccessLog(this.ctx, options.gateways);
    this.#lifecyclePass = options.lifecyclePass;
  }

  get region(): string {
    return this.ctx.region;
  }

  nowMs(): number {
    return this.ctx.clock.nowMs();
  }

  // buckets
  async createBucket(
    actor: Actor,
    name: string,
    options?: {
      region?: string;
      acl?: string;
      objectLock?: boolean;
      ownedAgain?: 'refuse' | 'reset-acl';
      ownership?: ObjectOwnership;
    },
  ) {
    const bucket = await buckets.createBucket(this.ctx, actor, name, options);
    if (options?.objectLock) await objectLock.enableObjectLock(this.ctx, bucket);
    if (options?.ownership) await publicAccess.putOwnershipControls(this.ctx, bucket, options.ownership);
    return bucket;
  }

  // Block Public Access and Object Ownership
  getPublicAccessBlock(name: string) {
    return publicAccess.getPublicAccessBlock(this.ctx, name);
  }
  putPublicAccessBlock(name: string, block: PublicAccessBlock | null) {
    return publicAccess.putPublicAccessBlock(this.ctx, name, block);
  }
  getOwnershipControls(name: string) {
    return publicAccess.getOwnershipControls(this.ctx, name);
  }
  async putOwnershipControls(name: string, ownership: ObjectOwnership | null) {
    await publicAccess.putOwnershipControls(this.ctx, await requireBucket(this.ctx, name), ownership);
  }
  /** `abortUploads`: S3's answer (incomplete uploads go with the bucket) rather than COS's refusal. */
  deleteBucket(name: string, options: { abortUploads: boolean } = { abortUploads: false }) {
    return buckets.deleteBucket(this.ctx, name, options);
  }
  headBucket(name: string) {
    return requireBucket(this.ctx, name);
  }
  async setBucketVersioning(name: string, status: 'Enabled' | 'Suspended') {
    const bucket = await requireBucket(this.ctx, name);
    await objectLock.checkVersioningChange(this.ctx, bucket, status);
    await this.ctx.meta.setBucketVersioning(bucket.id, status);
  }

  restoreObject(input: Parameters<typeof archive.restoreObject>[1]) {
    return archive.restoreObject(this.ctx, input);
  }

  // notifications (engine/notifications/)
  putBucketNotification(name: string, rules: NotificationRule[]) {
    return notifications.putBucketNotification(this.ctx, name, rules);
  }
  getBucketNotification(name: string) {
    return notifications.getBucketNotification(this.ctx, name);
  }
  /** The server attaches the delivery worker: configurations are checked against its targets, writes wake it. */
  attachNotifier(notifier: notifications.Notifier | undefined) {
    if (notifier) this.ctx.notifier = notifier;
    else delete this.ctx.notifier;
  }
  notificationMetrics() {
    return this.ctx.notifier?.metrics() ?? Promise.resolve([]);
  }
  deadLetters(limit = 100) {
    return this.ctx.meta.deadLetters(limit);
  }

  // recycle bin (engine/recycle.ts)
  putBucketRecycle(name: string, days: number | null) {
    return recycle.putBucketRecycle(this.ctx, name, days);
  }
  getBucketRecycle(name: string) {
    return recycle.getBucketRecycle(this.ctx, name);
  }
  listRecycled(name: string, query: Parameters<typeof recycle.listRecycled>[2]) {
    return recycle.listRecycled(this.ctx, name, query);
  }
  restoreRecycled(name: string, id: number, toKey: string) {
    return recycle.restoreRecycled(this.ctx, name, id, toKey);
  }
  purgeRecycledEntry(name: string, id: number) {
    return recycle.purgeRecycledEntry(this.ctx, name, id);
  }

  // object lock
  putObjectLockConfiguration(name: string, config: objectLock.BucketLockConfiguration) {
    return objectLock.putObjectLockConfiguration(this.ctx, name, config);
  }
  getObjectLockConfiguration(name: string) {
    return objectLock.getObjectLockConfiguration(this.ctx, name);
  }
  putObjectRetention(input: Parameters<typeof objectLock.putObjectRetention>[1]) {
    return objectLock.putObjectRetention(this.ctx, input);
  }
  putObjectLegalHold(input: Parameters<typeof objectLock.putObjectLegalHold>[1]) {
    return objectLock.putObjectLegalHold(this.ctx, input);
  }
  lockedVersion(input: Parameters<typeof objectLock.lockedVersion>[1]) {
    return objectLock.lockedVersion(this.ctx, input);
  }
  listBuckets(actor: Actor) {
    return buckets.listBuckets(this.ctx, actor);
  }

  // objects
  putObject(input: objects.PutObjectInput) {
    return objects.putObject(this.ctx, input);
  }
  appendObject(input: AppendObjectInput) {
    return appendObject(this.ctx, input);
  }
  getObject(input: objects.GetObjectInput) {
    return objects.getObject(this.ctx, input);
  }
  deleteObject(input: Parameters<typeof objects.deleteObject>[1]) {
    return objects.deleteObject(this.ctx, input);
  }
  deleteObjects(bucket: string, items: { key: string; versionId?: string }[], actor: Actor, bypassGovernance = false) {
    return objects.deleteObjects(this.ctx, bucket, items, actor, bypassGovernance);
  }
  copyObject(input: CopyObjectInput) {
    return copyObject(this.ctx, input);
  }
  async listObjects(bucketName: string, query: ListObjectsQuery) {
    const bucket = await requireBucket(this.ctx, bucketName);
    return { bucket, page: await this.ctx.meta.listObjects(bucket.id, query) };
  }
  async listObjectVersions(bucketName: string, query: ListVersionsQuery) {
    const bucket = await requireBucket(this.ctx, bucketName);
    return { bucket, page: await this.ctx.meta.listObjectVersions(bucket.id, query) };
  }

  // multipart
  createMultipartUpload(input: Parameters<typeof multipart.createMultipartUpload>[1]) {
    return multipart.createMultipartUpload(this.ctx, input);
  }
  uploadPart(input: Parameters<typeof multipart.uploadPart>[1]) {
    return multipart.uploadPart(this.ctx, input);
  }
  uploadPartCopy(input: Parameters<typeof multipart.uploadPartCopy>[1]) {
    return multipart.uploadPartCopy(this.ctx, input);
  }
  listParts(input: Parameters<typeof multipart.listParts>[1]) {
    return multipart.listParts(this.ctx, input);
  }
  completeMultipartUpload(input: Parameters<typeof multipart.completeMultipartUpload>[1]) {
    return multipart.completeMultipartUpload(this.ctx, input);
  }
  abortMultipartUpload(input: Parameters<typeof multipart.abortMultipartUpload>[1]) {
    return multipart.abortMultipartUpload(this.ctx, input);
  }
  listMultipartUploads(bucket: string, query: ListUploadsQuery) {
    return multipart.listMultipartUploads(this.ctx, bucket, query);
  }
  /** What a bucket holds (kept live by every write), or counted from its rows with `recount`. */
  async bucketUsage(bucketName: string, options: { recount?: boolean } = {}) {
    const bucket = await requireBucket(this.ctx, bucketName);
    const usage = options.recount
      ? await this.ctx.meta.recountBucketUsage(bucket.id)
      : await this.ctx.meta.bucketUsage(bucket.id);
    // INTELLIGENT_TIERING objects by access tier, when the bucket has any.
    const tiers = usage.objects[tiering.INTELLIGENT_TIERING] ? await tiering.tierUsage(this.ctx, bucket) : undefined;
    return { bucket, usage, ...(tiers ? { tiers } : {}) };
  }
  /** Current objects and bytes under a prefix ("folder size"), from the directory index. */
  async folderUsage(bucketName: string, prefix: string, options: { recount?: boolean } = {}) {
    const bucket = await requireBucket(this.ctx, bucketName);
    return { bucket, usage: await this.ctx.meta.folderUsage(bucket.id, prefix, options.recount) };
  }

  // access control
  async getBucketAcl(name: string) {
    const bucket = await requireBucket(this.ctx, name);
    return { bucket, acl: await access.getBucketAcl(this.ctx, bucket) };
  }
  putBucketAcl(name: string, acl: Acl) {
    return access.putBucketAcl(this.ctx, name, acl);
  }
  getObjectAcl(bucket: string, key: string, versionId?: string) {
    return access.getObjectAcl(this.ctx, bucket, key, versionId);
  }
  putObjectAcl(bucket: string, key: string, versionId: string | undefined, acl: Acl | undefined) {
    return access.putObjectAcl(this.ctx, bucket, key, versionId, acl);
  }
  getBucketPolicy(name: string) {
    return access.getBucketPolicy(this.ctx, name);
  }
  putBucketPolicy(name: string, doc: string | null, lockOutOwner = false) {
    return access.putBucketPolicy(this.ctx, name, doc, lockOutOwner);
  }
  selfLockedOut(bucket: BucketRecord) {
    return access.selfLockedOut(this.ctx, bucket);
  }
  bucketAccess(name: string) {
    return access.bucketAccess(this.ctx, name);
  }
  /** An object version's ACL, owner and tags for authorization (undefined when the object does not exist). */
  async objectAccess(bucketId: number, key: string, versionId?: string) {
    const version = await this.ctx.meta.getObject(bucketId, key, versionId);
    if (!version || version.isDeleteMarker) return undefined;
    return {
      acl: version.acl ? (JSON.parse(version.acl) as Acl) : undefined,
      ownerId: version.ownerId,
      ...(version.tagging !== undefined ? { tagging: version.tagging } : {}),
    };
  }

  // intelligent tiering (S3 ?intelligent-tiering&id=, COS ?intelligenttiering)
  putTieringConfiguration(name: string, config: tiering.TieringConfiguration) {
    return tiering.putTieringConfiguration(this.ctx, name, config);
  }
  getTieringConfiguration(name: string, id: string) {
    return tiering.getTieringConfiguration(this.ctx, name, id);
  }
  listTieringConfigurations(name: string) {
    return tiering.listTieringConfigurations(this.ctx, name);
  }
  deleteTieringConfiguration(name: string, id: string) {
    return tiering.deleteTieringConfiguration(this.ctx, name, id);
  }
  putCosTieringConfiguration(name: string, config: tiering.CosTieringConfiguration) {
    return tiering.putCosTieringConfiguration(this.ctx, name, config);
  }
  getCosTieringConfiguration(name: string) {
    return tiering.getCosTieringConfiguration(this.ctx, name);
  }
  /** The access tier of an INTELLIGENT_TIERING version now (HEAD's x-cos-storage-tier). */
  accessTierOf(version: ObjectVersion) {
    return tiering.accessTierOf(this.ctx, version);
  }

  // SSE-KMS key registry (the admin API's /-/admin/kms/keys)
  get kms() {
    return this.ctx.kms;
  }

  // default encryption (SSE-S3 / SSE-COS, SSE-KMS)
  putBucketEncryption(name: string, config: BucketEncryption | null) {
    return encryption.putBucketEncryption(this.ctx, name, config);
  }
  getBucketEncryption(name: string) {
    return encryption.getBucketEncryption(this.ctx, name);
  }

  // browser access: CORS and Referer (hotlink protection)
  putBucketCors(name: string, config: CorsConfiguration | null) {
    return cors.putBucketCors(this.ctx, name, config);
  }
  getBucketCors(name: string) {
    return cors.getBucketCors(this.ctx, name);
  }
  bucketCors(name: string) {
    return cors.bucketCors(this.ctx, name);
  }
  putBucketReferer(name: string, config: RefererConfiguration) {
    return referer.putBucketReferer(this.ctx, name, config);
  }
  getBucketReferer(name: string) {
    return referer.getBucketReferer(this.ctx, name);
  }
  bucketReferer(name: string) {
    return referer.bucketReferer(this.ctx, name);
  }

  // tagging
  putObjectTagging(input: Parameters<typeof tagging.putObjectTagging>[1]) {
    return tagging.putObjectTagging(this.ctx, input);
  }
  getObjectTagging(input: Parameters<typeof tagging.getObjectTagging>[1]) {
    return tagging.getObjectTagging(this.ctx, input);
  }
  deleteObjectTagging(input: Parameters<typeof tagging.deleteObjectTagging>[1]) {
    return tagging.deleteObjectTagging(this.ctx, input);
  }
  putBucketTagging(name: string, tags: Tag[] | null) {
    return tagging.putBucketTagging(this.ctx, name, tags);
  }
  getBucketTagging(name: string) {
    return tagging.getBucketTagging(this.ctx, name);
  }

  // lifecycle
  async putBucketLifecycle(name: string, rules: LifecycleRule[]) {
    const bucket = await requireBucket(this.ctx, name);
    await saveBucketRules(this.ctx, bucket.id, rules);
  }
  async getBucketLifecycle(name: string): Promise<LifecycleRule[]> {
    const bucket = await requireBucket(this.ctx, name);
    const rules = await bucketRules(this.ctx, bucket.id);
    if (!rules) throw new S3Error('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist.');
    return rules;
  }
  async deleteBucketLifecycle(name: string) {
    const bucket = await requireBucket(this.ctx, name);
    await saveBucketRules(this.ctx, bucket.id, null);
  }
  /**
   * When a current version will expire under its bucket's lifecycle rules, and by which rule (for
   * x-amz-expiration); undefined for other versions, appendable objects and buckets without rules.
   */
  async expirationOf(version: ObjectVersion): Promise<{ dueMs: number; ruleId: string } | undefined> {
    if (!version.isLatest || version.isDeleteMarker || version.objectType === 'appendable') return undefined;
    const rules = await bucketRules(this.ctx, version.bucketId);
    if (!rules) return undefined;
    return currentExpiration(rules, { ...version, newerNoncurrent: 0, onlyVersion: false });
  }
  async lifecycleStats(name: string) {
    const bucket = await requireBucket(this.ctx, name);
    return this.ctx.meta.lifecycleStats(bucket.id);
  }
  /**
   * Runs a lifecycle pass (or joins the one running, here or on another gateway: lifecycle/pass.ts),
   * then frees disk through GC. Resumes an interrupted pass first.
   */
  runLifecycle(options: LifecycleRunOptions = {}): Promise<LifecycleRunSummary> {
    this.#lifecycleRun ??= (async () => {
      try {
        const { summary, ranHere } = await runPass(this.ctx, this.#lifecyclePass, options);
        // Joined another gateway's pass: it publishes, purges and collects.
        if (!ranHere) return summary;
        if (lifecycleChannel.hasSubscribers) {
          const { objectsExpired, versionsDeleted, markersRemoved, transitioned, uploadsAborted, bytesFreed } = summary;
          const counts = { objectsExpired, versionsDeleted, markersRemoved, transitioned, uploadsAborted, bytesFreed };
          lifecycleChannel.publish({ counts } satisfies LifecycleEvent);
        }
        const purged = await recycle.purgeRecycled(this.ctx);
        if (purged.count) this.ctx.log.info({ ...purged }, 'recycle bin purged');
        await collectGarbage(this.ctx);
        return summary;
      } finally {
        this.#lifecycleRun = undefined;
      }
    })();
    return this.#lifecycleRun;
  }
  #lifecycleRun: Promise<LifecycleRunSummary> | undefined;
  readonly #lifecyclePass: PassLease | undefined;

  // access logging and inventory
  putBucketLogging(name: string, config: LoggingConfiguration | null) {
    return putBucketLogging(this.ctx, name, config);
  }
  async getBucketLogging(name: string) {
    return bucketLogging(this.ctx, await requireBucket(this.ctx, name));
  }
  putBucketInventory(name: string, config: InventoryConfiguration) {
    return inventory.putBucketInventory(this.ctx, name, config);
  }
  getBucketInventory(name: string, id: string) {
    return inventory.getBucketInventory(this.ctx, name, id);
  }
  deleteBucketInventory(name: string, id: string) {
    return inventory.deleteBucketInventory(this.ctx, name, id);
  }
  listBucketInventory(name: string, continuationToken?: string) {
    return inventory.listBucketInventory(this.ctx, name, continuationToken);
  }
  /** Writes a report of one configuration now (POST /-/admin/inventory/run, the scheduled worker). */
  runInventory(name: string, id: string, options?: inventoryReport.InventoryRunOptions) {
    return inventoryReport.runInventory(this.ctx, name, id, options);
  }
  runDueInventories(options?: inventoryReport.InventoryRunOptions) {
    return inventoryReport.runDueInventories(this.ctx, options);
  }

  // requests over time (issue 12)
  /** Requests by operation per interval, for one bucket (by name) or all (request-counts.ts). */
  requestSeries(query: { bucket?: string; sinceMs: number; untilMs: number; stepMs: number }) {
    return requestCounts.requestSeries(this.ctx.meta, query);
  }
  /** Forgets request counts of the minutes before `beforeMs` (the `gc` lease's holder does, daily retention). */
  pruneRequestCounts(beforeMs: number) {
    return this.ctx.meta.pruneRequestCounts(beforeMs);
  }

  // maintenance
  collectGarbage(limit?: number) {
    return collectGarbage(this.ctx, limit);
  }
  recoverPendingWrites() {
    return recoverPendingWrites(this.ctx);
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
