import { S3Error } from '@coffer/protocol';
import type { BucketRecord, ObjectVersion } from '../stores/types.js';
import type { EngineContext } from './context.js';
import { validateKey } from './names.js';

/**
 * Finds the version a GET/HEAD addresses, or throws what S3 throws: NoSuchKey (with the delete
 * marker's headers when the latest version is one), NoSuchVersion, MethodNotAllowed for a
 * delete marker addressed by version id.
 */
export async function findObject(
  ctx: EngineContext,
  bucket: BucketRecord,
  key: string,
  versionId: string | undefined,
): Promise<ObjectVersion> {
  validateKey(key);
  const version = await ctx.meta.getObject(bucket.id, key, versionId);
  if (!version) {
    if (versionId !== undefined && versionId !== 'null') {
      throw new S3Error('NoSuchVersion', 'The specified version does not exist.');
    }
    throw new S3Error('NoSuchKey');
  }
  if (version.isDeleteMarker) {
    // Both header families, as on every other response: the COS SDK reads x-cos-delete-marker.
    const headers = {
      'x-cos-delete-marker': 'true',
      'x-cos-version-id': version.versionId,
      'x-amz-delete-marker': 'true',
      'x-amz-version-id': version.versionId,
    };
    if (versionId !== undefined) {
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against a delete marker.', {
        headers: { ...headers, 'last-modified': new Date(version.lastModifiedMs).toUTCString() },
      });
    }
    throw new S3Error('NoSuchKey', undefined, { headers });
  }
  return version;
}
