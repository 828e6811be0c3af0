import type { Logger } from 'pino';
import type { RequestContext } from '../http-kit/request-context.js';
import { ownerIdOf } from '../identity.js';

/**
 * Operations that change who may do what, or what the server keeps: each is written to the audit
 * log (docs/operations.md, "Audit log"), whatever its outcome — a refused attempt is worth knowing.
 * S3 operation names, and Coffer's own admin operations (api/admin-routes.ts names them).
 */
const AUDITED = new Set([
  'CreateBucket',
  'DeleteBucket',
  'PutBucketAcl',
  'PutObjectAcl',
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketLifecycle',
  'DeleteBucketLifecycle',
  'PutBucketVersioning',
  'PutBucketCors',
  'DeleteBucketCors',
  'PutBucketReferer',
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketTagging',
  'DeleteBucketTagging',
  'PutObjectLockConfiguration',
  'PutObjectRetention',
  'PutObjectLegalHold',
  'PutBucketLogging',
  'PutBucketNotification',
  'PutBucketRecycle',
  'DeleteBucketRecycle',
  'PurgeRecycled',
  'PutBucketInventoryConfiguration',
  'DeleteBucketInventoryConfiguration',
  'PutPublicAccessBlock',
  'DeletePublicAccessBlock',
  'PutBucketOwnershipControls',
  'DeleteBucketOwnershipControls',
  'AdminCreateAccount',
  'AdminDeleteAccount',
  'AdminSuspendAccount',
  'AdminResumeAccount',
  'AdminPutAccountPublicAccessBlock',
  'AdminDeleteAccountPublicAccessBlock',
  'AdminCreateUser',
  'AdminDeleteUser',
  'AdminCreateAccessKey',
  'AdminDeleteAccessKey',
  'AdminPutUserPolicy',
  'AdminDeleteUserPolicy',
  'AdminRunLifecycle',
  'AdminFlushLogging',
  'AdminRunInventory',
  'GetSessionToken',
]);

export function isAudited(operation: string): boolean {
  return AUDITED.has(operation);
}

/**
 * One structured line per audited request: who (owner id, access key, root or sub-user, temporary
 * or not), what (operation, bucket, key, version, the admin path's target), when (ISO time), the
 * request id, and the outcome (status, error code). Never a secret, a signature or a body.
 */
export function auditRequest(log: Logger, ctx: RequestContext, status: number, code: string | undefined): void {
  const principal = ctx.auth?.principal;
  log.info(
    {
      audit: true,
      time: new Date().toISOString(),
      requestId: ctx.requestId,
      who: principal
        ? {
            ownerId: ownerIdOf(principal),
            accessKeyId: ctx.auth.accessKeyId,
            root: principal.isRoot,
            temporary: principal.sessionExpiresMs !== undefined,
          }
        : { ownerId: 'anonymous' },
      sourceIp: ctx.req.socket.remoteAddress,
      operation: ctx.operation,
      method: ctx.method,
      ...(ctx.address.internal ? { path: `/-${ctx.address.internalPath ?? ''}` } : {}),
      ...(ctx.address.bucket !== undefined ? { bucket: ctx.address.bucket } : {}),
      ...(ctx.address.key !== undefined ? { key: ctx.address.key } : {}),
      ...(ctx.param('versionId') !== undefined ? { versionId: ctx.param('versionId') } : {}),
      status,
      ...(code !== undefined ? { code } : {}),
      outcome: status < 400 ? 'allowed' : status === 403 ? 'denied' : 'failed',
    },
    'audit',
  );
}
