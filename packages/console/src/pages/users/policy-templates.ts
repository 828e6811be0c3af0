/** Policy templates in COS syntax (docs/admin-api.md): read-only on one bucket, uploader to a prefix. */
export function readOnlyBucket(region: string, appId: string, bucket: string) {
  return {
    version: '2.0',
    statement: [
      // GetService lists the account's buckets; the console shows a sub-user only those it may open.
      { effect: 'allow', action: ['name/cos:GetService'], resource: ['*'] },
      {
        effect: 'allow',
        action: ['name/cos:HeadBucket', 'name/cos:GetBucket', 'name/cos:GetObject', 'name/cos:HeadObject'],
        resource: [`qcs::cos:${region}:uid/${appId}:${bucket}/*`],
      },
    ],
  };
}

export function uploaderToPrefix(region: string, appId: string, bucket: string, prefix: string) {
  return {
    version: '2.0',
    statement: [
      {
        effect: 'allow',
        action: [
          'name/cos:PutObject',
          'name/cos:InitiateMultipartUpload',
          'name/cos:UploadPart',
          'name/cos:CompleteMultipartUpload',
          'name/cos:AbortMultipartUpload',
          'name/cos:ListParts',
        ],
        resource: [`qcs::cos:${region}:uid/${appId}:${bucket}/${prefix}*`],
      },
    ],
  };
}
