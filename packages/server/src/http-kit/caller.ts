import type { Principal } from '../auth/types.js';
import { ANYONE_ID } from '../authz/acl.js';
import { cachedPolicy } from '../authz/policy-cache.js';
import { ownerIdOf } from '../identity.js';
import type { RequestContext } from './request-context.js';

/** The request's origin as a notification event reports it (sourceIPAddress, x-amz-request-id). */
function requestSource(ctx: RequestContext): { ip: string; requestId: string } {
  return { ip: ctx.req.socket.remoteAddress ?? '', requestId: ctx.requestId };
}

/**
 * Records who a request acts as: the actor (owner id written on what it creates) and the caller
 * authorization evaluates (account, root or not, user and session policies). No principal means
 * anonymous. The dispatcher calls it after authentication; POST Object again once the form's
 * signature is verified.
 */
export function setPrincipal(ctx: RequestContext, principal: Principal | undefined): void {
  if (!principal) {
    ctx.actor = { ownerId: ANYONE_ID, displayName: 'anonymous', source: requestSource(ctx) };
    ctx.caller = { isRoot: false, userPolicies: [] };
    return;
  }
  ctx.actor = { ownerId: ownerIdOf(principal), displayName: principal.uin, source: requestSource(ctx) };
  ctx.caller = {
    id: ownerIdOf(principal),
    accountUin: principal.ownerUin,
    isRoot: principal.isRoot,
    userPolicies: (principal.policies ?? []).map((doc) => cachedPolicy(doc, { appId: principal.appId }, 'identity')),
    ...(principal.sessionPolicy !== undefined
      ? { sessionPolicy: cachedPolicy(principal.sessionPolicy, { appId: principal.appId }, 'identity') }
      : {}),
  };
}
