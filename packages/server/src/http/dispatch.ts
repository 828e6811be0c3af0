import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error } from '@coffer/protocol';
import type { Logger } from 'pino';
import type { Accounts } from '../accounts/accounts.js';
import { handleInternal, isPublicInternalPath } from '../api/admin-routes.js';
import { optionsObject } from '../api/cors.js';
import { setCorsHeaders } from '../api/cors-headers.js';
import { guardObjectWrite } from '../api/public-access.js';
import { enforceReferer } from '../api/referer.js';
import { route } from '../api/routes.js';
import { s3Control, s3ControlAddress } from '../api/s3-control.js';
import { authenticate } from '../auth/index.js';
import type { AuthContext, SignableRequest } from '../auth/types.js';
import type { Config } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { RequestCounter } from '../engine/request-counts.js';
import { type Address, resolveAddress } from '../http-kit/addressing.js';
import { authorizeOperation, missingKeyError } from '../http-kit/authorize-request.js';
import { setPrincipal } from '../http-kit/caller.js';
import type { Metrics } from '../http-kit/metrics.js';
import { lingerAfterAnswer } from '../http-kit/request-body.js';
import { RequestContext } from '../http-kit/request-context.js';
import { httpDate, removeAwsRequestIdHeaders, sendError, setRequestIdHeaders } from '../http-kit/respond.js';
import { accessLogEntry } from './access-log.js';
import { auditRequest, isAudited } from './audit.js';
import { isConsolePath, serveConsole } from './console-static.js';

export interface DispatchDeps {
  engine: Engine;
  config: Config;
  log: Logger;
  auth: AuthContext;
  metrics: Metrics;
  appIdOf: (ownerId?: string) => string;
  accounts: Accounts;
  /** Requests per minute, bucket and operation, for the Usage charts (engine/request-counts.ts); absent: not counted. */
  requestCounts?: RequestCounter;
}

/** Request ids: unique per process start and request, cheap to make, sortable within a process. */
function requestIdMaker(): () => string {
  const prefix = randomBytes(6).toString('hex');
  let counter = 0;
  return () => `${prefix}${(Date.now() % 1e10).toString(36)}${(counter++ % 1e9).toString(36).padStart(6, '0')}`;
}

let cachedDateSecond = -1;
let cachedDate = '';
/** The Date header, formatted once per second (as Node does for its own). */
function dateHeader(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedDateSecond) {
    cachedDateSecond = second;
    cachedDate = httpDate(nowMs);
  }
  return cachedDate;
}

/** Bodies up to this size are drained after an early error so the connection can be reused. */
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;
/**
 * Bodies up to this size are still read (and dropped) after an early error has been answered with
 * Connection: close, so that a client writing its whole body before reading the answer reads the
 * answer instead of a reset (EPIPE). Beyond it the connection is closed at once.
 */
const LINGER_LIMIT_BYTES = 64 * 1024 * 1024;
/** How long a lingering connection waits for more of the body before it is closed anyway. */
const LINGER_IDLE_MS = 5_000;

/**
 * One request, start to end: address → authenticate → route → authorize → handler, errors
 * rendered once, one access-log line. With `expectContinue` (Expect: 100-continue) the 100 is sent
 * only when the handler first reads the body, so a request refused early never uploads its body.
 *
 * Browser hooks: a CORS preflight (OPTIONS on a bucket) is answered from the bucket's CORS rules
 * before authentication; any other request with an Origin gets the matching rule's CORS headers,
 * on errors too; anonymous and presigned requests pass the bucket's Referer check; POST Object
 * authenticates and authorizes itself from its form fields.
 */
export function createDispatcher(deps: DispatchDeps) {
  const nextRequestId = requestIdMaker();
  return async function dispatch(req: IncomingMessage, res: ServerResponse, expectContinue = false): Promise<void> {
    const requestId = nextRequestId();
    const startMs = performance.now();
    deps.metrics.start();
    setRequestIdHeaders(res, requestId);
    // Date from the server's clock, not Node's automatic one: the COS SDK corrects its clock skew from
    // this header after RequestTimeTooSkewed / "Request has expired"
    // (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/base.js, getRetryInfo).
    res.setHeader('date', dateHeader(deps.auth.nowMs()));
    // The AbortController is made only when a handler asks for a signal (the uploads do; a GET does not).
    let controller: AbortController | undefined;
    let closedEarly = false;
    let clientGone = false;
    res.once('close', () => {
      if (res.writableFinished) return;
      closedEarly = true;
      controller?.abort();
    });
    const signal = (): AbortSignal => {
      if (controller === undefined) {
        controller = new AbortController();
        if (closedEarly) controller.abort();
      }
      return controller.signal;
    };
    const url = req.url ?? '/';
    const pathStart = url.startsWith('/') ? 0 : url.indexOf('/', url.indexOf('//') + 2);
    const q = url.indexOf('?', Math.max(pathStart, 0));
    const rawPath = pathStart < 0 ? '/' : q < 0 ? url.slice(pathStart) : url.slice(pathStart, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    let address: Address = { style: 'path', internal: false };
    let ctx: RequestContext | undefined;
    let corsHeaders: Record<string, string> | undefined;
    const init = () => ({
      req,
      res,
      requestId,
      startMs,
      rawPath,
      rawQuery,
      address,
      engine: deps.engine,
      config: deps.config,
      log: deps.log,
      signal,
      metrics: deps.metrics,
      appIdOf: deps.appIdOf,
      accounts: deps.accounts,
    });
    try {
      address = s3ControlAddress(rawPath, req.headers) ?? resolveAddress(req.headers.host, rawPath, deps.config.domain);
      ctx = new RequestContext(init());
      if (expectContinue) ctx.onFirstBodyRead = () => res.writeContinue();
      if (address.internal && isConsolePath(address.internalPath)) return await serveConsole(req, res, rawPath);
      if (address.internal && isPublicInternalPath(address.internalPath, req.headers.authorization)) {
        await handleInternal(ctx);
        return;
      }
      if (address.bucket !== undefined && ctx.method === 'OPTIONS') {
        // Browsers never sign preflights, and any sub-resource may be preflighted: no auth, no route.
        ctx.operation = 'OptionsObject';
        await optionsObject(ctx);
        return;
      }
      corsHeaders = await setCorsHeaders(ctx);
      const signable: SignableRequest = { method: ctx.method, rawPath, rawQuery, headers: req.headers };
      if (address.bucket !== undefined) {
        if (address.style === 'path') signable.pathStyleBucket = address.bucket;
        else if (address.style === 'virtual') signable.virtualHostBucket = address.bucket;
      }
      ctx.auth = await authenticate(signable, deps.auth);
      setPrincipal(ctx, ctx.auth.principal);
      // COS answers COS-signed requests with its own request id only; Tencent's SDK compares a copy's
      // HEAD headers with its source's leaving out x-cos-request-id alone (sliceCopyFile's test).
      if (ctx.auth.kind === 'cos') removeAwsRequestIdHeaders(res);
      // COS merges repeated slashes in a path, so for its clients a "key" made only of slashes addresses
      // the bucket itself: Tencent's SDK test suite reads GET Object of '///////' as a bucket listing
      // (S3 keeps such keys as keys).
      if (ctx.flavor === 'cos' && address.key !== undefined && /^\/+$/.test(address.key)) delete address.key;
      if (address.internal) {
        if (!ctx.auth.principal) {
          throw new S3Error('AccessDenied', "Access Denied: sign requests to Coffer's own endpoints.");
        }
        await handleInternal(ctx);
      } else if (address.s3Control !== undefined) {
        await s3Control(ctx);
      } else {
        const { operation, handler } = route(ctx);
        ctx.operation = operation;
        await enforceReferer(ctx);
        // POST Object's signature, key and policy are in its body: it authorizes itself once it has read them.
        if (operation !== 'PostObject') await authorizeOperation(ctx, operation);
        await guardObjectWrite(ctx, operation);
        try {
          await handler(ctx, { auth: deps.auth });
        } catch (err) {
          throw await missingKeyError(ctx, operation, err);
        }
      }
    } catch (err) {
      ctx ??= new RequestContext(init());
      if (closedEarly) {
        // The client went away mid-request (a cancelled upload, a closed download): nobody to answer,
        // and not a server error. Logged and counted as 499, as proxies name it.
        clientGone = true;
        return;
      }
      if (!(err instanceof S3Error)) deps.log.error({ err, requestId }, 'unexpected error');
      await settleUnreadBody(ctx);
      // Without Content-Length (and not chunked) HTTP/1.1 frames the request as bodiless, so a body the
      // client sends anyway would be read as the next request: answer 411, then close (as S3 does).
      if (err instanceof S3Error && err.code === 'MissingContentLength') res.setHeader('connection', 'close');
      const error = err instanceof S3Error ? err : new S3Error('InternalError', undefined, { cause: err });
      // The error renderer clears headers; a browser can read an error only with its CORS headers.
      if (corsHeaders) Object.assign(error.headers, corsHeaders);
      sendError(ctx, error);
    } finally {
      if (ctx) {
        const status = clientGone ? CLIENT_CLOSED : res.statusCode;
        const bytesOut = Number(res.getHeader('content-length') ?? 0);
        const bytesIn = requestBytes(req);
        const sent = ctx.method === 'HEAD' ? 0 : bytesOut;
        deps.metrics.finish(ctx.operation, status, startMs, bytesIn, sent);
        // The COS/S3 API only: Coffer's own endpoints (the console polling them, health probes) are not usage.
        if (!address.internal)
          deps.requestCounts?.record(address.bucket ?? '', ctx.operation, status >= 400, bytesIn, sent);
        logRequest(deps.log, ctx, status, clientGone ? 'ClientClosedRequest' : ctx.errorCode);
        if (isAudited(ctx.operation))
          auditRequest(deps.log, ctx, status, clientGone ? 'ClientClosedRequest' : ctx.errorCode);
        // Server access logging of the bucket addressed, off the request path: the record is spooled
        // after the answer, in a group commit of its own (engine/access-log.ts).
        if (!address.internal && address.bucket !== undefined) {
          const request = ctx;
          const code = clientGone ? 'ClientClosedRequest' : ctx.errorCode;
          void deps.engine.accessLog
            .record(address.bucket, () => accessLogEntry(request, status, code))
            .catch((err) => {
              deps.log.error({ err, requestId }, 'access log record failed');
            });
        }
      } else {
        deps.metrics.finish('Unknown', res.statusCode, startMs, 0, 0);
      }
    }
  };
}

/**
 * Before an error response to a request whose body was never read: drain a small body so the
 * connection stays usable, or close the connection rather than read gigabytes nobody wants.
 */
async function settleUnreadBody(ctx: RequestContext): Promise<void> {
  const req = ctx.req;
  if (req.complete || req.destroyed || ctx.res.headersSent) return;
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (ctx.bodyRequested || !(declared <= DRAIN_LIMIT_BYTES) || req.headers.expect !== undefined) {
    ctx.res.setHeader('connection', 'close');
    // A client that sent Expect: 100-continue has not sent its body and will not; an unknown length
    // (chunked) or a moderate one is read on after the answer, up to LINGER_LIMIT_BYTES.
    const expecting = req.headers.expect !== undefined && !ctx.bodyRequested;
    if (!expecting && !(declared > LINGER_LIMIT_BYTES)) lingerAfterAnswer(req, LINGER_LIMIT_BYTES, LINGER_IDLE_MS);
    return;
  }
  req.resume();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    req.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    req.once('error', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A request body's declared size (0 when absent or not a number). */
function requestBytes(req: IncomingMessage): number {
  const declared = Number(req.headers['content-length'] ?? 0);
  return Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
}

/** The status logged (and counted) for a request whose client closed the connection before the answer. */
const CLIENT_CLOSED = 499;

function logRequest(log: Logger, ctx: RequestContext, status: number, code: string | undefined): void {
  const level = status >= 500 ? 'warn' : status >= 400 ? 'info' : 'debug';
  if (!log.isLevelEnabled(level)) return;
  log[level](
    {
      requestId: ctx.requestId,
      operation: ctx.operation,
      method: ctx.method,
      bucket: ctx.address.bucket,
      key: ctx.address.key,
      status,
      code,
      bytesIn: Number(ctx.req.headers['content-length'] ?? 0),
      durationMs: Math.round(performance.now() - ctx.startMs),
    },
    'request',
  );
}
