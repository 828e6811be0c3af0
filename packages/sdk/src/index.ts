/**
 * @coffer/sdk for Node: Tencent COS's JavaScript object API in TypeScript, over node:http, with file and stream
 * bodies. Code written for cos-nodejs-sdk-v5 runs by changing the import.
 *
 * @example
 * import COS from '@coffer/sdk';
 * const cos = new COS({ SecretId, SecretKey, Domain: '127.0.0.1:9000', Protocol: 'http:', ForcePathStyle: true });
 * await cos.putObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'a.txt', Body: 'hello' });
 */
import { CosBase } from './cos-base.js';
import type { CosOptions } from './options.js';
import { nodePlatform } from './platform/node.js';

export * from './public.js';

/**
 * The COS client.
 *
 * @example
 * const cos = new COS({ SecretId: 'AKID…', SecretKey: '…' });
 * cos.headObject({ Bucket: 'examplebucket-1250000000', Region: 'ap-beijing', Key: 'picture.jpg' }, (err, data) => {});
 */
export default class COS extends CosBase {
  protected static override platform = nodePlatform;

  constructor(options: CosOptions = {}) {
    super(options, nodePlatform);
  }
}

export { COS };
