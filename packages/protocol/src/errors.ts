/**
 * The one table of COS/S3 error codes and their HTTP statuses.
 *
 * `satisfies Record<…, number>` makes a code without a status a compile error (tRPC's getHTTPStatusCode does the same).
 * Every code here is documented in docs/errors.md; a test fails when one is missing there.
 * Statuses follow the S3 error-code table, with COS's own codes (PositionNotEqualToLength, …) as COS documents them.
 */
export const S3_ERROR_STATUS = {
  AccessDenied: 403,
  AccessControlListNotSupported: 400,
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
  InvalidBucketAclWithObjectOwnership: 400,
  InvalidBucketName: 400,
  InvalidBucketState: 409,
  InvalidDigest: 400,
  InvalidEncryptionAlgorithmError: 400,
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
  InvalidTargetBucketForLogging: 400,
  InvalidToken: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  'KMS.DisabledException': 400,
  'KMS.NotFoundException': 400,
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
  NoSuchConfiguration: 404,
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
  TooManyConfigurations: 400,
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
  /** Extra XML elements of the error body (ServerTime, ArgumentName, …). */
  readonly details: S3ErrorDetails;
  /** Response headers to send with this error (e.g. x-cos-version-id on a delete-marker 404). */
  readonly headers: Record<string, string>;

  constructor(
    code: S3ErrorCode,
    message?: string,
    options: { cause?: unknown; details?: S3ErrorDetails; headers?: Record<string, string> } = {},
  ) {
    super(message ?? DEFAULT_MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause });
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

/**
 * The message S3 (or, for COS's own codes, COS) sends with each code, used when a throw site has nothing more
 * specific to say. `satisfies Record<S3ErrorCode, string>`: a code without a message does not compile.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html ; https://intl.cloud.tencent.com/document/product/436/7730
 */
export const DEFAULT_MESSAGES = {
  AccessDenied: 'Access Denied.',
  AccountProblem: 'There is a problem with your account that prevents the operation from completing successfully.',
  AllAccessDisabled: 'All access to this resource has been disabled.',
  AccessControlListNotSupported: 'The bucket does not allow ACLs',
  AuthorizationHeaderMalformed: 'The authorization header you provided is not valid.',
  AuthorizationQueryParametersError:
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
    'X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  BadDigest: 'The Content-MD5 or checksum you specified did not match what we received.',
  BucketAlreadyExists: 'The requested bucket name is not available.',
  BucketAlreadyOwnedByYou: 'Your previous request to create the named bucket succeeded and you already own it.',
  BucketNotEmpty: 'The bucket you tried to delete is not empty.',
  EntityTooLarge: 'Your proposed upload exceeds the maximum allowed object size.',
  EntityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  ExpiredToken: 'The provided token has expired.',
  IllegalVersioningConfigurationException: 'The versioning configuration specified in the request is not valid.',
  IllegalLocationConstraintException:
    'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
  IncompleteBody: 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  IncorrectNumberOfFilesInPostRequest: 'POST requires exactly one file upload per request.',
  InternalError: 'We encountered an internal error. Please try again.',
  InvalidAccessKeyId: 'The access key Id you provided does not exist in our records.',
  InvalidArgument: 'Invalid Argument.',
  InvalidBucketAclWithObjectOwnership: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
  InvalidBucketName: 'The specified bucket is not valid.',
  InvalidBucketState: 'The request is not valid with the current state of the bucket.',
  InvalidDigest: 'The Content-MD5 you specified is not valid.',
  InvalidEncryptionAlgorithmError: 'The Encryption request you specified is not valid. Supported value: AES256.',
  InvalidObjectState: 'The operation is not valid for the current state of the object.',
  InvalidPart: 'One or more of the specified parts could not be found.',
  InvalidPartOrder: 'The list of parts was not in ascending order.',
  InvalidPartNumber: 'The requested partnumber is not satisfiable',
  InvalidPolicyDocument: 'The content of the form does not meet the conditions specified in the policy document.',
  InvalidRange: 'The requested range is not satisfiable.',
  InvalidRedirectLocation: "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
  InvalidRequest: 'Invalid Request.',
  InvalidRetentionPeriod: 'Default retention period must be a positive integer value.',
  InvalidStorageClass: 'The storage class you specified is not valid.',
  InvalidTag: 'The tag provided was not a valid tag.',
  InvalidTargetBucketForLogging:
    'The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group.',
  InvalidToken: 'The provided token is malformed or otherwise invalid.',
  InvalidURI: "Couldn't parse the specified URI.",
  KeyTooLongError: 'Your key is too long.',
  'KMS.DisabledException': 'The KMS key is disabled.',
  'KMS.NotFoundException': 'The KMS key does not exist.',
  MalformedACLError: 'The XML you provided was not well-formed or did not validate against our published schema.',
  MalformedPOSTRequest: 'The body of your POST request is not well-formed multipart/form-data.',
  MalformedPolicy: 'This policy contains invalid Json.',
  MalformedXML: 'The XML you provided was not well-formed or did not validate against our published schema.',
  MaxMessageLengthExceeded: 'Your request was too big.',
  MetadataTooLarge: 'Your metadata headers exceed the maximum allowed metadata size.',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
  MissingContentLength: 'You must provide the Content-Length HTTP header.',
  MissingRequestBodyError: 'Request Body is empty.',
  MissingSecurityHeader: 'Your request is missing a required header.',
  NoSuchBucket: 'The specified bucket does not exist.',
  NoSuchBucketPolicy: 'The bucket policy does not exist.',
  NoSuchCORSConfiguration: 'The CORS configuration does not exist.',
  NoSuchConfiguration: 'The specified configuration does not exist.',
  NoSuchEncryptionConfiguration: 'The specified bucket does not have an encryption configuration.',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchLifecycleConfiguration: 'The lifecycle configuration does not exist.',
  NoSuchObjectLockConfiguration: 'The specified object does not have a ObjectLock configuration.',
  NoSuchRefererConfiguration: 'The specified bucket does not have a referer configuration.',
  NoSuchPublicAccessBlockConfiguration: 'The public access block configuration was not found.',
  NoSuchTagSet: 'The TagSet does not exist.',
  NoSuchWebsiteConfiguration: 'The specified bucket does not have a website configuration.',
  NoSuchUpload: 'The specified multipart upload does not exist.',
  NoSuchVersion: 'The specified version does not exist.',
  NotImplemented: 'A header or query you provided implies functionality that is not implemented.',
  NotModified: 'Not Modified',
  ObjectLockConfigurationNotFoundError: 'Object Lock configuration does not exist for this bucket.',
  ObjectNotAppendable: 'The object is not appendable.',
  OperationAborted: 'A conflicting conditional operation is currently in progress against this resource. Try again.',
  OwnershipControlsNotFoundError: 'The bucket ownership controls were not found.',
  PositionNotEqualToLength: 'The position is not equal to the length of the object.',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold.',
  ReplicationConfigurationNotFoundError: 'The replication configuration was not found.',
  RequestTimeTooSkewed: 'The difference between the request time and the server time is too large.',
  RequestTimeout: 'Your socket connection to the server was not read from or written to within the timeout period.',
  ServerSideEncryptionConfigurationNotFoundError: 'The server side encryption configuration was not found.',
  ServiceUnavailable: 'Please reduce your request rate.',
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  SlowDown: 'Please reduce your request rate.',
  TooManyBuckets: 'You have attempted to create more buckets than allowed.',
  TooManyConfigurations:
    'You are attempting to create a new configuration but have already reached the 1,000-configuration limit.',
  UnexpectedContent: 'This request does not support content.',
  UnresolvableGrantByEmailAddress: 'The email address you provided does not match any account on record.',
  XAmzContentSHA256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
} as const satisfies Record<S3ErrorCode, string>;
