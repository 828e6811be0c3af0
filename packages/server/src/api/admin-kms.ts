import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';
import { readJsonObject, requirePermanentRoot } from './admin-users.js';

/**
 * The admin API of the local KMS key registry behind SSE-KMS (engine/kms.ts; docs/admin-api.md).
 * Root only, as for users. A key is named by its id or ARN; `alias/aws/s3` names the default key.
 */

/** POST /-/admin/kms/keys {"description"?: "…"} → 201 the new key. */
export async function createKmsKey(ctx: RequestContext): Promise<void> {
  requirePermanentRoot(ctx);
  const { description } = await readJsonObject(ctx);
  if (description !== undefined && (typeof description !== 'string' || description.length > 8192)) {
    throw new S3Error('InvalidArgument', 'description is a string of at most 8192 characters.');
  }
  sendJson(ctx, 201, await ctx.engine.kms.createKey(description ?? ''));
}

/** GET /-/admin/kms/keys → {keys: [...]}, oldest first. */
export async function listKmsKeys(ctx: RequestContext): Promise<void> {
  requirePermanentRoot(ctx);
  sendJson(ctx, 200, { keys: await ctx.engine.kms.listKeys() });
}

/** GET /-/admin/kms/keys/<id> → the key. */
export async function describeKmsKey(ctx: RequestContext, keyId: string): Promise<void> {
  requirePermanentRoot(ctx);
  sendJson(ctx, 200, await ctx.engine.kms.describeKey(keyId));
}

/** POST /-/admin/kms/keys/<id>/enable and /disable → the key. Objects under a disabled key cannot be read. */
export function setKmsKeyEnabled(enabled: boolean) {
  return async (ctx: RequestContext, keyId: string): Promise<void> => {
    requirePermanentRoot(ctx);
    sendJson(ctx, 200, await ctx.engine.kms.setEnabled(keyId, enabled));
  };
}

/** POST /-/admin/kms/keys/<id>/rotate → the key, with a new current material version. */
export async function rotateKmsKey(ctx: RequestContext, keyId: string): Promise<void> {
  requirePermanentRoot(ctx);
  sendJson(ctx, 200, await ctx.engine.kms.rotateKey(keyId));
}
