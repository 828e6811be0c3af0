import { S3Error } from '@coffer/protocol';
import type { RequestContext } from '../http-kit/request-context.js';
import { sendJson } from '../http-kit/respond.js';

/** The request is a duration and a policy: a few KiB at most. */
const MAX_BODY_BYTES = 16 * 1024;

/** A member by name, case-insensitively (COS SDK examples write `durationSeconds`, STS `DurationSeconds`). */
function member(obj: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

/** `{DurationSeconds?, Policy?}` from a JSON or form body. Policy may be a JSON string or (in JSON) an object. */
function parseRequest(text: string, contentType: string | undefined): { durationSeconds?: number; policy?: string } {
  let fields: Record<string, unknown>;
  if (text.trim() === '') fields = {};
  else if (
    /application\/x-www-form-urlencoded/i.test(contentType ?? '') ||
    (!/json/i.test(contentType ?? '') && !text.trimStart().startsWith('{'))
  ) {
    fields = Object.fromEntries(new URLSearchParams(text));
  } else {
    try {
      fields = JSON.parse(text);
    } catch {
      throw new S3Error('InvalidArgument', 'The request body must be a JSON object or a form.');
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new S3Error('InvalidArgument', 'The request body must be a JSON object or a form.');
    }
  }
  const duration = member(fields, 'DurationSeconds');
  const policy = member(fields, 'Policy');
  // Anything but a whole number (or its digits) is NaN here, which the range check refuses.
  let durationSeconds: number | undefined;
  if (typeof duration === 'number') durationSeconds = duration;
  else if (typeof duration === 'string' && duration !== '') {
    durationSeconds = /^\d{1,9}$/.test(duration) ? Number(duration) : Number.NaN;
  } else if (duration !== undefined && duration !== null && duration !== '') durationSeconds = Number.NaN;
  let policyText: string | undefined;
  if (typeof policy === 'string' && policy.trim() !== '') policyText = policy;
  else if (typeof policy === 'object' && policy !== null) policyText = JSON.stringify(policy);
  else if (policy !== undefined && policy !== '') {
    throw new S3Error(
      'MalformedPolicy',
      'Policy must be a policy document (a JSON object, or that object as a string).',
    );
  }
  return {
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(policyText !== undefined ? { policy: policyText } : {}),
  };
}

/**
 * POST /-/sts — temporary credentials for the caller (root or sub-user, permanent key), in the
 * shape COS's STS answers and the COS SDK's getAuthorization callback wants, with the S3 names
 * alongside. See docs/admin-api.md.
 */
export async function getSessionToken(ctx: RequestContext): Promise<void> {
  const principal = ctx.auth.principal;
  if (!principal) throw new S3Error('AccessDenied', 'Sign the request with the key the credentials are for.');
  const request = parseRequest(await ctx.readSmallBody(MAX_BODY_BYTES, 'InvalidArgument'), ctx.header('content-type'));
  const issued = ctx.accounts.issueTemporaryCredentials(principal, request);
  const expiration = new Date(issued.expiredTime * 1000).toISOString();
  sendJson(ctx, 200, {
    Credentials: {
      TmpSecretId: issued.tmpSecretId,
      TmpSecretKey: issued.tmpSecretKey,
      Token: issued.sessionToken,
      AccessKeyId: issued.tmpSecretId,
      SecretAccessKey: issued.tmpSecretKey,
      SessionToken: issued.sessionToken,
      Expiration: expiration,
    },
    StartTime: issued.startTime,
    ExpiredTime: issued.expiredTime,
    Expiration: expiration,
    RequestId: ctx.requestId,
  });
}
