// Request signing for the load generator: SigV4 (UNSIGNED-PAYLOAD) and COS q-sign, built from the pure helpers in
// @coffer/protocol with node:crypto. `signV4Headers` / `cosSign` derive the signing key on every call (4 HMACs for
// SigV4, about 40 µs a request here); a load generator signs thousands of requests a second on a core it shares
// with the server, so the derived key is cached per day (SigV4) or per key-time window (COS), and the rest of the
// signature is computed per request exactly as those functions do.
import {
  COS_DEFAULT_EXPIRES_SECONDS,
  cosHttpString,
  cosNameList,
  cosSignKey,
  cosStringToSign,
  formatAmzDate,
  isCosSignableHeader,
  parseRawQuery,
  SIGV4_ALGORITHM,
  signHex,
  sigV4CanonicalHeaders,
  sigV4CanonicalQuery,
  sigV4CanonicalRequest,
  sigV4CanonicalUri,
  sigV4Scope,
  sigV4SigningKey,
  sigV4StringToSign,
  UNSIGNED_PAYLOAD,
} from '../../packages/protocol/dist/index.js';
import { nodeCrypto } from '../../packages/server/dist/auth/node-crypto.js';

/**
 * A function `(request) => headers` that adds authentication to a request
 * `{ method, path, query: string (wire form, no '?'), headers: { host, … } }`.
 * `scheme`: 'sigv4' | 'cos' | 'none'. `bucket` is left out of the COS path (path-style COS clients sign the key
 * only, and Coffer verifies that form first).
 */
export function makeSigner({ scheme, credentials, region, bucket }) {
  if (scheme === 'none') return (req) => req.headers;
  if (scheme === 'sigv4') return sigV4Signer(credentials, region);
  if (scheme === 'cos') return cosSigner(credentials, bucket);
  throw new Error(`unknown auth scheme ${scheme}: use sigv4, cos or none`);
}

function sigV4Signer(credentials, region) {
  let keyDate = '';
  let signingKey;
  let scope = '';
  let second = -1;
  let datetime = '';
  return (req) => {
    const nowMs = Date.now();
    if (Math.floor(nowMs / 1000) !== second) {
      second = Math.floor(nowMs / 1000);
      datetime = formatAmzDate(nowMs);
    }
    const date = datetime.slice(0, 8);
    if (date !== keyDate) {
      keyDate = date;
      signingKey = sigV4SigningKey(nodeCrypto, credentials.secretKey, date, region, 's3');
      scope = sigV4Scope(date, region, 's3');
    }
    const headers = { ...req.headers, 'x-amz-content-sha256': UNSIGNED_PAYLOAD, 'x-amz-date': datetime };
    const signedHeaders = Object.keys(headers).sort();
    const canonicalRequest = sigV4CanonicalRequest({
      method: req.method,
      canonicalUri: sigV4CanonicalUri(req.path),
      canonicalQuery: req.query === '' ? '' : sigV4CanonicalQuery(parseRawQuery(req.query, { plusAsSpace: true })),
      canonicalHeaders: sigV4CanonicalHeaders(headers, signedHeaders),
      signedHeaders,
      payloadHash: UNSIGNED_PAYLOAD,
    });
    const stringToSign = sigV4StringToSign(nodeCrypto, datetime, scope, canonicalRequest);
    const signature = signHex(nodeCrypto.hmac('sha256', signingKey, stringToSign));
    headers.authorization =
      `${SIGV4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
    return headers;
  };
}

/** A new key time every 5 minutes, starting a minute in the past (clock skew) and valid for COS's default 900 s. */
const COS_WINDOW_SECONDS = 300;

function cosSigner(credentials, bucket) {
  let windowStart = -1;
  let keyTime = '';
  let signKey = '';
  const bucketPrefix = bucket ? `/${bucket}` : '';
  return (req) => {
    const start = Math.floor(Date.now() / 1000 / COS_WINDOW_SECONDS) * COS_WINDOW_SECONDS - 60;
    if (start !== windowStart) {
      windowStart = start;
      keyTime = `${start};${start + COS_DEFAULT_EXPIRES_SECONDS}`;
      signKey = cosSignKey(nodeCrypto, credentials.secretKey, keyTime);
    }
    let pathname = decodeURIComponent(req.path);
    if (bucketPrefix && (pathname === bucketPrefix || pathname.startsWith(`${bucketPrefix}/`))) {
      pathname = pathname.slice(bucketPrefix.length) || '/';
    }
    const params = req.query === '' ? [] : parseRawQuery(req.query, { plusAsSpace: false });
    const signed = [];
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== '' && isCosSignableHeader(name)) signed.push({ name, value: String(value) });
    }
    const httpString = cosHttpString({ method: req.method, pathname, params, headers: signed });
    const signature = signHex(nodeCrypto.hmac('sha1', signKey, cosStringToSign(nodeCrypto, keyTime, httpString)));
    return {
      ...req.headers,
      authorization: [
        'q-sign-algorithm=sha1',
        `q-ak=${credentials.accessKeyId}`,
        `q-sign-time=${keyTime}`,
        `q-key-time=${keyTime}`,
        `q-header-list=${cosNameList(signed)}`,
        `q-url-param-list=${cosNameList(params)}`,
        `q-signature=${signature}`,
      ].join('&'),
    };
  };
}
