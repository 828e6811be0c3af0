import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText, xmlTextOf } from '@coffer/protocol';
import type { RefererConfiguration } from '../engine/referer.js';

/** The RefererConfiguration XML of PUT and GET Bucket referer (COS), as the typed configuration engine/referer.ts enforces. */
function enumValue<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (!found) {
    throw new S3Error('InvalidArgument', `${name} must be one of ${allowed.join(', ')}, not "${value}".`, {
      details: { ArgumentName: name, ArgumentValue: value },
    });
  }
  return found;
}

/** Parses and validates a RefererConfiguration document (PUT ?referer). */
export function parseReferer(doc: { [name: string]: XmlNode | XmlNode[] }): RefererConfiguration {
  const status = enumValue(xmlText(doc, 'Status'), ['Enabled', 'Disabled'] as const, 'Status');
  const type = enumValue(xmlText(doc, 'RefererType'), ['White-List', 'Black-List'] as const, 'RefererType');
  if (status === undefined || type === undefined) {
    throw new S3Error('MalformedXML', 'A RefererConfiguration needs a Status and a RefererType.');
  }
  const list = xmlChild(doc, 'DomainList');
  const domains = xmlChildren(list, 'Domain')
    .map((node) => xmlTextOf(node).trim())
    .filter((d) => d !== '');
  if (status === 'Enabled' && list === undefined) {
    throw new S3Error('MalformedXML', 'An enabled RefererConfiguration needs a DomainList.');
  }
  const empty = enumValue(
    xmlText(doc, 'EmptyReferConfiguration'),
    ['Allow', 'Deny'] as const,
    'EmptyReferConfiguration',
  );
  return { enabled: status === 'Enabled', type, domains, allowEmpty: empty === 'Allow' };
}

/** The RefererConfiguration body GET ?referer returns. */
export function renderReferer(config: RefererConfiguration): XmlObject {
  return {
    Status: config.enabled ? 'Enabled' : 'Disabled',
    RefererType: config.type,
    DomainList: { Domain: config.domains },
    EmptyReferConfiguration: config.allowEmpty ? 'Allow' : 'Deny',
  };
}
