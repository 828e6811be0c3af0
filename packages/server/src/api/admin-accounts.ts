import type { Account } from '../accounts/registry.js';
import { decodePublicAccessBlock } from '../authz/public-access.js';
import { parsePublicAccessBlockJson } from '../codecs/public-access-block.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendJson } from '../http-kit/respond.js';
import { readJsonObject, requireOperator, requirePermanentRoot } from './admin-users.js';

/**
 * The admin API for accounts (docs/admin-api.md, "Accounts"): the operator (the first account's
 * root, whose keys `coffer server` prints) creates, lists, suspends, reinstates and deletes accounts.
 * Each account's root manages its own sub-users through /-/admin/users, and its account-level Block
 * Public Access through /-/admin/public-access-block.
 */

function accountJson(account: Account) {
  const block = decodePublicAccessBlock(account.publicAccessBlock);
  return {
    appId: account.appId,
    uin: account.uin,
    name: account.name,
    ownerId: `qcs::cam::uin/${account.uin}:uin/${account.uin}`,
    operator: account.operator,
    suspended: account.suspended,
    createdAt: new Date(account.createdMs).toISOString(),
    ...(block ? { publicAccessBlock: block } : {}),
  };
}

/** POST /-/admin/accounts {"name": "…"} → 201 with the APPID, root uin and root SecretId/SecretKey (shown once). */
export async function createAccount(ctx: RequestContext): Promise<void> {
  requireOperator(ctx);
  const { name } = await readJsonObject(ctx);
  const created = await ctx.accounts.registry.create(name);
  sendJson(ctx, 201, { ...accountJson(created), secretId: created.secretId, secretKey: created.secretKey });
}

/** GET /-/admin/accounts → {accounts: [...]}, the operator's first. */
export async function listAccounts(ctx: RequestContext): Promise<void> {
  requireOperator(ctx);
  sendJson(ctx, 200, { accounts: ctx.accounts.registry.list().map(accountJson) });
}

/** GET /-/admin/accounts/<appid>. */
export async function getAccount(ctx: RequestContext, appId: string): Promise<void> {
  requireOperator(ctx);
  sendJson(ctx, 200, accountJson(ctx.accounts.registry.get(appId)));
}

/** DELETE /-/admin/accounts/<appid> → 204; 409 AccountNotEmpty while it owns buckets. */
export async function deleteAccount(ctx: RequestContext, appId: string): Promise<void> {
  requireOperator(ctx);
  await ctx.accounts.registry.delete(appId);
  sendEmpty(ctx, 204);
}

/** POST /-/admin/accounts/<appid>/suspend → 200: its keys and buckets answer 403 AllAccessDisabled until resumed. */
export async function suspendAccount(ctx: RequestContext, appId: string): Promise<void> {
  requireOperator(ctx);
  sendJson(ctx, 200, accountJson(await ctx.accounts.registry.setSuspended(appId, true)));
}

/** POST /-/admin/accounts/<appid>/resume → 200. */
export async function resumeAccount(ctx: RequestContext, appId: string): Promise<void> {
  requireOperator(ctx);
  sendJson(ctx, 200, accountJson(await ctx.accounts.registry.setSuspended(appId, false)));
}

/**
 * The account-level Block Public Access: `/-/admin/public-access-block` for the caller's own account
 * (its root), `/-/admin/accounts/<appid>/public-access-block` for any account (the operator). GET →
 * the four flags (404 NoSuchPublicAccessBlockConfiguration when unset), PUT (JSON body) → 204,
 * DELETE → 204.
 */
function accountFor(ctx: RequestContext, appId: string | undefined): Account {
  if (appId !== undefined) {
    requireOperator(ctx);
    return ctx.accounts.registry.get(appId);
  }
  const uin = requirePermanentRoot(ctx);
  return ctx.accounts.registry.byUin(uin)!;
}

export async function getAccountPublicAccessBlock(ctx: RequestContext, appId?: string): Promise<void> {
  const account = accountFor(ctx, appId);
  const block = decodePublicAccessBlock(account.publicAccessBlock);
  if (!block) {
    return sendJson(ctx, 404, {
      error: 'NoSuchPublicAccessBlockConfiguration',
      message: `Account ${account.appId} has no Block Public Access configuration.`,
      requestId: ctx.requestId,
    });
  }
  sendJson(ctx, 200, block);
}

export async function putAccountPublicAccessBlock(ctx: RequestContext, appId?: string): Promise<void> {
  const account = accountFor(ctx, appId);
  const block = parsePublicAccessBlockJson(await readJsonObject(ctx));
  await ctx.accounts.registry.setPublicAccessBlock(account.appId, JSON.stringify(block));
  sendEmpty(ctx, 204);
}

export async function deleteAccountPublicAccessBlock(ctx: RequestContext, appId?: string): Promise<void> {
  const account = accountFor(ctx, appId);
  await ctx.accounts.registry.setPublicAccessBlock(account.appId, null);
  sendEmpty(ctx, 204);
}
