import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type COS from 'cos-nodejs-sdk-v5';
import { adminOk, type Creds } from './access.js';
import { settledOnEveryGateway } from './cluster.js';
import type { TestServer } from './server.js';

/** An account made through POST /-/admin/accounts, with clients signed by its root key. */
export interface TestAccount {
  appId: string;
  uin: string;
  ownerId: string;
  creds: Creds;
  s3: S3Client;
  cos: COS;
  /** A COS-form bucket name of this account: `<prefix><n>-<APPID>`. */
  bucketName(prefix?: string): string;
}

let counter = 0;

/** Creates an account as the operator (the test server's root) and clients for its root. */
export async function createAccount(t: TestServer, name: string): Promise<TestAccount> {
  const made = await adminOk<{ appId: string; uin: string; ownerId: string; secretId: string; secretKey: string }>(
    t,
    201,
    'POST',
    '/admin/accounts',
    { name },
  );
  const creds = { accessKeyId: made.secretId, secretKey: made.secretKey };
  const s3 = t.s3({ credentials: { accessKeyId: made.secretId, secretAccessKey: made.secretKey } });
  // In a cluster the other gateways learn of the account by LISTEN/NOTIFY, right after the response.
  await settledOnEveryGateway(() => s3.send(new ListBucketsCommand({})));
  return {
    appId: made.appId,
    uin: made.uin,
    ownerId: made.ownerId,
    creds,
    s3,
    cos: t.cos('path', { SecretId: made.secretId, SecretKey: made.secretKey }),
    bucketName: (prefix = 'acct') => `${prefix}${process.pid}x${counter++}-${made.appId}`,
  };
}
