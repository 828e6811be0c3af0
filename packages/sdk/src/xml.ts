/**
 * XML as Tencent's SDK shows it to callers: elements become properties, text stays a string (numbers and booleans
 * too: `IsTruncated: 'false'`), repeated elements become arrays, attributes and namespaces are dropped, an empty
 * element is ''. Built on protocol's parser so client and server read XML the same way.
 */
import { buildXml, parseXml, XML_DECLARATION, type XmlNode, type XmlObject } from '@coffer/protocol';

export type JsonValue = string | JsonObject | JsonValue[];
export interface JsonObject {
  [name: string]: JsonValue;
}

function convert(node: XmlNode | XmlNode[]): JsonValue {
  if (Array.isArray(node)) return node.map(convert);
  if (typeof node === 'string') return node;
  const names = Object.keys(node).filter((k) => k !== '#text' && !k.startsWith('@'));
  if (names.length === 0) {
    const text = node['#text'];
    return typeof text === 'string' ? text : '';
  }
  const out: JsonObject = {};
  for (const name of names) out[name] = convert(node[name]!);
  return out;
}

/** A wrapper element, so a root holding only text still parses as a child (protocol's parser wants elements). */
const WRAPPER = 'CofferSdkDocument';

/**
 * `{ Root: {...} }` for an XML document; undefined when it is not well-formed XML.
 *
 * @example
 * xmlToJson('<A><B>1</B><B>2</B></A>'); // { A: { B: ['1', '2'] } }
 */
export function xmlToJson(text: string, options: { validate?: boolean } = {}): JsonObject | undefined {
  const body = text.replace(/^\uFEFF/, '').replace(/^\s*<\?xml[\s\S]*?\?>/, '');
  try {
    const doc = convert(parseXml(`<${WRAPPER}>${body}</${WRAPPER}>`, WRAPPER, options));
    if (typeof doc !== 'object' || Array.isArray(doc)) return undefined;
    const roots = Object.keys(doc);
    if (roots.length !== 1 || Array.isArray(doc[roots[0]!])) return undefined;
    const root = roots[0]!;
    const content = doc[root]!;
    return { [root]: typeof content === 'object' && Object.keys(content).length === 0 ? '' : content };
  } catch {
    return undefined;
  }
}

/**
 * Renders a request body without an XML declaration, as Tencent's SDK does.
 *
 * @example
 * jsonToXml('VersioningConfiguration', { Status: 'Enabled' });
 * // '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'
 */
export function jsonToXml(root: string, body: Record<string, unknown>): string {
  return buildXml(root, body as XmlObject).slice(XML_DECLARATION.length);
}

/**
 * A response body as Tencent's `parseResBody` reads it: XML to an object, a JSON object parsed, anything else kept
 * as a string; an empty body is `{}`. XML is read without the well-formedness pass (as Tencent's lenient xml2json
 * reads it): what a malformed document holds is read as far as it goes. `xmlToJson` itself still validates.
 */
export function parseBody(text: string): JsonObject | string {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (trimmed.startsWith('<')) return xmlToJson(trimmed, { validate: false }) ?? {};
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as JsonObject;
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  return text;
}

/** A value that may be one item or several, as an array (XML with one repeated element parses as a single item). */
export function asArray<T>(value: T | T[] | undefined | null | ''): T[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}
