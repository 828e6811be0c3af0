import { S3Error, type XmlNode, type XmlObject, xmlChildren, xmlText } from '@coffer/protocol';
import { type BucketEncryption, parseSse } from '../engine/encryption.js';

/**
 * The ServerSideEncryptionConfiguration XML of PUT and GET Bucket encryption: one Rule whose
 * ApplyServerSideEncryptionByDefault names the SSEAlgorithm (S3:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html ; COS:
 * https://www.tencentcloud.com/document/product/436/40136).
 */
export function parseEncryption(doc: { [name: string]: XmlNode | XmlNode[] }): BucketEncryption {
  const rules = xmlChildren(doc, 'Rule');
  if (rules.length !== 1) {
    throw new S3Error('MalformedXML', 'A server-side encryption configuration holds exactly one Rule.');
  }
  const rule = rules[0]!;
  // Tencent's SDK documents (and sends) the container as ApplySideEncryptionConfiguration; COS's API
  // reference and S3 name it ApplyServerSideEncryptionByDefault. Either is taken.
  const container =
    xmlChildren(rule, 'ApplyServerSideEncryptionByDefault')[0] ??
    xmlChildren(rule, 'ApplySideEncryptionConfiguration')[0];
  const algorithm = xmlText(container, 'SSEAlgorithm')?.trim();
  if (algorithm === undefined) {
    throw new S3Error('MalformedXML', 'The Rule needs ApplyServerSideEncryptionByDefault with an SSEAlgorithm.');
  }
  const sse = parseSse(algorithm, 'SSEAlgorithm')!;
  const bucketKey = xmlText(rule, 'BucketKeyEnabled')?.trim();
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') {
    throw new S3Error('MalformedXML', 'BucketKeyEnabled is true or false.');
  }
  const keyId = xmlText(container, 'KMSMasterKeyID')?.trim();
  if (keyId !== undefined && keyId !== '' && sse === 'AES256') {
    throw new S3Error('InvalidArgument', 'KMSMasterKeyID is only valid with the SSEAlgorithm aws:kms (cos/kms).', {
      details: { ArgumentName: 'KMSMasterKeyID', ArgumentValue: keyId },
    });
  }
  return {
    algorithm: algorithm === 'KMS' ? 'KMS' : sse,
    ...(keyId !== undefined && keyId !== '' ? { kmsKeyId: keyId } : {}),
    ...(bucketKey !== undefined ? { bucketKeyEnabled: bucketKey === 'true' } : {}),
  };
}

/** The ServerSideEncryptionConfiguration body GET ?encryption returns. */
export function renderEncryption(config: BucketEncryption): XmlObject {
  return {
    Rule: {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: config.algorithm,
        ...(config.kmsKeyId !== undefined ? { KMSMasterKeyID: config.kmsKeyId } : {}),
      },
      ...(config.bucketKeyEnabled !== undefined ? { BucketKeyEnabled: String(config.bucketKeyEnabled) } : {}),
    },
  };
}
