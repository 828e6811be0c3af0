/**
 * The one table of COS/S3 error codes and their HTTP statuses.
 *
 * `satisfies Record<…, number>` makes a code without a status a compile error (tRPC's getHTTPStatusCode does the same).
 * Every code here is documented in docs/errors.md; a test fails when one is missing there.
 * Statuses follow the S3 error-code table, with COS's own codes (PositionNotEqualToLength, …) as COS documents them.
 */
export const S3_ERROR_STATUS = {
  AccessDenied: 403,
  AccountProblem: 403,
  AllAccessDisabled: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  ExpiredToken: 403,
  IllegalVersioningConfigurationException: 400,
  IllegalLocationConstraintException: 400,
  IncompleteBody: 400,
  IncorrectNumberOfFilesInPostRequest: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidBucketState: 409,
  InvalidDigest: 400,
  InvalidObjectState: 403,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidPartNumber: 416,
  InvalidPolicyDocument: 400,
  InvalidRange: 416,
  InvalidRedirectLocation: 400,
  InvalidRequest: 400,
  InvalidRetentionPeriod: 400,
  InvalidStorageClass: 400,
  InvalidTag: 400,
  InvalidToken: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedACLError: 400,
  MalformedPOSTRequest: 400,
  MalformedPolicy: 400,
  MalformedXML: 400,
  MaxMessageLengthExceeded: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  MissingRequestBodyError: 400,
  MissingSecurityHeader: 400,
  NoSuchBucket: 404,
  NoSuchBucketPolicy: 404,
  NoSuchCORSConfiguration: 404,
  NoSuchEncryptionConfiguration: 404,
  NoSuchKey: 404,
  NoSuchLifecycleConfiguration: 404,
  NoSuchObjectLockConfiguration: 404,
  NoSuchRefererConfiguration: 404,
  NoSuchPublicAccessBlockConfiguration: 404,
  NoSuchTagSet: 404,
  NoSuchWebsiteConfiguration: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotImplemented: 501,
  NotModified: 304,
  ObjectLockConfigurationNotFoundError: 404,
  ObjectNotAppendable: 409,
  OperationAborted: 409,
  OwnershipControlsNotFoundError: 404,
  PositionNotEqualToLength: 409,
  PreconditionFailed: 412,
  ReplicationConfigurationNotFoundError: 404,
  RequestTimeTooSkewed: 403,
  RequestTimeout: 400,
  ServerSideEncryptionConfigurationNotFoundError: 404,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  TooManyBuckets: 400,
  UnexpectedContent: 400,
  UnresolvableGrantByEmailAddress: 400,
  XAmzContentSHA256Mismatch: 400,
} as const satisfies Record<string, number>;

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

/** Extra elements some errors carry in their XML body (S3 adds e.g. <ServerTime>, <ArgumentName>). */
export type S3ErrorDetails = Record<string, string | number | undefined>;

/**
 * An error the API reports to the client as COS/S3 error XML.
 *
 * @example
 * throw new S3Error('NoSuchKey', 'The specified key does not exist.');
 */
export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  /** Filled in by the HTTP layer: the bucket/key the request addressed. */
  resource?: string;
  /** Filled in by the HTTP layer. */
  requestId?: string;
  /** Extra XML elements (ServerTime, ArgumentName, …) and, for some codes, response headers. */
  readonly details: S3ErrorDetails;
  /** Response headers to send with this error (e.g. x-cos-version-id on a delete-marker 404). */
  readonly headers: Record<string, string>;

  constructor(
    code: S3ErrorCode,
    message?: string,
    options: { cause?: unknown; details?: S3ErrorDetails; headers?: Record<string, string> } = {},
  ) {
    super(
      message ?? DEFAULT_MESSAGES[code] ?? code,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'S3Error';
    this.code = code;
    this.status = S3_ERROR_STATUS[code];
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }
}

export function isS3Error(err: unknown): err is S3Error {
  return err instanceof S3Error;
}

/** The messages S3 sends for each code, used when a throw site has nothing more specific to say. */
export const DEFAULT_MESSAGES: Partial<Record<S3ErrorCode, string>> = {
  AccessDenied: 'Access Denied.',
  BadDigest: 'The Content-MD5 or checksum you specified did not match what we received.',
  BucketAlreadyExists: 'The requested bucket name is not available.',
  BucketAlreadyOwnedByYou: 'Your previous request to create the named bucket succeeded and you already own it.',
  BucketNotEmpty: 'The bucket you tried to delete is not empty.',
  EntityTooLarge: 'Your proposed upload exceeds the maximum allowed object size.',
  EntityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  IncompleteBody: 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  InternalError: 'We encountered an internal error. Please try again.',
  InvalidAccessKeyId: 'The access key Id you provided does not exist in our records.',
  InvalidArgument: 'Invalid Argument.',
  InvalidBucketName: 'The specified bucket is not valid.',
  InvalidDigest: 'The Content-MD5 you specified is not valid.',
  InvalidPart: 'One or more of the specified parts could not be found.',
  InvalidPartOrder: 'The list of parts was not in ascending order.',
  InvalidPartNumber: 'The requested partnumber is not satisfiable',
  InvalidRange: 'The requested range is not satisfiable.',
  InvalidRequest: 'Invalid Request.',
  InvalidStorageClass: 'The storage class you specified is not valid.',
  InvalidURI: "Couldn't parse the specified URI.",
  KeyTooLongError: 'Your key is too long.',
  MalformedXML: 'The XML you provided was not well-formed or did not validate against our published schema.',
  MetadataTooLarge: 'Your metadata headers exceed the maximum allowed metadata size.',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
  MissingContentLength: 'You must provide the Content-Length HTTP header.',
  MissingRequestBodyError: 'Request Body is empty.',
  NoSuchBucket: 'The specified bucket does not exist.',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchUpload: 'The specified multipart upload does not exist.',
  NoSuchVersion: 'The specified version does not exist.',
  NotImplemented: 'A header or query you provided implies functionality that is not implemented.',
  NotModified: 'Not Modified',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold.',
  RequestTimeTooSkewed: 'The difference between the request time and the server time is too large.',
  RequestTimeout: 'Your socket connection to the server was not read from or written to within the timeout period.',
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  XAmzContentSHA256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
};
