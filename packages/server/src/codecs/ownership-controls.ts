import { S3Error, type XmlNode, type XmlObject, xmlChildren, xmlText } from '@coffer/protocol';
import type { ObjectOwnership } from '../authz/public-access.js';

/** The XML and header forms of Object Ownership (its meaning: authz/public-access.ts). */
export const OBJECT_OWNERSHIPS: readonly ObjectOwnership[] = [
  'BucketOwnerEnforced',
  'BucketOwnerPreferred',
  'ObjectWriter',
];

/** A value of `x-amz-object-ownership` or of the XML's ObjectOwnership; anything else is 400 InvalidArgument. */
export function parseObjectOwnership(value: string): ObjectOwnership {
  const found = OBJECT_OWNERSHIPS.find((o) => o === value.trim());
  if (!found) {
    throw new S3Error(
      'InvalidArgument',
      `Invalid x-amz-object-ownership value "${value}": use ${OBJECT_OWNERSHIPS.join(', ')}.`,
      { details: { ArgumentName: 'x-amz-object-ownership', ArgumentValue: value } },
    );
  }
  return found;
}

/** The OwnershipControls body of PUT ?ownershipControls: exactly one rule. */
export function parseOwnershipControls(doc: { [name: string]: XmlNode | XmlNode[] }): ObjectOwnership {
  const rules = xmlChildren(doc, 'Rule');
  if (rules.length !== 1) throw new S3Error('MalformedXML', 'OwnershipControls must hold exactly one Rule.');
  const value = xmlText(rules[0], 'ObjectOwnership');
  if (value === undefined) throw new S3Error('MalformedXML', 'The Rule has no ObjectOwnership.');
  const found = OBJECT_OWNERSHIPS.find((o) => o === value.trim());
  if (!found) throw new S3Error('MalformedXML', `ObjectOwnership must be one of ${OBJECT_OWNERSHIPS.join(', ')}.`);
  return found;
}

export function renderOwnershipControls(ownership: ObjectOwnership): XmlObject {
  return { Rule: { ObjectOwnership: ownership } };
}
