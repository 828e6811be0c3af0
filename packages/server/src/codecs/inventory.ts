import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText } from '@coffer/protocol';
import { INVENTORY_FIELDS, type InventoryConfiguration, type InventoryField } from '../engine/inventory.js';

const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

function malformed(message: string): S3Error {
  return new S3Error('MalformedXML', message);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T {
  const found = allowed.find((a) => a === value?.trim());
  if (found === undefined) throw malformed(`${what} must be one of ${allowed.join(', ')}.`);
  return found;
}

/** The bucket name in `arn:aws:s3:::name`, `qcs::cos:<region>::name` or a plain name. */
export function destinationBucketName(ref: string): string {
  const arn = /^arn:[^:]+:s3:::(.+)$/.exec(ref);
  if (arn) return arn[1]!;
  const qcs = /^qcs::cos:[^:]*::(.+)$/.exec(ref);
  if (qcs) return qcs[1]!;
  return ref;
}

/**
 * An InventoryConfiguration document, S3's form
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketInventoryConfiguration.html) or
 * COS's (https://www.tencentcloud.com/document/product/436/30625): COS names the destination
 * COSBucketDestination and the bucket `qcs::cos:<region>::<bucket>`. `idParam` is the request's
 * ?id=, which must match the document's Id.
 */
export function parseInventory(doc: { [name: string]: XmlNode | XmlNode[] }, idParam: string): InventoryConfiguration {
  const id = xmlText(doc, 'Id')?.trim();
  if (!id) throw malformed('The InventoryConfiguration needs an Id.');
  if (!ID_PATTERN.test(id)) {
    throw new S3Error(
      'InvalidArgument',
      'The inventory Id is 1-64 letters, digits, hyphens, periods and underscores.',
      {
        details: { ArgumentName: 'Id', ArgumentValue: id },
      },
    );
  }
  if (id !== idParam) {
    throw new S3Error('InvalidArgument', 'The Id in the body does not match the id query parameter.', {
      details: { ArgumentName: 'id', ArgumentValue: idParam },
    });
  }
  const enabled = oneOf(xmlText(doc, 'IsEnabled'), ['true', 'false'], 'IsEnabled') === 'true';
  const destination = xmlChild(doc, 'Destination');
  const s3 = xmlChild(destination, 'S3BucketDestination');
  const cos = xmlChild(destination, 'COSBucketDestination');
  const target = s3 ?? cos;
  if (target === undefined || (s3 && cos)) {
    throw malformed('The Destination holds one S3BucketDestination (or COSBucketDestination).');
  }
  const bucketRef = xmlText(target, 'Bucket')?.trim();
  if (!bucketRef) throw malformed('The destination needs a Bucket.');
  const format = xmlText(target, 'Format')?.trim();
  if (format === 'ORC' || format === 'Parquet') {
    throw new S3Error('NotImplemented', `Coffer writes inventory reports as CSV only, not ${format}.`);
  }
  oneOf(format, ['CSV'], 'Format');
  const encryption = xmlChild(target, 'Encryption');
  const encrypted = encryption !== undefined && xmlChildren(encryption, 'SSE-KMS').length === 0;
  if (encryption !== undefined && !encrypted) {
    throw new S3Error('NotImplemented', 'Coffer encrypts inventory reports with SSE-S3 (SSE-COS) only, not SSE-KMS.');
  }
  const accountId = xmlText(target, 'AccountId')?.trim();
  const filter = xmlChild(doc, 'Filter');
  const filterPrefix = filter !== undefined ? xmlText(filter, 'Prefix') : undefined;
  const includedVersions = oneOf(xmlText(doc, 'IncludedObjectVersions'), ['All', 'Current'], 'IncludedObjectVersions');
  const fields: InventoryField[] = [];
  for (const node of xmlChildren(xmlChild(doc, 'OptionalFields'), 'Field')) {
    const name = typeof node === 'string' ? node.trim() : '';
    const field = INVENTORY_FIELDS.find((f) => f === name);
    if (!field) throw malformed(`Unknown inventory field ${name}; known: ${INVENTORY_FIELDS.join(', ')}.`);
    if (!fields.includes(field)) fields.push(field);
  }
  fields.sort((a, b) => INVENTORY_FIELDS.indexOf(a) - INVENTORY_FIELDS.indexOf(b));
  const frequency = oneOf(xmlText(xmlChild(doc, 'Schedule'), 'Frequency'), ['Daily', 'Weekly'], 'Schedule Frequency');
  return {
    id,
    enabled,
    destinationBucket: destinationBucketName(bucketRef),
    destinationBucketRef: bucketRef,
    destinationPrefix: xmlText(target, 'Prefix') ?? '',
    ...(accountId ? { destinationAccountId: accountId } : {}),
    encrypted,
    format: 'CSV',
    ...(filterPrefix !== undefined && filterPrefix !== '' ? { filterPrefix } : {}),
    includedVersions,
    fields,
    frequency,
    dialect: cos ? 'cos' : 's3',
  };
}

/** One InventoryConfiguration element, as GET and List return it. */
export function renderInventory(config: InventoryConfiguration): XmlObject {
  const destination: XmlObject = {
    Format: config.format,
    ...(config.destinationAccountId !== undefined ? { AccountId: config.destinationAccountId } : {}),
    Bucket: config.destinationBucketRef,
    ...(config.destinationPrefix !== '' ? { Prefix: config.destinationPrefix } : {}),
    ...(config.encrypted ? { Encryption: { [config.dialect === 'cos' ? 'SSE-COS' : 'SSE-S3']: '' } } : {}),
  };
  return {
    Id: config.id,
    IsEnabled: String(config.enabled),
    Destination: { [config.dialect === 'cos' ? 'COSBucketDestination' : 'S3BucketDestination']: destination },
    ...(config.filterPrefix !== undefined ? { Filter: { Prefix: config.filterPrefix } } : {}),
    IncludedObjectVersions: config.includedVersions,
    ...(config.fields.length > 0 ? { OptionalFields: { Field: config.fields } } : {}),
    Schedule: { Frequency: config.frequency },
  };
}
