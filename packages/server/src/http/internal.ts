import { AccountsError } from '../accounts/errors.js';
import { adminRunLifecycle, adminUsage } from '../api/admin.js';
import { getSessionToken } from '../api/admin-sts.js';
import {
  createAccessKey,
  createUser,
  deleteAccessKey,
  deleteUser,
  deleteUserPolicy,
  getUser,
  getUserPolicy,
  listAccessKeys,
  listUserPolicies,
  listUsers,
  putUserPolicy,
  requirePermanentRoot,
} from '../api/admin-users.js';
import { decodePathPart } from './addressing.js';
import type { RequestContext } from './request-context.js';

/** Internal paths anyone may call (load balancers probe health without credentials). */
export function isPublicInternalPath(path: string | undefined): boolean {
  return path === '/health';
}

type Handler = (ctx: RequestContext, ...segments: string[]) => Promise<void> | void;

/**
 * Routes by path pattern (`:` = one decoded segment, passed to the handler) and method. GET also
 * answers HEAD.
 */
const ROUTES: { pattern: string; methods: Record<string, Handler> }[] = [
  { pattern: '/admin/usage', methods: { GET: adminUsage } },
  { pattern: '/admin/lifecycle/run', methods: { POST: adminRunLifecycle } },
  {
    // Bucket notification delivery (docs/notifications.md): per-target counters, backlog, dead letters.
    pattern: '/admin/notifications',
    methods: {
      GET: async (ctx) => {
        requirePermanentRoot(ctx);
        const limit = Math.min(Number(ctx.param('dead-letters') ?? 100) || 100, 1000);
        sendJson(ctx, 200, {
          targets: await ctx.engine.notificationMetrics(),
          deadLetters: (await ctx.engine.deadLetters(limit)).map((d) => ({
            id: d.id,
            target: d.target,
            key: d.key,
            recorded: new Date(d.createdMs).toISOString(),
            deadLettered: new Date(d.deadMs).toISOString(),
            attempts: d.attempts,
            lastError: d.lastError ?? null,
            event: JSON.parse(d.payload) as unknown,
          })),
        });
      },
    },
  },
  {
    pattern: '/admin/metrics',
    methods: {
      GET: (ctx) => {
        requirePermanentRoot(ctx);
        sendJson(ctx, 200, { requests: ctx.metrics.snapshot() });
      },
    },
  },
  { pattern: '/admin/users', methods: { GET: listUsers, POST: createUser } },
  { pattern: '/admin/users/:', methods: { GET: getUser, DELETE: deleteUser } },
  { pattern: '/admin/users/:/keys', methods: { GET: listAccessKeys, POST: createAccessKey } },
  { pattern: '/admin/keys/:', methods: { DELETE: deleteAccessKey } },
  { pattern: '/admin/users/:/policies', methods: { GET: listUserPolicies } },
  {
    pattern: '/admin/users/:/policies/:',
    methods: { GET: getUserPolicy, PUT: putUserPolicy, DELETE: deleteUserPolicy },
  },
  { pattern: '/sts', methods: { POST: getSessionToken } },
];

function match(pattern: string, path: string): string[] | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (want[i] === ':') {
      if (got[i] === '') return undefined;
      params.push(decodePathPart(got[i]!));
    } else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

/**
 * Coffer's own endpoints under /-/: health (public), the admin API and STS (JSON, authenticated by
 * the dispatcher before this runs, like any S3 request). Errors are JSON too: `{error, message,
 * requestId}` with the status (docs/admin-api.md); S3Errors are rendered so by `sendError`.
 */
export async function handleInternal(ctx: RequestContext): Promise<void> {
  const path = ctx.address.internalPath ?? '/';
  if (path === '/health' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    return sendJson(ctx, 200, { status: 'ok' });
  }
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    const handler = route.methods[ctx.method] ?? (ctx.method === 'HEAD' ? route.methods.GET : undefined);
    if (!handler) {
      ctx.res.setHeader('allow', Object.keys(route.methods).join(', '));
      return sendJsonError(ctx, 405, 'MethodNotAllowed', `${ctx.method} is not allowed on /-${path}.`);
    }
    try {
      await handler(ctx, ...params);
    } catch (err) {
      if (!(err instanceof AccountsError)) throw err;
      sendJsonError(ctx, err.status, err.code, err.message);
    }
    return;
  }
  sendJsonError(ctx, 404, 'NotFound', `No such Coffer endpoint: ${ctx.method} /-${path}`);
}

export function sendJson(ctx: RequestContext, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  ctx.res.statusCode = status;
  ctx.res.setHeader('content-type', 'application/json');
  ctx.res.setHeader('content-length', payload.length);
  ctx.res.end(ctx.method === 'HEAD' ? undefined : payload);
}

function sendJsonError(ctx: RequestContext, status: number, code: string, message: string): void {
  ctx.errorCode = code;
  sendJson(ctx, status, { error: code, message, requestId: ctx.requestId });
}
