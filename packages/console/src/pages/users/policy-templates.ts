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

/**
 * The same two templates in COS policy syntax (https://www.tencentcloud.com/document/product/436/18023): a user
 * policy has no principal; resources name the bucket with the account's APPID and the bucket's region.
 */
const cosResource = (region: string, appId: string, bucket: string, key?: string) =>
  `qcs::cos:${region}:uid/${appId}:${bucket}${key === undefined ? '' : `/${key}`}`;

export function cosReadOnlyBucket(bucket: string, region: string, appId: string) {
  return {
    version: '2.0',
    statement: [
      { effect: 'allow', action: ['name/cos:GetService'], resource: ['*'] },
      {
        effect: 'allow',
        action: ['name/cos:HeadBucket', 'name/cos:GetBucket', 'name/cos:GetBucketLocation'],
        resource: [cosResource(region, appId, bucket)],
      },
      {
        effect: 'allow',
        action: ['name/cos:GetObject', 'name/cos:HeadObject'],
        resource: [cosResource(region, appId, bucket, '*')],
      },
    ],
  };
}

export function cosUploaderToPrefix(bucket: string, region: string, appId: string, prefix: string) {
  return {
    version: '2.0',
    statement: [
      {
        effect: 'allow',
        action: [
          'name/cos:PutObject',
          'name/cos:PostObject',
          'name/cos:InitiateMultipartUpload',
          'name/cos:UploadPart',
          'name/cos:CompleteMultipartUpload',
          'name/cos:AbortMultipartUpload',
          'name/cos:ListParts',
        ],
        resource: [cosResource(region, appId, bucket, `${prefix}*`)],
      },
    ],
  };
}
