import { pipeline, type Readable, Transform } from 'node:stream';
import { parseXml, S3Error } from '@coffer/protocol';
import { cannedAcl, parseGrantHeaders } from '../authz/acl.js';
import { accountOf } from '../authz/authorize.js';
import { parseTaggingXml } from '../codecs/tagging.js';
import type { ObjectAttributes } from '../engine/objects.js';
import { encodeTagging, validateTags } from '../engine/tagging.js';
import { authorizeRequest } from '../http-kit/authorize-request.js';
import { setPrincipal } from '../http-kit/caller.js';
import type { RequestContext } from '../http-kit/request-context.js';
import { quoteEtag, sendEmpty, sendXml } from '../http-kit/respond.js';
import { FormDataReader, type FormPart, formBoundary } from './form-data.js';
import type { HandlerDeps } from './handler.js';
import { CONTENT_HEADERS, checkHeaderValue, sseHeaders, writtenVersionHeaders } from './object-headers.js';
import { checkPostPolicy, type FormFields, parsePostPolicy, verifyFormSignature } from './post-policy.js';
import { guardWriteAcl } from './public-access.js';
import { formCustomerKeyMd5, formSseRequest } from './sse-headers.js';

/** All fields before the file, together (S3 allows 20 KB; a COS policy with many conditions needs more). */
const MAX_FIELD_BYTES = 64 * 1024;
/** In a key field, replaced by the uploaded file's name (COS and S3). */
const FILENAME_VARIABLE = '$' + '{filename}';
/** Fields after the file are read and dropped up to this much; beyond it the connection is closed instead. */
const MAX_TRAILING_BYTES = 64 * 1024;

/**
 * POST Object: a browser form upload (
 * https://www.tencentcloud.com/document/product/436/14690 ;
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html).
 *
 * The form is read in order: every field up to `file`, then the file, which streams into the blob
 * writer through the same pipeline as PUT Object (fields after it are ignored, as S3 ignores them).
 * The signature and the key live in the body, so this handler — not the dispatcher — verifies the
 * form's signature (COS q-sign, SigV4 or SigV2 over the policy; none = anonymous), checks the
 * policy, and authorizes PostObject for the signer on the final key, all before the first file
 * byte is read.
 */
export async function postObject(ctx: RequestContext, { auth }: HandlerDeps): Promise<void> {
  const boundary = formBoundary(ctx.header('content-type'));
  if (boundary === undefined) {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      details: { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' },
    });
  }
  const form = new FormDataReader(ctx.body(), boundary);
  const { fields, file } = await readFields(form);

  const signer = await verifyFormSignature(fields, auth);
  if (signer) {
    ctx.auth = { ...ctx.auth, ...signer, presigned: true };
    setPrincipal(ctx, signer.principal);
  }
  const rawKey = fields.get('key');
  if (rawKey === undefined || rawKey === '') {
    throw new S3Error(
      'InvalidArgument',
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      { details: { ArgumentName: 'key' } },
    );
  }
  const key = rawKey.split(FILENAME_VARIABLE).join(baseName(file.filename ?? ''));
  const policy = fields.get('policy');
  const range =
    policy === undefined
      ? { minBytes: 0, maxBytes: Number.POSITIVE_INFINITY }
      : checkPostPolicy(
          parsePostPolicy(policy),
          fields,
          { bucket: ctx.bucket, finalKey: key, requireAllFields: signer?.kind === 'sigv4' || signer?.kind === 'sigv2' },
          auth.nowMs(),
        );
  await authorizeRequest(ctx, 'PostObject', { bucket: ctx.bucket, key });
  {
    const canned = fields.get('acl') ?? fields.get('x-cos-acl') ?? fields.get('x-amz-acl');
    const grantNames = [...fields.keys()].some((f) => /^x-(?:cos|amz)-grant-/i.test(f));
    await guardWriteAcl(ctx, canned, grantNames, (owner, bucketOwner) =>
      canned !== undefined ? cannedAcl(canned, 'object', owner, bucketOwner) : undefined,
    );
  }

  const bucketOwner = (await ctx.engine.headBucket(ctx.bucket)).ownerId;
  const { version, versioned } = await ctx.engine.putObject({
    bucket: ctx.bucket,
    key,
    actor: ctx.actor,
    createdBy: 'Post',
    body: limitLength(form.stream(), range),
    expect: {},
    ...formAttributes(ctx, fields, bucketOwner),
    forbidOverwrite: (fields.get('x-cos-forbid-overwrite') ?? '').toLowerCase() === 'true',
    signal: ctx.signal,
  });
  if (!(await form.discardRest(MAX_TRAILING_BYTES))) ctx.res.setHeader('connection', 'close');

  const location = objectUrl(ctx, key);
  const headers: Record<string, string> = {
    etag: quoteEtag(version.etag),
    location,
    ...writtenVersionHeaders(version.versionId, versioned),
    ...sseHeaders(ctx, version.sse, { customerKeyMd5: formCustomerKeyMd5(fields), withContext: true }),
  };
  if (version.crc64 !== undefined) headers['x-cos-hash-crc64ecma'] = version.crc64;
  const redirect = redirectUrl(fields.get('success_action_redirect') ?? fields.get('redirect'));
  if (redirect) {
    redirect.searchParams.append('bucket', ctx.bucket);
    redirect.searchParams.append('key', key);
    redirect.searchParams.append('etag', quoteEtag(version.etag));
    sendEmpty(ctx, 303, { ...headers, location: redirect.toString() });
    return;
  }
  const status = fields.get('success_action_status');
  if (status === '201') {
    const body = { Location: location, Bucket: ctx.bucket, Key: key, ETag: quoteEtag(version.etag) };
    sendXml(ctx, 'PostResponse', body, { status: 201, headers, namespace: false });
    return;
  }
  sendEmpty(ctx, status === '200' ? 200 : 204, headers);
}

/** The fields before the file part (names lower-cased), and the file part's headers. */
async function readFields(form: FormDataReader): Promise<{ fields: Map<string, string>; file: FormPart }> {
  const fields = new Map<string, string>();
  let budget = MAX_FIELD_BYTES;
  for (let part = await form.next(); part; part = await form.next()) {
    const name = part.name.toLowerCase();
    if (name === 'file') return { fields, file: part };
    const value = await form.text(budget);
    budget -= Buffer.byteLength(value) + Buffer.byteLength(name);
    // One value per name: the policy checks the value that is used.
    if (fields.has(name)) throw new S3Error('InvalidArgument', `The POST form field "${part.name}" appears twice.`);
    fields.set(name, value);
  }
  throw new S3Error('IncorrectNumberOfFilesInPostRequest', 'POST requires exactly one file upload per request.');
}

/** Browsers send the bare file name; old ones sent a whole path. */
function baseName(filename: string): string {
  return filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
}

/** The policy's content-length-range, enforced as bytes stream (EntityTooLarge) and at the end (EntityTooSmall). */
function limitLength(body: Readable, range: { minBytes: number; maxBytes: number }): Readable {
  if (range.minBytes === 0 && range.maxBytes === Number.POSITIVE_INFINITY) return body;
  let size = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > range.maxBytes) {
        callback(
          new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
            details: { MaxSizeAllowed: range.maxBytes },
          }),
        );
      } else callback(null, chunk);
    },
    flush(callback) {
      if (size < range.minBytes) {
        callback(
          new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
            details: { ProposedSize: size, MinSizeAllowed: range.minBytes },
          }),
        );
      } else callback();
    },
  });
  return pipeline(body, limiter, () => {});
}

/** Object attributes from form fields, named as the headers of a PUT would be (case-insensitively). */
function formAttributes(ctx: RequestContext, fields: FormFields, bucketOwner: string): ObjectAttributes {
  const contentHeaders: Record<string, string> = {};
  // Form fields, unlike request headers, may hold any character: what GET will send back as a header is checked.
  for (const name of CONTENT_HEADERS) {
    const value = fields.get(name);
    if (value !== undefined && value !== '') {
      checkHeaderValue(name, value, name);
      contentHeaders[name] = value;
    }
  }
  const userMeta: Record<string, string> = {};
  for (const [name, value] of fields) {
    const prefix = ['x-cos-meta-', 'x-amz-meta-'].find((p) => name.startsWith(p));
    if (prefix && name.length > prefix.length) {
      checkHeaderValue(name, value, name);
      userMeta[name.slice(prefix.length)] = value;
    }
  }
  const storageClass = fields.get('x-cos-storage-class') ?? fields.get('x-amz-storage-class');
  const canned = fields.get('acl') ?? fields.get('x-cos-acl') ?? fields.get('x-amz-acl');
  const account = accountOf(bucketOwner) ?? '0';
  const grants = parseGrantHeaders(
    (name) => fields.get(name),
    (uin) => `qcs::cam::uin/${account}:uin/${uin}`,
  );
  if (canned !== undefined && grants !== undefined) {
    throw new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed.');
  }
  const acl =
    canned !== undefined
      ? cannedAcl(canned, 'object', ctx.actor.ownerId, bucketOwner)
      : grants && { owner: ctx.actor.ownerId, grants };
  // The `tagging` field is a Tagging XML document (S3 POST Object), unlike the x-amz-tagging header's query form.
  const taggingXml = fields.get('tagging');
  let tagging: string | undefined;
  if (taggingXml !== undefined && taggingXml.trim() !== '') {
    const tags = parseTaggingXml(parseXml(taggingXml, 'Tagging'));
    validateTags(tags, 'object');
    tagging = encodeTagging(tags);
  }
  const sse = formSseRequest(fields);
  return {
    contentHeaders,
    userMeta,
    ...(sse !== undefined ? { sse } : {}),
    ...(storageClass !== undefined && storageClass !== '' ? { storageClass } : {}),
    ...(acl ? { acl: JSON.stringify(acl) } : {}),
    ...(tagging !== undefined ? { tagging } : {}),
  };
}

/** Where the new object can be fetched, in the addressing style the form was posted with. */
function objectUrl(ctx: RequestContext, key: string): string {
  const scheme = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const path = key.split('/').map(encodeURIComponent).join('/');
  const host = ctx.header('host') ?? '';
  return ctx.address.style === 'virtual'
    ? `${scheme}://${host}/${path}`
    : `${scheme}://${host}/${encodeURIComponent(ctx.bucket)}/${path}`;
}

/** success_action_redirect when it is an absolute http(s) URL; anything else is ignored, as S3 does. */
function redirectUrl(value: string | undefined): URL | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
