import { S3Error, type XmlNode, type XmlObject, xmlText } from '@coffer/protocol';
import { NO_BLOCK, type PublicAccessBlock } from '../authz/public-access.js';

/** The XML form of Block Public Access (the flags' meaning: authz/public-access.ts). */
const FLAGS = [
  ['BlockPublicAcls', 'blockPublicAcls'],
  ['IgnorePublicAcls', 'ignorePublicAcls'],
  ['BlockPublicPolicy', 'blockPublicPolicy'],
  ['RestrictPublicBuckets', 'restrictPublicBuckets'],
] as const;

function flagValue(name: string, text: string | undefined): boolean {
  if (text === undefined) return false;
  const value = text.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new S3Error('MalformedXML', `${name} must be true or false, not "${text.trim()}".`);
}

/** The PublicAccessBlockConfiguration body of PUT ?publicAccessBlock; a flag left out is false, as in S3. */
export function parsePublicAccessBlock(doc: { [name: string]: XmlNode | XmlNode[] }): PublicAccessBlock {
  const out = { ...NO_BLOCK };
  for (const [xml, field] of FLAGS) out[field] = flagValue(xml, xmlText(doc, xml));
  return out;
}

/** The body GET ?publicAccessBlock answers with. */
export function renderPublicAccessBlock(block: PublicAccessBlock): XmlObject {
  return Object.fromEntries(FLAGS.map(([xml, field]) => [xml, block[field]]));
}

/**
 * The admin API's JSON form (`{"blockPublicAcls": true, …}`; S3's PascalCase names are accepted
 * too). Anything else is 400 InvalidArgument.
 */
export function parsePublicAccessBlockJson(body: Record<string, unknown>): PublicAccessBlock {
  const out = { ...NO_BLOCK };
  for (const [name, value] of Object.entries(body)) {
    const flag = FLAGS.find(([xml, field]) => name === xml || name === field);
    if (!flag || typeof value !== 'boolean') {
      throw new S3Error(
        'InvalidArgument',
        `Unknown field or non-boolean value "${name}": use blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets.`,
      );
    }
    out[flag[1]] = value;
  }
  return out;
}
