import { S3Error } from '@coffer/protocol';
import type { Operation } from '../authz/actions.js';
import type { RequestContext } from '../http-kit/request-context.js';
import * as acl from './acl.js';
import * as bucket from './bucket.js';
import * as encryption from './bucket-encryption.js';
import * as inventory from './bucket-inventory.js';
import * as tiering from './bucket-intelligent-tiering.js';
import { deleteBucketLifecycle, getBucketLifecycle, putBucketLifecycle } from './bucket-lifecycle.js';
import * as notification from './bucket-notification.js';
import * as logging from './bucket-logging.js';
import * as policy from './bucket-policy.js';
import * as recycle from './bucket-recycle.js';
import { deleteBucketTagging, getBucketTagging, putBucketTagging } from './bucket-tagging.js';
import * as unserved from './bucket-unserved.js';
import { getBucketVersioning, putBucketVersioning } from './bucket-versioning.js';
import * as cors from './cors.js';
import type { Handler } from './handler.js';
import * as list from './list-objects.js';
import * as multipart from './multipart.js';
import { appendObject } from './object-append.js';
import { getObjectAttributes } from './object-attributes.js';
import { deleteObject, deleteObjects } from './object-delete.js';
import { getObject } from './object-get.js';
import * as objectLock from './object-lock.js';
import { putObject } from './object-put.js';
import { restoreObject } from './object-restore.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './object-tagging.js';
import { postObject } from './post-object.js';
import * as publicAccess from './public-access.js';
import * as referer from './referer.js';
import { listBuckets } from './service.js';
import { getBucketUsage } from './usage.js';

type Target = 'service' | 'bucket' | 'object';

/**
 * Sub-resources by target. A request naming one is routed by it; one Coffer does not serve yet is
 * 501 NotImplemented — never mistaken for the plain operation (a GET ?website must not list objects).
 */
const BUCKET_SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'delete',
  'domain',
  'encryption',
  'intelligent-tiering',
  'intelligenttiering',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'origin',
  'ownershipControls',
  'policy',
  'policyStatus',
  'recycle',
  'recycled',
  'publicAccessBlock',
  'referer',
  'replication',
  'requestPayment',
  'tagging',
  'uploads',
  'usage',
  'versioning',
  'versions',
  'website',
] as const;

const OBJECT_SUBRESOURCES = [
  'acl',
  'append',
  'attributes',
  'legal-hold',
  'recycled',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
] as const;

/** Route key (`target METHOD [subresource]`) → the S3 operation name (for metrics and logs) and its handler. */
const ROUTES: Record<string, [operation: Operation, handler: Handler]> = {
  'service GET': ['ListBuckets', listBuckets],
  'bucket PUT': ['CreateBucket', bucket.createBucket],
  'bucket HEAD': ['HeadBucket', bucket.headBucket],
  'bucket DELETE': ['DeleteBucket', bucket.deleteBucket],
  'bucket GET': [
    'ListObjects',
    async (ctx) => (ctx.param('list-type') === '2' ? list.listObjectsV2(ctx) : list.listObjectsV1(ctx)),
  ],
  'bucket GET location': ['GetBucketLocation', bucket.getBucketLocation],
  'bucket GET versions': ['ListObjectVersions', list.listObjectVersions],
  'bucket GET versioning': ['GetBucketVersioning', getBucketVersioning],
  'bucket PUT versioning': ['PutBucketVersioning', putBucketVersioning],
  'bucket GET acl': ['GetBucketAcl', acl.getBucketAcl],
  'bucket PUT acl': ['PutBucketAcl', acl.putBucketAcl],
  'bucket GET policy': ['GetBucketPolicy', policy.getBucketPolicy],
  'bucket PUT policy': ['PutBucketPolicy', policy.putBucketPolicy],
  'bucket DELETE policy': ['DeleteBucketPolicy', policy.deleteBucketPolicy],
  'object GET acl': ['GetObjectAcl', acl.getObjectAcl],
  'object PUT acl': ['PutObjectAcl', acl.putObjectAcl],
  'bucket GET lifecycle': ['GetBucketLifecycle', getBucketLifecycle],
  'bucket PUT lifecycle': ['PutBucketLifecycle', putBucketLifecycle],
  'bucket DELETE lifecycle': ['DeleteBucketLifecycle', deleteBucketLifecycle],
  'bucket POST delete': ['DeleteObjects', deleteObjects],
  'bucket GET cors': ['GetBucketCors', cors.getBucketCors],
  'bucket PUT cors': ['PutBucketCors', cors.putBucketCors],
  'bucket DELETE cors': ['DeleteBucketCors', cors.deleteBucketCors],
  'bucket GET referer': ['GetBucketReferer', referer.getBucketReferer],
  'bucket PUT referer': ['PutBucketReferer', referer.putBucketReferer],
  'bucket GET tagging': ['GetBucketTagging', getBucketTagging],
  'bucket PUT tagging': ['PutBucketTagging', putBucketTagging],
  'bucket DELETE tagging': ['DeleteBucketTagging', deleteBucketTagging],
  'object GET tagging': ['GetObjectTagging', getObjectTagging],
  'object PUT tagging': ['PutObjectTagging', putObjectTagging],
  'object DELETE tagging': ['DeleteObjectTagging', deleteObjectTagging],
  'bucket POST': ['PostObject', postObject],
  'bucket GET uploads': ['ListMultipartUploads', multipart.listMultipartUploads],
  'object POST uploads': ['CreateMultipartUpload', multipart.createMultipartUpload],
  'object PUT uploadId': ['UploadPart', multipart.uploadPart],
  'object GET uploadId': ['ListParts', multipart.listParts],
  'object POST uploadId': ['CompleteMultipartUpload', multipart.completeMultipartUpload],
  'object DELETE uploadId': ['AbortMultipartUpload', multipart.abortMultipartUpload],
  'bucket GET object-lock': ['GetObjectLockConfiguration', objectLock.getObjectLockConfiguration],
  'bucket PUT object-lock': ['PutObjectLockConfiguration', objectLock.putObjectLockConfiguration],
  'object GET retention': ['GetObjectRetention', objectLock.getObjectRetention],
  'object PUT retention': ['PutObjectRetention', objectLock.putObjectRetention],
  'object GET legal-hold': ['GetObjectLegalHold', objectLock.getObjectLegalHold],
  'object PUT legal-hold': ['PutObjectLegalHold', objectLock.putObjectLegalHold],
  'bucket GET policyStatus': ['GetBucketPolicyStatus', publicAccess.getBucketPolicyStatus],
  'bucket GET publicAccessBlock': ['GetPublicAccessBlock', publicAccess.getPublicAccessBlock],
  'bucket PUT publicAccessBlock': ['PutPublicAccessBlock', publicAccess.putPublicAccessBlock],
  'bucket DELETE publicAccessBlock': ['DeletePublicAccessBlock', publicAccess.deletePublicAccessBlock],
  'bucket GET ownershipControls': ['GetBucketOwnershipControls', publicAccess.getBucketOwnershipControls],
  'bucket PUT ownershipControls': ['PutBucketOwnershipControls', publicAccess.putBucketOwnershipControls],
  'bucket DELETE ownershipControls': ['DeleteBucketOwnershipControls', publicAccess.deleteBucketOwnershipControls],
  'bucket GET usage': ['GetBucketUsage', getBucketUsage],
  'bucket PUT intelligent-tiering': ['PutBucketIntelligentTieringConfiguration', tiering.putBucketIntelligentTiering],
  'bucket GET intelligent-tiering': ['GetBucketIntelligentTieringConfiguration', tiering.getBucketIntelligentTiering],
  'bucket DELETE intelligent-tiering': [
    'DeleteBucketIntelligentTieringConfiguration',
    tiering.deleteBucketIntelligentTiering,
  ],
  'bucket PUT intelligenttiering': ['PutBucketIntelligentTieringConfiguration', tiering.putCosIntelligentTiering],
  'bucket GET intelligenttiering': ['GetBucketIntelligentTieringConfiguration', tiering.getCosIntelligentTiering],
  'bucket GET encryption': ['GetBucketEncryption', encryption.getBucketEncryption],
  'bucket PUT encryption': ['PutBucketEncryption', encryption.putBucketEncryption],
  'bucket DELETE encryption': ['DeleteBucketEncryption', encryption.deleteBucketEncryption],
  'bucket GET logging': ['GetBucketLogging', logging.getBucketLogging],
  'bucket PUT logging': ['PutBucketLogging', logging.putBucketLogging],
  // GET without ?id= is ListBucketInventoryConfigurations (see route()).
  'bucket GET inventory': ['GetBucketInventoryConfiguration', inventory.getBucketInventory],
  'bucket PUT inventory': ['PutBucketInventoryConfiguration', inventory.putBucketInventory],
  'bucket DELETE inventory': ['DeleteBucketInventoryConfiguration', inventory.deleteBucketInventory],
  // Configurations Coffer does not serve: reads report none (bucket-unserved.ts), writes stay 501.
  'bucket GET website': ['GetBucketWebsite', unserved.getBucketWebsite],
  'bucket DELETE website': ['DeleteBucketWebsite', unserved.deleteNothing],
  'bucket GET replication': ['GetBucketReplication', unserved.getBucketReplication],
  'bucket DELETE replication': ['DeleteBucketReplication', unserved.deleteNothing],
  'bucket GET notification': ['GetBucketNotification', notification.getBucketNotification],
  'bucket PUT notification': ['PutBucketNotification', notification.putBucketNotification],
  // Coffer's recycle bin (docs/recycle-bin.md).
  'bucket GET recycle': ['GetBucketRecycle', recycle.getBucketRecycle],
  'bucket PUT recycle': ['PutBucketRecycle', recycle.putBucketRecycle],
  'bucket DELETE recycle': ['DeleteBucketRecycle', recycle.deleteBucketRecycle],
  'bucket GET recycled': ['ListRecycled', recycle.listRecycled],
  'object POST recycled': ['RestoreRecycled', recycle.restoreRecycled],
  'bucket DELETE recycled': ['PurgeRecycled', recycle.purgeRecycledEntry],
  'bucket GET accelerate': ['GetBucketAccelerate', unserved.getBucketAccelerate],
  'bucket GET requestPayment': ['GetBucketRequestPayment', unserved.getBucketRequestPayment],
  'object GET attributes': ['GetObjectAttributes', getObjectAttributes],
  'object POST append': ['AppendObject', appendObject],
  'object POST restore': ['RestoreObject', restoreObject],
  'object PUT': ['PutObject', putObject],
  'object GET': ['GetObject', getObject],
  'object HEAD': ['HeadObject', getObject],
  'object DELETE': ['DeleteObject', deleteObject],
};

/** Finds the operation and handler for a request, or throws NotImplemented / MethodNotAllowed. */
export function route(ctx: RequestContext): { operation: Operation; handler: Handler } {
  const target: Target =
    ctx.address.bucket === undefined ? 'service' : ctx.address.key === undefined ? 'bucket' : 'object';
  const known: readonly string[] =
    target === 'bucket' ? BUCKET_SUBRESOURCES : target === 'object' ? OBJECT_SUBRESOURCES : [];
  const sub = known.find((name) => ctx.query.has(name));
  const method = ctx.method === 'HEAD' && target === 'service' ? 'GET' : ctx.method;
  const found = ROUTES[sub ? `${target} ${method} ${sub}` : `${target} ${method}`];
  if (found) {
    // CopyObject and UploadPartCopy share their PUT routes with PutObject and UploadPart.
    const copy = ctx.vendorHeader('copy-source') !== undefined;
    // GET ?inventory without an id lists the configurations (its own operation, for policies that name it).
    const listing = found[0] === 'GetBucketInventoryConfiguration' && !ctx.query.has('id');
    const operation = listing
      ? 'ListBucketInventoryConfigurations'
      : copy && found[0] === 'PutObject'
        ? 'CopyObject'
        : copy && found[0] === 'UploadPart'
          ? 'UploadPartCopy'
          : found[0];
    return { operation, handler: found[1] };
  }
  if (sub) {
    throw new S3Error('NotImplemented', `Coffer does not implement ${method} ?${sub} on a ${target} yet.`);
  }
  throw new S3Error('MethodNotAllowed', `The specified method is not allowed against this resource: ${method}.`, {
    details: {
      Method: method,
      ResourceType: target === 'object' ? 'OBJECT' : target === 'bucket' ? 'BUCKET' : 'SERVICE',
    },
  });
}
