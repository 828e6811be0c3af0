/**
 * SSE-C and SSE-KMS through boto3 (Debian's python3-boto3 1.26), including POST Object forms from
 * generate_presigned_post: the checks live in boto3/sse.py, one
 * section per `it`, driven as clients-boto3.test.ts drives sweep.py. A section passes when it ran all
 * its checks and none failed. (The data-directory scans for plaintext and customer keys are in
 * sse-c.test.ts and sse-kms.test.ts, where the test knows the keys.)
 */
import { describeBoto3Script } from './helpers/boto3.js';

const SECTIONS: [section: string, checks: number][] = [
  ['sse_c', 20],
  ['sse_kms', 15],
  ['post_object', 7],
];

describeBoto3Script('SSE-C and SSE-KMS through boto3 1.26', 'sse.py', SECTIONS);
