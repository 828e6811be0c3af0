/**
 * What each routed operation asks permission for: the action names a policy may name (COS CAM
 * `name/cos:<Op>` and S3 `s3:<Action>`), whether it acts on the bucket or an object, and the ACL
 * permission that grants it.
 * COS: https://www.tencentcloud.com/document/product/436/30580 ; S3:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 */
export type AclPermission = 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL';

export interface ActionSpec {
  /** COS CAM action (without the `name/cos:` prefix). */
  cos: string;
  /** S3 IAM action (without the `s3:` prefix). */
  s3: string;
  target: 'service' | 'bucket' | 'object';
  /**
   * The ACL permission that allows it: on the bucket for bucket targets and for object writes
   * (WRITE on a bucket lets you create and delete its objects), on the object otherwise.
   * 'OWNER' = only the owner (or a policy) may do it.
   */
  acl: AclPermission | 'OWNER';
  /** For object operations whose ACL check is on the bucket (writes). */
  aclOnBucket?: boolean;
}

/**
 * Every operation Coffer routes, with what it asks permission for. Its keys are the `Operation` type
 * the route table (api/routes.ts), authorization and the metrics share: a route naming an operation
 * that has no entry here does not compile.
 */
const ACTION_TABLE = {
  ListBuckets: { cos: 'GetService', s3: 'ListAllMyBuckets', target: 'service', acl: 'OWNER' },
  CreateBucket: { cos: 'PutBucket', s3: 'CreateBucket', target: 'bucket', acl: 'OWNER' },
  HeadBucket: { cos: 'HeadBucket', s3: 'ListBucket', target: 'bucket', acl: 'READ' },
  DeleteBucket: { cos: 'DeleteBucket', s3: 'DeleteBucket', target: 'bucket', acl: 'OWNER' },
  ListObjects: { cos: 'GetBucket', s3: 'ListBucket', target: 'bucket', acl: 'READ' },
  GetBucketLocation: { cos: 'GetBucketLocation', s3: 'GetBucketLocation', target: 'bucket', acl: 'OWNER' },
  ListObjectVersions: { cos: 'GetBucketObjectVersions', s3: 'ListBucketVersions', target: 'bucket', acl: 'READ' },
  GetBucketVersioning: { cos: 'GetBucketVersioning', s3: 'GetBucketVersioning', target: 'bucket', acl: 'OWNER' },
  PutBucketVersioning: { cos: 'PutBucketVersioning', s3: 'PutBucketVersioning', target: 'bucket', acl: 'OWNER' },
  GetBucketLifecycle: { cos: 'GetBucketLifecycle', s3: 'GetLifecycleConfiguration', target: 'bucket', acl: 'OWNER' },
  PutBucketLifecycle: { cos: 'PutBucketLifecycle', s3: 'PutLifecycleConfiguration', target: 'bucket', acl: 'OWNER' },
  DeleteBucketLifecycle: {
    cos: 'DeleteBucketLifecycle',
    s3: 'PutLifecycleConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetBucketAcl: { cos: 'GetBucketACL', s3: 'GetBucketAcl', target: 'bucket', acl: 'READ_ACP' },
  PutBucketAcl: { cos: 'PutBucketACL', s3: 'PutBucketAcl', target: 'bucket', acl: 'WRITE_ACP' },
  GetBucketPolicy: { cos: 'GetBucketPolicy', s3: 'GetBucketPolicy', target: 'bucket', acl: 'OWNER' },
  PutBucketPolicy: { cos: 'PutBucketPolicy', s3: 'PutBucketPolicy', target: 'bucket', acl: 'OWNER' },
  DeleteBucketPolicy: { cos: 'DeleteBucketPolicy', s3: 'DeleteBucketPolicy', target: 'bucket', acl: 'OWNER' },
  GetBucketCors: { cos: 'GetBucketCORS', s3: 'GetBucketCORS', target: 'bucket', acl: 'OWNER' },
  PutBucketCors: { cos: 'PutBucketCORS', s3: 'PutBucketCORS', target: 'bucket', acl: 'OWNER' },
  DeleteBucketCors: { cos: 'DeleteBucketCORS', s3: 'PutBucketCORS', target: 'bucket', acl: 'OWNER' },
  GetBucketReferer: { cos: 'GetBucketReferer', s3: 'GetBucketReferer', target: 'bucket', acl: 'OWNER' },
  PutBucketReferer: { cos: 'PutBucketReferer', s3: 'PutBucketReferer', target: 'bucket', acl: 'OWNER' },
  // Tags are not granted by ACLs in S3 (no ACL permission covers s3:*Tagging): the owner, or a policy.
  GetBucketTagging: { cos: 'GetBucketTagging', s3: 'GetBucketTagging', target: 'bucket', acl: 'OWNER' },
  PutBucketTagging: { cos: 'PutBucketTagging', s3: 'PutBucketTagging', target: 'bucket', acl: 'OWNER' },
  DeleteBucketTagging: { cos: 'DeleteBucketTagging', s3: 'PutBucketTagging', target: 'bucket', acl: 'OWNER' },
  GetBucketPolicyStatus: { cos: 'GetBucketPolicy', s3: 'GetBucketPolicyStatus', target: 'bucket', acl: 'OWNER' },
  // Coffer's own (GET /<bucket>?usage): COS and S3 have no such action, so policies name it as below.
  GetBucketUsage: { cos: 'GetBucketUsage', s3: 'GetBucketUsage', target: 'bucket', acl: 'OWNER' },
  PutBucketIntelligentTieringConfiguration: {
    cos: 'PutBucketIntelligentTiering',
    s3: 'PutIntelligentTieringConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetBucketIntelligentTieringConfiguration: {
    cos: 'GetBucketIntelligentTiering',
    s3: 'GetIntelligentTieringConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  DeleteBucketIntelligentTieringConfiguration: {
    cos: 'PutBucketIntelligentTiering',
    s3: 'PutIntelligentTieringConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetObjectLockConfiguration: {
    cos: 'GetBucketObjectLock',
    s3: 'GetBucketObjectLockConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  PutObjectLockConfiguration: {
    cos: 'PutBucketObjectLock',
    s3: 'PutBucketObjectLockConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  RestoreObject: { cos: 'PostObjectRestore', s3: 'RestoreObject', target: 'object', acl: 'OWNER' },
  GetObjectRetention: { cos: 'GetObjectRetention', s3: 'GetObjectRetention', target: 'object', acl: 'OWNER' },
  PutObjectRetention: { cos: 'PutObjectRetention', s3: 'PutObjectRetention', target: 'object', acl: 'OWNER' },
  GetObjectLegalHold: { cos: 'GetObjectLegalHold', s3: 'GetObjectLegalHold', target: 'object', acl: 'OWNER' },
  PutObjectLegalHold: { cos: 'PutObjectLegalHold', s3: 'PutObjectLegalHold', target: 'object', acl: 'OWNER' },
  // Asked for on top of the operation when a request sends x-amz-bypass-governance-retention: true.
  BypassGovernanceRetention: {
    cos: 'BypassGovernanceRetention',
    s3: 'BypassGovernanceRetention',
    target: 'object',
    acl: 'OWNER',
  },
  GetBucketEncryption: { cos: 'GetBucketEncryption', s3: 'GetEncryptionConfiguration', target: 'bucket', acl: 'OWNER' },
  PutBucketEncryption: { cos: 'PutBucketEncryption', s3: 'PutEncryptionConfiguration', target: 'bucket', acl: 'OWNER' },
  DeleteBucketEncryption: {
    cos: 'DeleteBucketEncryption',
    s3: 'PutEncryptionConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  // Configurations Coffer does not serve (api/bucket-unserved.ts): reads report none; the owner only.
  // (Ownership controls and Block Public Access are served: api/public-access.ts.)
  GetBucketWebsite: { cos: 'GetBucketWebsite', s3: 'GetBucketWebsite', target: 'bucket', acl: 'OWNER' },
  DeleteBucketWebsite: { cos: 'DeleteBucketWebsite', s3: 'DeleteBucketWebsite', target: 'bucket', acl: 'OWNER' },
  GetBucketReplication: {
    cos: 'GetBucketReplication',
    s3: 'GetReplicationConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  DeleteBucketReplication: {
    cos: 'DeleteBucketReplication',
    s3: 'PutReplicationConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetBucketOwnershipControls: {
    cos: 'GetBucketOwnershipControls',
    s3: 'GetBucketOwnershipControls',
    target: 'bucket',
    acl: 'OWNER',
  },
  PutBucketOwnershipControls: {
    cos: 'PutBucketOwnershipControls',
    s3: 'PutBucketOwnershipControls',
    target: 'bucket',
    acl: 'OWNER',
  },
  DeleteBucketOwnershipControls: {
    cos: 'DeleteBucketOwnershipControls',
    s3: 'PutBucketOwnershipControls',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetPublicAccessBlock: {
    cos: 'GetPublicAccessBlock',
    s3: 'GetBucketPublicAccessBlock',
    target: 'bucket',
    acl: 'OWNER',
  },
  PutPublicAccessBlock: {
    cos: 'PutPublicAccessBlock',
    s3: 'PutBucketPublicAccessBlock',
    target: 'bucket',
    acl: 'OWNER',
  },
  DeletePublicAccessBlock: {
    cos: 'DeletePublicAccessBlock',
    s3: 'PutBucketPublicAccessBlock',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetBucketLogging: { cos: 'GetBucketLogging', s3: 'GetBucketLogging', target: 'bucket', acl: 'OWNER' },
  PutBucketLogging: { cos: 'PutBucketLogging', s3: 'PutBucketLogging', target: 'bucket', acl: 'OWNER' },
  // Inventory: S3 has two actions for the four operations (s3:Get/PutInventoryConfiguration).
  PutBucketInventoryConfiguration: {
    cos: 'PutBucketInventory',
    s3: 'PutInventoryConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetBucketInventoryConfiguration: {
    cos: 'GetBucketInventory',
    s3: 'GetInventoryConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  DeleteBucketInventoryConfiguration: {
    cos: 'DeleteBucketInventory',
    s3: 'PutInventoryConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  ListBucketInventoryConfigurations: {
    cos: 'ListBucketInventory',
    s3: 'GetInventoryConfiguration',
    target: 'bucket',
    acl: 'OWNER',
  },
  GetBucketNotification: { cos: 'GetBucketNotification', s3: 'GetBucketNotification', target: 'bucket', acl: 'OWNER' },
  PutBucketNotification: { cos: 'PutBucketNotification', s3: 'PutBucketNotification', target: 'bucket', acl: 'OWNER' },
  // The recycle bin (Coffer's own): only the owner, or a policy naming these actions.
  GetBucketRecycle: { cos: 'GetBucketRecycle', s3: 'GetBucketRecycle', target: 'bucket', acl: 'OWNER' },
  PutBucketRecycle: { cos: 'PutBucketRecycle', s3: 'PutBucketRecycle', target: 'bucket', acl: 'OWNER' },
  DeleteBucketRecycle: { cos: 'PutBucketRecycle', s3: 'PutBucketRecycle', target: 'bucket', acl: 'OWNER' },
  ListRecycled: { cos: 'ListRecycled', s3: 'ListRecycled', target: 'bucket', acl: 'OWNER' },
  RestoreRecycled: { cos: 'RestoreRecycled', s3: 'RestoreRecycled', target: 'bucket', acl: 'OWNER' },
  PurgeRecycled: { cos: 'PurgeRecycled', s3: 'PurgeRecycled', target: 'bucket', acl: 'OWNER' },
  GetBucketAccelerate: { cos: 'GetBucketAccelerate', s3: 'GetAccelerateConfiguration', target: 'bucket', acl: 'OWNER' },
  GetBucketRequestPayment: {
    cos: 'GetBucketRequestPayment',
    s3: 'GetBucketRequestPayment',
    target: 'bucket',
    acl: 'OWNER',
  },
  ListMultipartUploads: {
    cos: 'ListMultipartUploads',
    s3: 'ListBucketMultipartUploads',
    target: 'bucket',
    acl: 'READ',
  },
  DeleteObjects: { cos: 'DeleteMultipleObjects', s3: 'DeleteObject', target: 'bucket', acl: 'WRITE' },
  PostObject: { cos: 'PostObject', s3: 'PutObject', target: 'object', acl: 'WRITE', aclOnBucket: true },

  PutObject: { cos: 'PutObject', s3: 'PutObject', target: 'object', acl: 'WRITE', aclOnBucket: true },
  AppendObject: { cos: 'AppendObject', s3: 'PutObject', target: 'object', acl: 'WRITE', aclOnBucket: true },
  CopyObject: { cos: 'PutObject', s3: 'PutObject', target: 'object', acl: 'WRITE', aclOnBucket: true },
  GetObject: { cos: 'GetObject', s3: 'GetObject', target: 'object', acl: 'READ' },
  HeadObject: { cos: 'HeadObject', s3: 'GetObject', target: 'object', acl: 'READ' },
  GetObjectAttributes: { cos: 'HeadObject', s3: 'GetObjectAttributes', target: 'object', acl: 'READ' },
  DeleteObject: { cos: 'DeleteObject', s3: 'DeleteObject', target: 'object', acl: 'WRITE', aclOnBucket: true },
  GetObjectAcl: { cos: 'GetObjectACL', s3: 'GetObjectAcl', target: 'object', acl: 'READ_ACP' },
  PutObjectAcl: { cos: 'PutObjectACL', s3: 'PutObjectAcl', target: 'object', acl: 'WRITE_ACP' },
  GetObjectTagging: { cos: 'GetObjectTagging', s3: 'GetObjectTagging', target: 'object', acl: 'OWNER' },
  PutObjectTagging: { cos: 'PutObjectTagging', s3: 'PutObjectTagging', target: 'object', acl: 'OWNER' },
  DeleteObjectTagging: { cos: 'DeleteObjectTagging', s3: 'DeleteObjectTagging', target: 'object', acl: 'OWNER' },
  OptionsObject: { cos: 'OptionsObject', s3: 'GetObject', target: 'object', acl: 'READ' },
  CreateMultipartUpload: {
    cos: 'InitiateMultipartUpload',
    s3: 'PutObject',
    target: 'object',
    acl: 'WRITE',
    aclOnBucket: true,
  },
  UploadPart: { cos: 'UploadPart', s3: 'PutObject', target: 'object', acl: 'WRITE', aclOnBucket: true },
  UploadPartCopy: { cos: 'UploadPartCopy', s3: 'PutObject', target: 'object', acl: 'WRITE', aclOnBucket: true },
  ListParts: { cos: 'ListParts', s3: 'ListMultipartUploadParts', target: 'object', acl: 'WRITE', aclOnBucket: true },
  CompleteMultipartUpload: {
    cos: 'CompleteMultipartUpload',
    s3: 'PutObject',
    target: 'object',
    acl: 'WRITE',
    aclOnBucket: true,
  },
  AbortMultipartUpload: {
    cos: 'AbortMultipartUpload',
    s3: 'AbortMultipartUpload',
    target: 'object',
    acl: 'WRITE',
    aclOnBucket: true,
  },
} satisfies Record<string, ActionSpec>;

/** An S3/COS operation name: ListObjects, PutObject, … (the keys of the action table). */
export type Operation = keyof typeof ACTION_TABLE;

export const ACTIONS: Readonly<Record<Operation, ActionSpec>> = ACTION_TABLE;

/** The action spec of an operation. */
export function actionOf(operation: Operation): ActionSpec {
  return ACTIONS[operation];
}
