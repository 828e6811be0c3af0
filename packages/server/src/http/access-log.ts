import type { AccessLogEntry } from '../engine/access-log-format.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { ownerIdOf } from '../identity.js';

/** Sub-resources as S3 names them in a log record's operation (`REST.GET.LOGGING_STATUS`). */
const RESOURCE_OF_SUBRESOURCE: Record<string, string> = {
  acl: 'ACL',
  cors: 'CORS',
  delete: 'MULTI_OBJECT_DELETE',
  encryption: 'ENCRYPTION',
  inventory: 'INVENTORY',
  lifecycle: 'LIFECYCLE',
  location: 'LOCATION',
  logging: 'LOGGING_STATUS',
  policy: 'BUCKETPOLICY',
  policyStatus: 'BUCKETPOLICYSTATUS',
  versioning: 'VERSIONING',
  versions: 'BUCKETVERSIONS',
  uploads: 'UPLOADS',
  'object-lock': 'OBJECT_LOCK_CONFIGURATION',
  referer: 'REFERER',
  usage: 'USAGE',
  website: 'WEBSITE',
  replication: 'REPLICATION',
  notification: 'NOTIFICATION',
  accelerate: 'ACCELERATE',
  requestPayment: 'REQUEST_PAYMENT',
  ownershipControls: 'OWNERSHIP_CONTROLS',
  publicAccessBlock: 'PUBLIC_ACCESS_BLOCK',
  retention: 'OBJECT_RETENTION',
  'legal-hold': 'OBJECT_LEGAL_HOLD',
  attributes: 'OBJECT_ATTRIBUTES',
  restore: 'RESTORE',
  append: 'APPEND',
};

/** S3's operation field: `REST.<method>.<resource>` (copies are `REST.COPY.OBJECT` / `REST.COPY.PART`). */
export function s3Operation(ctx: RequestContext): string {
  const op = ctx.operation;
  if (op === 'CopyObject') return 'REST.COPY.OBJECT';
  if (op === 'UploadPartCopy') return 'REST.COPY.PART';
  if (op === 'UploadPart') return 'REST.PUT.PART';
  if (op === 'PostObject') return 'REST.POST.OBJECT';
  const method = ctx.method;
  const isObject = ctx.address.key !== undefined;
  if (isObject && ctx.query.has('uploadId')) return `REST.${method}.UPLOAD`;
  if (isObject && ctx.query.has('tagging')) return `REST.${method}.OBJECT_TAGGING`;
  for (const [sub, resource] of Object.entries(RESOURCE_OF_SUBRESOURCE)) {
    if (ctx.query.has(sub)) return `REST.${method}.${resource}`;
  }
  if (ctx.query.has('tagging')) return `REST.${method}.TAGGING`;
  return `REST.${method}.${isObject ? 'OBJECT' : 'BUCKET'}`;
}

function numericHeader(value: number | string | string[] | undefined): number | undefined {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** What an access log record says about a finished request (the bucket's owner and region are the engine's). */
export function accessLogEntry(
  ctx: RequestContext,
  status: number,
  errorCode: string | undefined,
): Omit<AccessLogEntry, 'bucketOwner' | 'region'> {
  const { req, res } = ctx;
  const principal = ctx.auth?.principal;
  const bytesSent = ctx.method === 'HEAD' ? 0 : (numericHeader(res.getHeader('content-length')) ?? 0);
  // The object's whole size: a range's total from Content-Range, a PUT's body, else what was sent.
  const range = /\/(\d+)$/.exec(String(res.getHeader('content-range') ?? ''));
  const isObject = ctx.address.key !== undefined;
  const objectSize = !isObject
    ? undefined
    : range
      ? Number(range[1])
      : ctx.method === 'PUT'
        ? numericHeader(req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'])
        : numericHeader(res.getHeader('content-length'));
  // The version asked for, else the one the answer names (a PUT's new version).
  const versionId = ctx.param('versionId') ?? res.getHeader('x-cos-version-id') ?? res.getHeader('x-amz-version-id');
  const storageClass = res.getHeader('x-cos-storage-class') ?? res.getHeader('x-amz-storage-class');
  const kind = ctx.auth?.kind;
  const remote = req.socket.remoteAddress;
  return {
    bucket: ctx.bucket,
    startMs: Date.now() - (performance.now() - ctx.startMs),
    totalTimeMs: performance.now() - ctx.startMs,
    ...(remote !== undefined ? { remoteIp: remote.replace(/^::ffff:/, '') } : {}),
    ...(principal ? { requester: ownerIdOf(principal) } : {}),
    ...(ctx.auth?.accessKeyId !== undefined ? { accessKeyId: ctx.auth.accessKeyId } : {}),
    requestId: ctx.requestId,
    operation: ctx.operation,
    s3Operation: s3Operation(ctx),
    method: ctx.method,
    ...(ctx.address.key !== undefined ? { key: ctx.address.key } : {}),
    requestUri: req.url ?? '/',
    httpVersion: req.httpVersion,
    status,
    ...(errorCode !== undefined ? { errorCode } : {}),
    bytesSent,
    bytesReceived: numericHeader(req.headers['content-length']) ?? 0,
    ...(objectSize !== undefined ? { objectSize } : {}),
    ...(req.headers.referer !== undefined ? { referer: req.headers.referer } : {}),
    ...(req.headers['user-agent'] !== undefined ? { userAgent: req.headers['user-agent'] } : {}),
    ...(versionId !== undefined ? { versionId: String(versionId) } : {}),
    ...(storageClass !== undefined ? { storageClass: String(storageClass) } : {}),
    ...(kind === 'sigv4'
      ? { signatureVersion: 'SigV4' as const }
      : kind === 'sigv2'
        ? { signatureVersion: 'SigV2' as const }
        : {}),
    ...(kind !== undefined && kind !== 'anonymous'
      ? { authType: ctx.auth.presigned ? ('QueryString' as const) : ('AuthHeader' as const) }
      : {}),
    ...(req.headers.host !== undefined ? { host: req.headers.host } : {}),
  };
}
