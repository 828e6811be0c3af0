import type { IncomingHttpHeaders } from 'node:http';
import { buildXml, S3Error } from '@coffer/protocol';
import type { Account } from '../accounts/registry.js';
import { decodePublicAccessBlock } from '../authz/public-access.js';
import { parsePublicAccessBlock, renderPublicAccessBlock } from '../codecs/public-access-block.js';
import type { Address } from '../http-kit/addressing.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty } from '../http-kit/respond.js';
import { requirePermanentRoot } from './admin-users.js';
import { requireXmlBody } from './bucket.js';

/**
 * The S3 Control API's account-level Block Public Access, as @aws-sdk/client-s3-control (and
 * `aws s3control`) sends it: GET/PUT/DELETE /v20180820/configuration/publicAccessBlock with the
 * account in x-amz-account-id (Coffer: the APPID) and the host prefixed with it
 * (`<account>.<endpoint>`), which is why the route is told by path and header, not by Host.
 * The same configuration as the admin API's /-/admin/public-access-block. Who may: an account's
 * root for its own account, the operator for any (S3: s3:PutAccountPublicAccessBlock in the
 * account; Coffer's admin API is root-only and so is this).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html
 */
const PREFIX = '/v20180820/';
const PUBLIC_ACCESS_BLOCK = '/v20180820/configuration/publicAccessBlock';
const S3_CONTROL_XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';

/** The address of an S3 Control request, or undefined for any other request. */
export function s3ControlAddress(rawPath: string, headers: IncomingHttpHeaders): Address | undefined {
  if (!rawPath.startsWith(PREFIX) || headers['x-amz-account-id'] === undefined) return undefined;
  return { style: 'path', internal: false, s3Control: rawPath };
}

/** The account x-amz-account-id names, if the caller may configure it. */
function targetAccount(ctx: RequestContext): Account {
  const callerUin = requirePermanentRoot(ctx);
  const appId = ctx.header('x-amz-account-id') ?? '';
  const account = ctx.accounts.registry.list().find((a) => a.appId === appId);
  const operator = callerUin === ctx.accounts.rootUin;
  if (!account || (!operator && account.uin !== callerUin)) {
    // S3 answers a request for another account the same way, existing or not.
    throw new S3Error('AccessDenied', `The caller may not configure account ${appId}.`);
  }
  return account;
}

export async function s3Control(ctx: RequestContext): Promise<void> {
  const path = ctx.address.s3Control ?? '';
  if (path !== PUBLIC_ACCESS_BLOCK) {
    throw new S3Error('NotImplemented', `Coffer serves only ${PUBLIC_ACCESS_BLOCK} of the S3 Control API.`);
  }
  if (ctx.method === 'GET' || ctx.method === 'HEAD') {
    ctx.operation = 'AdminGetAccountPublicAccessBlock';
    const account = targetAccount(ctx);
    const block = decodePublicAccessBlock(account.publicAccessBlock);
    if (!block) {
      throw new S3Error(
        'NoSuchPublicAccessBlockConfiguration',
        `Account ${account.appId} has no Block Public Access configuration.`,
      );
    }
    const payload = Buffer.from(
      buildXml('PublicAccessBlockConfiguration', renderPublicAccessBlock(block), { xmlns: S3_CONTROL_XMLNS }),
    );
    ctx.res.statusCode = 200;
    ctx.res.setHeader('content-type', 'application/xml');
    ctx.res.setHeader('content-length', payload.length);
    ctx.res.end(ctx.method === 'HEAD' ? undefined : payload);
    return;
  }
  if (ctx.method === 'PUT') {
    ctx.operation = 'AdminPutAccountPublicAccessBlock';
    const account = targetAccount(ctx);
    const block = parsePublicAccessBlock(await requireXmlBody(ctx, 'PublicAccessBlockConfiguration'));
    await ctx.accounts.registry.setPublicAccessBlock(account.appId, JSON.stringify(block));
    sendEmpty(ctx, 200);
    return;
  }
  if (ctx.method === 'DELETE') {
    ctx.operation = 'AdminDeleteAccountPublicAccessBlock';
    const account = targetAccount(ctx);
    await ctx.accounts.registry.setPublicAccessBlock(account.appId, null);
    sendEmpty(ctx, 204);
    return;
  }
  throw new S3Error('MethodNotAllowed', `${ctx.method} is not allowed on ${path}.`);
}
