import type { XmlObject } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';

/** <Owner> as COS prints it: the owner id and a display name. */
export function ownerXml(ctx: RequestContext, ownerId: string): XmlObject {
  return { ID: ownerId, DisplayName: ownerId === ctx.actor.ownerId ? ctx.actor.displayName : ownerId };
}
