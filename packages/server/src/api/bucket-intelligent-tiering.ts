import { S3Error } from '@coffer/protocol';
import {
  parseCosTieringConfiguration,
  parseTieringConfiguration,
  renderCosTieringConfiguration,
  renderTieringConfiguration,
} from '../codecs/intelligent-tiering.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendXml } from '../http-kit/respond.js';
import { requireXmlBody } from './bucket.js';

/** The id query parameter of ?intelligent-tiering: required to PUT, GET one, or DELETE. */
function configurationId(ctx: RequestContext): string {
  const id = ctx.param('id');
  if (id === undefined || id === '' || id.length > 64 || !/^[\w.-]+$/.test(id)) {
    throw new S3Error(
      'InvalidArgument',
      'The id of an intelligent tiering configuration is 1-64 letters, digits, ., - or _.',
      {
        details: { ArgumentName: 'id', ArgumentValue: id ?? '' },
      },
    );
  }
  return id;
}

const NOT_FOUND = () => new S3Error('NoSuchConfiguration', 'The specified configuration does not exist.');

/** PUT ?intelligent-tiering&id= (S3 PutBucketIntelligentTieringConfiguration). */
export async function putBucketIntelligentTiering(ctx: RequestContext): Promise<void> {
  const id = configurationId(ctx);
  const config = parseTieringConfiguration(await requireXmlBody(ctx, 'IntelligentTieringConfiguration'), id);
  await ctx.engine.putTieringConfiguration(ctx.bucket, config);
  sendEmpty(ctx, 204);
}

/** GET ?intelligent-tiering&id= (one configuration), or GET ?intelligent-tiering (the list). */
export async function getBucketIntelligentTiering(ctx: RequestContext): Promise<void> {
  if (ctx.param('id') === undefined) {
    const all = await ctx.engine.listTieringConfigurations(ctx.bucket);
    sendXml(ctx, 'ListBucketIntelligentTieringConfigurationsOutput', {
      IsTruncated: false,
      IntelligentTieringConfiguration: all.map(renderTieringConfiguration),
    });
    return;
  }
  const config = await ctx.engine.getTieringConfiguration(ctx.bucket, configurationId(ctx));
  if (!config) throw NOT_FOUND();
  sendXml(ctx, 'IntelligentTieringConfiguration', renderTieringConfiguration(config));
}

/** DELETE ?intelligent-tiering&id= (S3 DeleteBucketIntelligentTieringConfiguration). */
export async function deleteBucketIntelligentTiering(ctx: RequestContext): Promise<void> {
  if (!(await ctx.engine.deleteTieringConfiguration(ctx.bucket, configurationId(ctx)))) throw NOT_FOUND();
  sendEmpty(ctx, 204);
}

/** PUT ?intelligenttiering (COS PUT Bucket IntelligentTiering): the bucket's INFREQUENT threshold. */
export async function putCosIntelligentTiering(ctx: RequestContext): Promise<void> {
  const config = parseCosTieringConfiguration(await requireXmlBody(ctx, 'IntelligentTieringConfiguration'));
  await ctx.engine.putCosTieringConfiguration(ctx.bucket, config);
  sendEmpty(ctx, 200);
}

/** GET ?intelligenttiering (COS GET Bucket IntelligentTiering): Suspended with COS's defaults when never set. */
export async function getCosIntelligentTiering(ctx: RequestContext): Promise<void> {
  const config = await ctx.engine.getCosTieringConfiguration(ctx.bucket);
  sendXml(ctx, 'IntelligentTieringConfiguration', renderCosTieringConfiguration(config));
}
