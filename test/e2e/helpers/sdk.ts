import COS, { type CosOptions } from '@coffer/sdk';
import { TEST_DOMAIN, type TestServer } from './server.js';

/**
 * The ways @coffer/sdk can reach Coffer: 'path' = `Domain: host/{Bucket}` (Tencent's path-style template, bucket
 * not signed), 'pathstyle' = `ForcePathStyle: true` (real path style, full path signed), 'vhost' =
 * `{Bucket}.cos.localhost:port` (needs installLocalhostResolver), 'ip' = `Ip: host:port` (real COS host names).
 */
export const SDK_MODES = ['path', 'pathstyle', 'vhost', 'ip'] as const;
export type SdkMode = (typeof SDK_MODES)[number];

export function cofferSdk(t: TestServer, mode: SdkMode = 'pathstyle', options: CosOptions = {}): COS {
  const endpoint: CosOptions =
    mode === 'path'
      ? { Domain: `127.0.0.1:${t.port}/{Bucket}` }
      : mode === 'pathstyle'
        ? { Domain: `127.0.0.1:${t.port}`, ForcePathStyle: true }
        : mode === 'vhost'
          ? { Domain: `{Bucket}.${TEST_DOMAIN}:${t.port}` }
          : { Ip: `127.0.0.1:${t.port}` };
  return new COS({
    SecretId: t.secretId,
    SecretKey: t.secretKey,
    Protocol: 'http:',
    ServiceDomain: t.url,
    ...endpoint,
    ...options,
  });
}
