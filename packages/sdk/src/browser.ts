/**
 * @coffer/sdk for browsers: Tencent COS's JavaScript object API in TypeScript, over XMLHttpRequest, with File/Blob
 * bodies and real upload progress. Code written for cos-js-sdk-v5 runs by changing the import.
 *
 * @example
 * import COS from '@coffer/sdk';
 * const cos = new COS({ SecretId, SecretKey, Domain: '127.0.0.1:9000', Protocol: 'http:', ForcePathStyle: true });
 * await cos.putObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'a.txt', Body: 'hello' });
 */
import { CosBase } from './cos-base.js';
import type { CosOptions } from './options.js';
import { browserPlatform } from './platform/browser.js';

export * from './public.js';

/**
 * The COS client.
 *
 * @example
 * const cos = new COS({ SecretId: 'AKID…', SecretKey: '…' });
 * cos.headObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg' }, (err, data) => {});
 */
export default class COS extends CosBase {
  protected static override platform = browserPlatform;

  constructor(options: CosOptions = {}) {
    super(options, browserPlatform);
  }
}

export { COS };
