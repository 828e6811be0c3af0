import { S3Error } from '@coffer/protocol';
import { parseInventory, renderInventory } from '../codecs/inventory.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

function requireId(ctx: RequestContext): string {
  const id = ctx.param('id');
  if (id === undefined || id === '') {
    throw new S3Error('InvalidArgument', 'The inventory configuration id is missing: add ?id=.', {
      details: { ArgumentName: 'id' },
    });
  }
  return id;
}

/** PUT Bucket inventory ?id=: adds or replaces that configuration. */
export async function putBucketInventory(ctx: RequestContext): Promise<void> {
  const id = requireId(ctx);
  const config = parseInventory(await requireXmlBody(ctx, 'InventoryConfiguration'), id);
  await ctx.engine.putBucketInventory(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/**
 * GET Bucket inventory: with ?id= one configuration, without it the list (S3's
 * ListBucketInventoryConfigurations, COS's List Inventory Configurations), 100 a page.
 */
export async function getBucketInventory(ctx: RequestContext): Promise<void> {
  const id = ctx.param('id');
  if (id === undefined) {
    const token = ctx.param('continuation-token');
    const page = await ctx.engine.listBucketInventory(ctx.bucket, token || undefined);
    // COS names the list's root in the singular (https://www.tencentcloud.com/document/product/436/30626).
    const root = ctx.flavor === 'cos' ? 'ListInventoryConfigurationResult' : 'ListInventoryConfigurationsResult';
    sendXml(ctx, root, {
      InventoryConfiguration: page.configurations.map(renderInventory),
      IsTruncated: String(page.nextContinuationToken !== undefined),
      ...(token ? { ContinuationToken: token } : {}),
      ...(page.nextContinuationToken !== undefined ? { NextContinuationToken: page.nextContinuationToken } : {}),
    });
    return;
  }
  const config = await ctx.engine.getBucketInventory(ctx.bucket, requireId(ctx));
  sendXml(ctx, 'InventoryConfiguration', renderInventory(config));
}

export async function deleteBucketInventory(ctx: RequestContext): Promise<void> {
  await ctx.engine.deleteBucketInventory(ctx.bucket, requireId(ctx));
  sendEmpty(ctx, 204);
}
