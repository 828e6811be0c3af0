import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendEmpty, sendJson } from '../http-kit/respond.js';
import type { UserRecord } from '../stores/types.js';

/**
 * The admin API for sub-users, their access keys and user policies (docs/admin-api.md). Every call
 * needs the account's root, signed with its permanent key: sub-users and STS credentials get 403.
 */

/** Bodies of these calls are small JSON documents. */
const MAX_BODY_BYTES = 64 * 1024;

export function requirePermanentRoot(ctx: RequestContext): void {
  const principal = ctx.auth.principal;
  // The console signs in with the root key and keeps only STS credentials: those (without a session
  // policy narrowing them) act as the root here too. A session policy means "less than root": refused.
  if (!principal?.isRoot || principal.sessionPolicy !== undefined) {
    throw new S3Error(
      'AccessDenied',
      'Only the account root (its key, or its STS credentials without a session policy) may use the admin API.',
    );
  }
}

function userJson(ctx: RequestContext, user: UserRecord) {
  return {
    uin: user.uin,
    name: user.name,
    ownerId: ctx.accounts.ownerIdOf(user.uin),
    createdAt: new Date(user.createdMs).toISOString(),
  };
}

export async function readJsonObject(ctx: RequestContext): Promise<Record<string, unknown>> {
  const text = await ctx.readSmallBody(MAX_BODY_BYTES, 'InvalidArgument');
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new S3Error('InvalidArgument', 'The request body must be a JSON object.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new S3Error('InvalidArgument', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** POST /-/admin/users {"name": "…"} → 201 {uin, name, ownerId, createdAt}. */
export async function createUser(ctx: RequestContext): Promise<void> {
  requirePermanentRoot(ctx);
  const { name } = await readJsonObject(ctx);
  sendJson(ctx, 201, userJson(ctx, await ctx.accounts.createUser(name)));
}

/** GET /-/admin/users → {users: [...]}, by name. */
export async function listUsers(ctx: RequestContext): Promise<void> {
  requirePermanentRoot(ctx);
  sendJson(ctx, 200, { users: (await ctx.accounts.listUsers()).map((u) => userJson(ctx, u)) });
}

/** GET /-/admin/users/<uin> → the user with its key ids and policy names. */
export async function getUser(ctx: RequestContext, uin: string): Promise<void> {
  requirePermanentRoot(ctx);
  const user = await ctx.accounts.getUser(uin);
  const [keys, policies] = await Promise.all([ctx.accounts.listAccessKeys(uin), ctx.accounts.listUserPolicies(uin)]);
  sendJson(ctx, 200, {
    ...userJson(ctx, user),
    keys: keys.map(keyJson),
    policies: policies.map((p) => p.name),
  });
}

/** DELETE /-/admin/users/<uin> → 204; its keys and policies go too. */
export async function deleteUser(ctx: RequestContext, uin: string): Promise<void> {
  requirePermanentRoot(ctx);
  await ctx.accounts.deleteUser(uin);
  sendEmpty(ctx, 204);
}

function keyJson(key: { secretId: string; createdMs: number }) {
  return { secretId: key.secretId, createdAt: new Date(key.createdMs).toISOString() };
}

/** POST /-/admin/users/<uin>/keys → 201 {secretId, secretKey, uin, createdAt}: the only time the secret is shown. */
export async function createAccessKey(ctx: RequestContext, uin: string): Promise<void> {
  requirePermanentRoot(ctx);
  const key = await ctx.accounts.createAccessKey(uin);
  sendJson(ctx, 201, { ...keyJson(key), secretKey: key.secretKey, uin });
}

/** GET /-/admin/users/<uin>/keys → {keys: [{secretId, createdAt}]} (never the secrets). */
export async function listAccessKeys(ctx: RequestContext, uin: string): Promise<void> {
  requirePermanentRoot(ctx);
  sendJson(ctx, 200, { keys: (await ctx.accounts.listAccessKeys(uin)).map(keyJson) });
}

/** DELETE /-/admin/keys/<secretId> → 204; the key stops working at once. */
export async function deleteAccessKey(ctx: RequestContext, secretId: string): Promise<void> {
  requirePermanentRoot(ctx);
  await ctx.accounts.deleteAccessKey(secretId);
  sendEmpty(ctx, 204);
}

/** PUT /-/admin/users/<uin>/policies/<name> (body: the policy) → 204, or 400 MalformedPolicy. */
export async function putUserPolicy(ctx: RequestContext, uin: string, name: string): Promise<void> {
  requirePermanentRoot(ctx);
  const text = await ctx.readSmallBody(MAX_BODY_BYTES, 'InvalidArgument');
  if (text.trim() === '') throw new S3Error('MalformedPolicy', 'The request body must be a policy document (JSON).');
  await ctx.accounts.putUserPolicy(uin, name, text);
  sendEmpty(ctx, 204);
}

/** GET /-/admin/users/<uin>/policies → {policies: [{name, updatedAt}]}. */
export async function listUserPolicies(ctx: RequestContext, uin: string): Promise<void> {
  requirePermanentRoot(ctx);
  const policies = await ctx.accounts.listUserPolicies(uin);
  sendJson(ctx, 200, {
    policies: policies.map((p) => ({ name: p.name, updatedAt: new Date(p.updatedMs).toISOString() })),
  });
}

/** GET /-/admin/users/<uin>/policies/<name> → the document as it was put. */
export async function getUserPolicy(ctx: RequestContext, uin: string, name: string): Promise<void> {
  requirePermanentRoot(ctx);
  const body = Buffer.from(await ctx.accounts.getUserPolicy(uin, name));
  ctx.res.statusCode = 200;
  ctx.res.setHeader('content-type', 'application/json');
  ctx.res.setHeader('content-length', body.length);
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}

/** DELETE /-/admin/users/<uin>/policies/<name> → 204. */
export async function deleteUserPolicy(ctx: RequestContext, uin: string, name: string): Promise<void> {
  requirePermanentRoot(ctx);
  await ctx.accounts.deleteUserPolicy(uin, name);
  sendEmpty(ctx, 204);
}
