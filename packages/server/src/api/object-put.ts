import { S3Error } from '@coffer/protocol';
import { parseCopySource } from '../http-kit/copy-source.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { isoDate, quoteEtag, sendEmpty, sendXml } from '../http-kit/respond.js';
import { readConditions } from './object-get.js';
import {
  expirationHeaders,
  readBodyExpectations,
  readObjectAttributes,
  sseHeaders,
  writtenVersionHeaders,
} from './object-headers.js';
import { readCustomerKey } from './sse-headers.js';

/** PUT Object, or PUT Object - Copy when a copy source header is present. */
export async function putObject(ctx: RequestContext): Promise<void> {
  if (ctx.vendorHeader('copy-source') !== undefined) return copyObject(ctx);
  const attributes = await readObjectAttributes(ctx);
  const customerKeyMd5 = readCustomerKey(ctx)?.md5;
  const expect = readBodyExpectations(ctx);
  if (expect.size === undefined && ctx.header('transfer-encoding') === undefined) {
    throw new S3Error('MissingContentLength');
  }
  const ifNoneMatch = ctx.header('if-none-match');
  const ifMatch = ctx.header('if-match');
  const { version, versioned } = await ctx.engine.putObject({
    bucket: ctx.bucket,
    key: ctx.key,
    actor: ctx.actor,
    body: ctx.body(),
    expect,
    ...attributes,
    ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    forbidOverwrite: ctx.vendorHeader('forbid-overwrite')?.toLowerCase() === 'true',
    signal: ctx.signal,
  });
  const headers: Record<string, string> = {
    etag: quoteEtag(version.etag),
    ...writtenVersionHeaders(version.versionId, versioned),
    ...sseHeaders(ctx, version.sse, { customerKeyMd5, withContext: true }),
    ...(await expirationHeaders(ctx, version)),
  };
  if (version.crc64 !== undefined) headers['x-cos-hash-crc64ecma'] = version.crc64;
  for (const [algorithm, value] of Object.entries(version.checksums)) {
    headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = value;
  }
  sendEmpty(ctx, 200, headers);
}

function parseDirective(ctx: RequestContext, name: string): 'COPY' | 'REPLACE' {
  const value = ctx.vendorHeader(name);
  if (value === undefined) return 'COPY';
  const upper = value.toUpperCase();
  // COS spells them Copy / Replaced; S3 COPY / REPLACE.
  if (upper === 'COPY') return 'COPY';
  if (upper === 'REPLACE' || upper === 'REPLACED') return 'REPLACE';
  throw new S3Error('InvalidArgument', `Unknown ${name} value: ${value}`, {
    details: { ArgumentName: `x-amz-${name}`, ArgumentValue: value },
  });
}

/** PUT Object - Copy. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html */
async function copyObject(ctx: RequestContext): Promise<void> {
  const source = parseCopySource(ctx.vendorHeader('copy-source')!, ctx.config.domain);
  const sourceKey = readCustomerKey(ctx, 'copy-source-');
  const attributes = await readObjectAttributes(ctx);
  const result = await ctx.engine.copyObject({
    source,
    sourceConditions: readConditions(ctx, true),
    bucket: ctx.bucket,
    key: ctx.key,
    actor: ctx.actor,
    metadataDirective: parseDirective(ctx, 'metadata-directive'),
    taggingDirective: parseDirective(ctx, 'tagging-directive'),
    attributes,
    ...(sourceKey !== undefined ? { sourceCustomerKey: sourceKey.key } : {}),
  });
  const { version } = result;
  const headers: Record<string, string> = {
    ...writtenVersionHeaders(version.versionId, result.versioned),
    ...sseHeaders(ctx, version.sse, { customerKeyMd5: readCustomerKey(ctx)?.md5, withContext: true }),
    ...(await expirationHeaders(ctx, version)),
  };
  if (source.versionId !== undefined) {
    headers['x-cos-copy-source-version-id'] = result.source.versionId;
    headers['x-amz-copy-source-version-id'] = result.source.versionId;
  }
  if (version.crc64 !== undefined) headers['x-cos-hash-crc64ecma'] = version.crc64;
  sendXml(
    ctx,
    'CopyObjectResult',
    {
      ETag: quoteEtag(version.etag),
      LastModified: isoDate(version.lastModifiedMs),
      ...(version.crc64 !== undefined ? { CRC64: version.crc64 } : {}),
      ...(result.versioned && version.versionId !== 'null' ? { VersionId: version.versionId } : {}),
    },
    { headers },
  );
}
