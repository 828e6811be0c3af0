import type { ServerResponse } from 'node:http';
import { buildXml, S3_XMLNS, S3Error, type XmlObject } from '@coffer/protocol';
import type { RequestContext } from './request-context.js';

/** Request-id headers in both families, on every response (until a COS signature is seen). */
export function setRequestIdHeaders(res: ServerResponse, requestId: string): void {
  res.setHeader('x-cos-request-id', requestId);
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', requestId);
  res.setHeader('server', 'Coffer');
}

/** COS-signed requests get COS's request id header only. */
export function removeAwsRequestIdHeaders(res: ServerResponse): void {
  res.removeHeader('x-amz-request-id');
  res.removeHeader('x-amz-id-2');
}

/** Sends an XML document. S3's namespace is added to roots for AWS clients; COS clients ignore it. */
export function sendXml(
  ctx: RequestContext,
  root: string,
  body: XmlObject,
  options: { status?: number; headers?: Record<string, string>; namespace?: boolean } = {},
): void {
  const xml = buildXml(root, body, options.namespace === false ? {} : { xmlns: S3_XMLNS });
  const payload = Buffer.from(xml, 'utf8');
  const res = ctx.res;
  res.statusCode = options.status ?? 200;
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', payload.length);
  res.end(payload);
}

/** Sends a response without a body (204s, PUTs, HEAD). */
export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string | number> = {}): void {
  const res = ctx.res;
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (status !== 204 && status !== 304 && !res.hasHeader('content-length')) res.setHeader('content-length', 0);
  res.end();
}

/**
 * The one place errors become responses: COS/S3 error XML with Code, Message, Resource,
 * RequestId and TraceId; no body for HEAD or 304; messages of 5xx hidden. Anything that is not
 * an S3Error is an InternalError.
 */
export function sendError(ctx: RequestContext, err: unknown): void {
  const error = err instanceof S3Error ? err : new S3Error('InternalError', undefined, { cause: err });
  ctx.errorCode = error.code;
  const res = ctx.res;
  if (res.headersSent) {
    // Too late for an error document (a body was streaming): cut the connection so the client
    // sees a truncated response rather than a complete-looking one.
    res.destroy(error);
    return;
  }
  for (const name of res.getHeaderNames()) {
    if (
      !name.startsWith('x-cos-request-id') &&
      !name.startsWith('x-amz-request-id') &&
      name !== 'x-amz-id-2' &&
      name !== 'server' &&
      name !== 'date' &&
      // Connection: close, set when the request's body will not be read to its end.
      name !== 'connection'
    ) {
      res.removeHeader(name);
    }
  }
  res.statusCode = error.status;
  res.setHeader('x-cos-trace-id', ctx.requestId);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const resource =
    ctx.address.bucket === undefined
      ? ctx.rawPath
      : `${ctx.address.bucket}${ctx.address.key !== undefined ? `/${ctx.address.key}` : ''}`;
  if (ctx.method === 'HEAD' || error.status === 304) {
    res.end();
    return;
  }
  const details: XmlObject = {};
  for (const [name, value] of Object.entries(error.details)) if (value !== undefined) details[name] = String(value);
  // 5xx messages may carry internals, so they are hidden; NotImplemented (501) is the exception: its
  // message is ours and names what is missing, which is what the client needs to know.
  const hideMessage = error.status >= 500 && error.code !== 'NotImplemented';
  const message = hideMessage ? 'We encountered an internal error. Please try again.' : error.message;
  if (ctx.address.internal) {
    // Coffer's own endpoints (/-/admin, /-/sts) speak JSON, errors included (docs/admin-api.md).
    const json = Buffer.from(JSON.stringify({ error: error.code, message, requestId: ctx.requestId }));
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', json.length);
    res.end(json);
    return;
  }
  const xml = buildXml('Error', {
    Code: error.code,
    Message: message,
    Resource: resource,
    RequestId: ctx.requestId,
    TraceId: ctx.requestId,
    ...details,
  });
  const payload = Buffer.from(xml, 'utf8');
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', payload.length);
  res.end(payload);
}

/** ISO 8601 with milliseconds, as S3 and COS print LastModified and CreationDate. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** RFC 7231 date for Last-Modified headers. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** ETags are stored bare and sent quoted. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

export function sendJson(ctx: RequestContext, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  ctx.res.statusCode = status;
  ctx.res.setHeader('content-type', 'application/json');
  ctx.res.setHeader('content-length', payload.length);
  ctx.res.end(ctx.method === 'HEAD' ? undefined : payload);
}

export function sendJsonError(ctx: RequestContext, status: number, code: string, message: string): void {
  ctx.errorCode = code;
  sendJson(ctx, status, { error: code, message, requestId: ctx.requestId });
}
