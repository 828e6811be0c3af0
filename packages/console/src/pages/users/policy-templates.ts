/**
 * Policy templates (docs/admin-api.md). In S3 syntax: its resources name the bucket without the account's
 * APPID, which the console does not know (bucket names carry an APPID suffix that need not be the server's).
 */
export function readOnlyBucket(bucket: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      // ListAllMyBuckets lists the account's buckets; the console shows a sub-user only those it may open.
      { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: [`arn:aws:s3:::${bucket}`] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
}

export function uploaderToPrefix(bucket: string, prefix: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: [`arn:aws:s3:::${bucket}/${prefix}*`],
      },
    ],
  };
}
