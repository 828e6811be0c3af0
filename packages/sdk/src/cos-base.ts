import { type GetAuthorizationParams, getAuthorization } from './auth.js';
import { CosClient } from './client.js';
import type { Platform } from './platform/types.js';
import { jsonToXml, xmlToJson } from './xml.js';

/**
 * What the Node and browser COS classes share: the statics Tencent's SDK has (`COS.version`,
 * `COS.util`, `COS.getAuthorization`), computed with the entry point's platform.
 */
export abstract class CosBase extends CosClient {
  /** The SDK's version. */
  static readonly version = '0.1.0';

  /** The platform the entry point runs on (node:http or XMLHttpRequest, node:crypto or JS hashes). */
  protected static platform: Platform;

  /** Helpers Tencent's SDK exposes as `COS.util`. */
  static get util() {
    const platform = this.platform;
    return {
      md5: (data: string | Uint8Array): string => {
        const md5 = platform.createMd5();
        md5.update(data);
        return md5.hex();
      },
      xml2json: xmlToJson,
      json2xml: (json: Record<string, Record<string, unknown>>): string =>
        Object.entries(json)
          .map(([root, body]) => jsonToXml(root, body))
          .join(''),
    };
  }

  /**
   * A COS Authorization string, identical to Tencent's `COS.getAuthorization`.
   *
   * @example
   * COS.getAuthorization({ SecretId, SecretKey, Method: 'get', Key: 'a.txt', Headers: { Host: host } });
   */
  static getAuthorization(params: GetAuthorizationParams): string {
    return getAuthorization(params, this.platform.crypto);
  }
}
