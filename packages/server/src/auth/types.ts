import type { IncomingHttpHeaders } from 'node:http';

/** What the authenticator needs to know about a request: the wire form, untouched. */
export interface SignableRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The request target's path exactly as received (still percent-encoded), without the query. */
  rawPath: string;
  /** The query string exactly as received, without the leading '?' ('' when none). */
  rawQuery: string;
  /** Node's parsed headers (names lower-cased; repeated headers joined by node as it does). */
  headers: IncomingHttpHeaders;
  /**
   * For path-style requests, the bucket segment ('/bucket') that COS SDK clients leave out of the
   * path they sign (cos-nodejs-sdk-v5 signs the path after its Domain template,
   * https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/base.js). Undefined for virtual-host requests.
   */
  pathStyleBucket?: string;
  /**
   * For virtual-host requests, the bucket the Host header names. Only SigV2 needs it: its CanonicalizedResource is
   * '/bucket' + path even when the bucket is not in the path. Undefined for path-style and service requests.
   */
  virtualHostBucket?: string;
}

/** Who a verified signature belongs to: an account's root, one of its sub-users, or STS credentials of either. */
export interface Principal {
  /** COS APPID of the account (root owner). */
  appId: string;
  /** Owner uin; the COS owner id is `qcs::cam::uin/<ownerUin>:uin/<uin>`. */
  ownerUin: string;
  uin: string;
  /** True for the account's root key. */
  isRoot: boolean;
  /** Policy documents attached to a sub-user (CAM-style, no Principal). */
  policies?: string[];
  /** The policy STS credentials were issued with; it narrows what the principal may do. */
  sessionPolicy?: string;
  /** Set for temporary (STS) credentials: when their token expires, ms since the epoch. */
  sessionExpiresMs?: number;
}

export interface Credential {
  accessKeyId: string;
  secretKey: string;
  principal: Principal;
}

export interface AuthContext {
  /**
   * Resolves an access key id to its secret, or undefined when unknown. `securityToken` is the
   * x-cos-security-token / x-amz-security-token the request carried (header or query), if any: a
   * temporary key is only valid with its own token. May throw S3Error (InvalidToken, ExpiredToken,
   * InvalidAccessKeyId with a specific message).
   */
  lookupCredential(accessKeyId: string, securityToken?: string): Promise<Credential | undefined>;
  /** Server clock, in ms since the epoch (injectable for tests). */
  nowMs(): number;
  /** The server's region; SigV4 scopes naming any region are accepted, as S3-compatible stores do. */
  region: string;
  /** Largest accepted difference between a request's own timestamp and the server clock. Default 15 min. */
  maxSkewMs?: number;
}

/** What, if anything, must still be checked about the body once it streams in. */
export type PayloadVerification =
  /** Nothing: COS q-sign, SigV2, UNSIGNED-PAYLOAD, anonymous. */
  | { kind: 'none' }
  /** SigV4 with x-amz-content-sha256 = hex SHA-256 of the body: verify it, fail with XAmzContentSHA256Mismatch. */
  | { kind: 'sha256'; expectedHex: string }
  /**
   * Content-Encoding aws-chunked bodies (x-amz-content-sha256 = STREAMING-*): the body must be
   * de-framed; `signed` chunks carry chunk-signatures chained from `seedSignature`; `trailer`
   * bodies end with trailing headers (x-amz-checksum-*), signed when the mode is *-PAYLOAD-TRAILER.
   */
  | {
      kind: 'aws-chunked';
      signed: boolean;
      trailer: boolean;
      /** x-amz-decoded-content-length, when sent. */
      decodedLength?: number;
      /** Names announced in x-amz-trailer (lower-cased). */
      trailerNames: string[];
      /** Present when `signed`: what the chunk signatures chain from. */
      seed?: { signature: string; signingKey: Buffer; datetime: string; scope: string };
    };

export interface AuthResult {
  kind: 'anonymous' | 'cos' | 'sigv4' | 'sigv2';
  /** The verified access key id (undefined for anonymous). */
  accessKeyId?: string;
  principal?: Principal;
  /** True when the signature came from the query string (presigned URL). */
  presigned: boolean;
  /** SigV4: the region of the credential scope (any is accepted; some answers depend on it). */
  region?: string;
  /** x-cos-security-token / x-amz-security-token as sent (header or query); lookupCredential has checked it. */
  securityToken?: string;
  payload: PayloadVerification;
}
