import { S3Error, type XmlNode, type XmlObject, xmlText } from '@coffer/protocol';

/**
 * The VersioningConfiguration XML of PUT and GET Bucket versioning.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
 */
export function parseVersioning(doc: { [name: string]: XmlNode | XmlNode[] }): {
  status?: 'Enabled' | 'Suspended';
} {
  const status = xmlText(doc, 'Status')?.trim();
  const mfaDelete = xmlText(doc, 'MfaDelete')?.trim();
  if (mfaDelete !== undefined && mfaDelete !== 'Disabled') {
    throw new S3Error('NotImplemented', 'MFA Delete is not supported.');
  }
  if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') {
    throw new S3Error('MalformedXML', `Versioning Status must be Enabled or Suspended, not "${status}".`);
  }
  return status !== undefined ? { status } : {};
}

/** The VersioningConfiguration body GET ?versioning returns: empty for a bucket that never had versioning. */
export function renderVersioning(versioning: string): XmlObject {
  return versioning === '' ? {} : { Status: versioning };
}
