import type { AuthContext } from '../auth/types.js';
import type { RequestContext } from '../http-kit/request-context.js';

/** What a handler may need besides its request: the authenticator's context (POST Object verifies a form's signature). */
export interface HandlerDeps {
  auth: AuthContext;
}
export type Handler = (ctx: RequestContext, deps: HandlerDeps) => Promise<void>;
