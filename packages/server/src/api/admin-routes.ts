import { timingSafeEqual } from 'node:crypto';
import { AccountsError } from '../accounts/errors.js';
import { decodePathPart } from '../http-kit/addressing.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson, sendJsonError } from '../http-kit/respond.js';
import { adminFlushLogging, adminNotifications, adminRunInventory, adminRunLifecycle } from './admin.js';
import {
  createAccount,
  deleteAccount,
  deleteAccountPublicAccessBlock,
  getAccount,
  getAccountPublicAccessBlock,
  listAccounts,
  putAccountPublicAccessBlock,
  resumeAccount,
  suspendAccount,
} from './admin-accounts.js';
import { createKmsKey, describeKmsKey, listKmsKeys, rotateKmsKey, setKmsKeyEnabled } from './admin-kms.js';
import { getSessionToken } from './admin-sts.js';
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
  requireOperator,
} from './admin-users.js';
import { adminUsage } from './usage.js';
import { adminUsageRequests } from './usage-requests.js';
import { listNotificationTargets, whoami } from './whoami.js';

/**
 * Internal paths served before authentication: health (load balancers probe it without
 * credentials), and /metrics with a bearer token (Prometheus scrapers cannot sign; the token is
 * checked by the handler). /metrics without one is signed like any request and needs the root.
 */
export function isPublicInternalPath(path: string | undefined, authorization?: string): boolean {
  return path === '/health' || (path === '/metrics' && bearerToken(authorization) !== undefined);
}

function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer +(\S+)$/i.exec(authorization ?? '');
  return m?.[1];
}

/** GET /-/metrics: Prometheus text, for the configured bearer token or the root's signature. */
async function serveMetrics(ctx: RequestContext): Promise<void> {
  const token = bearerToken(ctx.req.headers.authorization);
  if (token !== undefined) {
    const want = ctx.config.metricsToken;
    const ok =
      want !== undefined && token.length === want.length && timingSafeEqual(Buffer.from(token), Buffer.from(want));
    if (!ok) {
      ctx.res.setHeader('www-authenticate', 'Bearer realm="coffer-metrics"');
      return sendJsonError(ctx, 401, 'Unauthorized', 'The bearer token is not COFFER_METRICS_TOKEN.');
    }
  } else {
    requireOperator(ctx);
  }
  const text = Buffer.from(await ctx.metrics.expose());
  ctx.res.statusCode = 200;
  ctx.res.setHeader('content-type', ctx.metrics.contentType);
  ctx.res.setHeader('content-length', text.length);
  ctx.res.end(ctx.method === 'HEAD' ? undefined : text);
}

type Handler = (ctx: RequestContext, ...segments: string[]) => Promise<void> | void;

/**
 * Routes by path pattern (`:` = one decoded segment, passed to the handler) and method. GET also
 * answers HEAD.
 */
const ROUTES: { pattern: string; methods: Record<string, Handler> }[] = [
  { pattern: '/admin/usage', methods: { GET: adminUsage } },
  { pattern: '/admin/usage/requests', methods: { GET: adminUsageRequests } },
  { pattern: '/admin/lifecycle/run', methods: { POST: adminRunLifecycle } },
  { pattern: '/admin/notifications', methods: { GET: adminNotifications } },
  { pattern: '/admin/logging/flush', methods: { POST: adminFlushLogging } },
  { pattern: '/admin/inventory/run', methods: { POST: adminRunInventory } },
  {
    pattern: '/admin/metrics',
    methods: {
      GET: (ctx) => {
        requireOperator(ctx);
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
  { pattern: '/admin/accounts', methods: { GET: listAccounts, POST: createAccount } },
  { pattern: '/admin/accounts/:', methods: { GET: getAccount, DELETE: deleteAccount } },
  { pattern: '/admin/accounts/:/suspend', methods: { POST: suspendAccount } },
  { pattern: '/admin/accounts/:/resume', methods: { POST: resumeAccount } },
  {
    pattern: '/admin/accounts/:/public-access-block',
    methods: {
      GET: getAccountPublicAccessBlock,
      PUT: putAccountPublicAccessBlock,
      DELETE: deleteAccountPublicAccessBlock,
    },
  },
  {
    pattern: '/admin/public-access-block',
    methods: {
      GET: (ctx) => getAccountPublicAccessBlock(ctx),
      PUT: (ctx) => putAccountPublicAccessBlock(ctx),
      DELETE: (ctx) => deleteAccountPublicAccessBlock(ctx),
    },
  },
  { pattern: '/admin/kms/keys', methods: { GET: listKmsKeys, POST: createKmsKey } },
  { pattern: '/admin/kms/keys/:', methods: { GET: describeKmsKey } },
  { pattern: '/admin/kms/keys/:/enable', methods: { POST: setKmsKeyEnabled(true) } },
  { pattern: '/admin/kms/keys/:/disable', methods: { POST: setKmsKeyEnabled(false) } },
  { pattern: '/admin/kms/keys/:/rotate', methods: { POST: rotateKmsKey } },
  { pattern: '/sts', methods: { POST: getSessionToken } },
  { pattern: '/whoami', methods: { GET: whoami } },
  { pattern: '/notification-targets', methods: { GET: listNotificationTargets } },
];

/** Operation names of the routes above (`METHOD pattern`), for metrics, logs and the audit log. */
const OPERATIONS: Record<string, `Admin${string}` | 'GetSessionToken' | 'WhoAmI' | 'ListNotificationTargets'> = {
  'GET /admin/usage': 'AdminUsage',
  'GET /admin/usage/requests': 'AdminUsageRequests',
  'POST /admin/lifecycle/run': 'AdminRunLifecycle',
  'GET /admin/notifications': 'AdminNotifications',
  'POST /admin/logging/flush': 'AdminFlushLogging',
  'POST /admin/inventory/run': 'AdminRunInventory',
  'GET /admin/metrics': 'AdminMetrics',
  'GET /admin/users': 'AdminListUsers',
  'POST /admin/users': 'AdminCreateUser',
  'GET /admin/users/:': 'AdminGetUser',
  'DELETE /admin/users/:': 'AdminDeleteUser',
  'GET /admin/users/:/keys': 'AdminListAccessKeys',
  'POST /admin/users/:/keys': 'AdminCreateAccessKey',
  'DELETE /admin/keys/:': 'AdminDeleteAccessKey',
  'GET /admin/users/:/policies': 'AdminListUserPolicies',
  'GET /admin/users/:/policies/:': 'AdminGetUserPolicy',
  'PUT /admin/users/:/policies/:': 'AdminPutUserPolicy',
  'DELETE /admin/users/:/policies/:': 'AdminDeleteUserPolicy',
  'GET /admin/accounts': 'AdminListAccounts',
  'POST /admin/accounts': 'AdminCreateAccount',
  'GET /admin/accounts/:': 'AdminGetAccount',
  'DELETE /admin/accounts/:': 'AdminDeleteAccount',
  'POST /admin/accounts/:/suspend': 'AdminSuspendAccount',
  'POST /admin/accounts/:/resume': 'AdminResumeAccount',
  'GET /admin/accounts/:/public-access-block': 'AdminGetAccountPublicAccessBlock',
  'PUT /admin/accounts/:/public-access-block': 'AdminPutAccountPublicAccessBlock',
  'DELETE /admin/accounts/:/public-access-block': 'AdminDeleteAccountPublicAccessBlock',
  'GET /admin/public-access-block': 'AdminGetAccountPublicAccessBlock',
  'PUT /admin/public-access-block': 'AdminPutAccountPublicAccessBlock',
  'DELETE /admin/public-access-block': 'AdminDeleteAccountPublicAccessBlock',
  'GET /admin/kms/keys': 'AdminListKmsKeys',
  'POST /admin/kms/keys': 'AdminCreateKmsKey',
  'GET /admin/kms/keys/:': 'AdminDescribeKmsKey',
  'POST /admin/kms/keys/:/enable': 'AdminEnableKmsKey',
  'POST /admin/kms/keys/:/disable': 'AdminDisableKmsKey',
  'POST /admin/kms/keys/:/rotate': 'AdminRotateKmsKey',
  'POST /sts': 'GetSessionToken',
  'GET /whoami': 'WhoAmI',
  'GET /notification-targets': 'ListNotificationTargets',
};

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
    ctx.operation = 'Health';
    return sendJson(ctx, 200, { status: 'ok' });
  }
  if (path === '/metrics' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    ctx.operation = 'Metrics';
    return serveMetrics(ctx);
  }
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    const method = route.methods[ctx.method] ? ctx.method : ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const handler = route.methods[method];
    ctx.operation = OPERATIONS[`${method} ${route.pattern}`] ?? 'Admin';
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
