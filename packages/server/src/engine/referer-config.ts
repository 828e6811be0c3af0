import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText, xmlTextOf } from '@coffer/protocol';

/**
 * COS hotlink protection: a bucket's Referer white or black list.
 * https://www.tencentcloud.com/document/product/436/31423 (PUT Bucket referer)
 */
export interface RefererConfiguration {
  enabled: boolean;
  type: 'White-List' | 'Black-List';
  /** As written: `www.example.com`, `www.example.com/path`, `192.168.1.2:8080`, `*.example.com`. */
  domains: string[];
  /** EmptyReferConfiguration: whether a request without a Referer passes (COS default: Deny). */
  allowEmpty: boolean;
}

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

/**
 * Whether a domain entry matches a Referer. COS matches entries as prefixes of the Referer
 * without its scheme, `*` standing for any labels (`*.example.com` covers a.example.com and
 * a.b.example.com, not example.com). An entry without a path must end where the host (or host:port)
 * ends, so `example.com` does not cover `example.com.evil.net`.
 */
export function refererMatches(domain: string, referer: string): boolean {
  const target = referer.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const pattern = domain.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const source = pattern
    .split('*')
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/?#]*');
  const boundary = pattern.includes('/') ? '' : '(?=$|[:/?#])';
  return new RegExp(`^${source}${boundary}`, 'i').test(target);
}

/** Whether the configuration lets a request with this Referer header (undefined or '' when absent) through. */
export function refererAllowed(config: RefererConfiguration, referer: string | undefined): boolean {
  if (!config.enabled) return true;
  if (referer === undefined || referer.trim() === '') return config.allowEmpty;
  const listed = config.domains.some((domain) => refererMatches(domain, referer.trim()));
  return config.type === 'White-List' ? listed : !listed;
}
