import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

// \r is escaped too: XML parsers turn a literal CR into LF, which would change a key.
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b-\u001f\u007f]/;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for an XML element or attribute. Control characters (which XML 1.0 cannot carry
 * literally) are written as numeric references, as S3 does for keys that contain them.
 */
export function escapeXml(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[&<>"'\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => {
    return XML_ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
  });
}

/**
 * Already-rendered XML, inserted as is: for hot paths (listing entries) that render their elements
 * with a template instead of the generic walk. The producer escapes what it interpolates.
 */
export class XmlRaw {
  constructor(readonly xml: string) {}
}

/** A value the builder renders: a string/number/boolean is text, an array repeats the element, an object nests. */
export type XmlValue = string | number | boolean | bigint | null | undefined | XmlRaw | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/**
 * Renders `{ Root: { A: '1', B: [{ C: 'x' }, { C: 'y' }] } }` as XML with the declaration.
 * `undefined`/`null` members are left out; an empty string renders `<A></A>`; members named
 * `@name` are attributes of their element.
 *
 * @example
 * buildXml('ListAllMyBucketsResult', { Owner: { ID: 'x' } }, { xmlns: S3_XMLNS })
 */
export function buildXml(root: string, body: XmlObject, attributes: Record<string, string> = {}): string {
  const parts: string[] = [XML_DECLARATION, '<', root];
  for (const [name, value] of Object.entries(attributes)) parts.push(' ', name, '="', escapeXml(value), '"');
  parts.push('>');
  writeObject(parts, body);
  parts.push('</', root, '>');
  return parts.join('');
}

function writeObject(parts: string[], body: XmlObject): void {
  for (const [name, value] of Object.entries(body)) writeValue(parts, name, value);
}

/** Under this name, an array of objects is written inline, in order: for interleaved siblings of different names. */
export const XML_SEQUENCE = '#sequence';

function writeValue(parts: string[], name: string, value: XmlValue): void {
  if (value === undefined || value === null) return;
  if (value instanceof XmlRaw) {
    parts.push(value.xml);
    return;
  }
  if (name === XML_SEQUENCE && Array.isArray(value)) {
    for (const item of value) {
      if (item instanceof XmlRaw) parts.push(item.xml);
      else if (item && typeof item === 'object' && !Array.isArray(item)) writeObject(parts, item);
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) writeValue(parts, name, item);
    return;
  }
  parts.push('<', name);
  if (typeof value === 'object') {
    // Members named '@attr' are the element's attributes.
    for (const [attr, attrValue] of Object.entries(value)) {
      if (attr.startsWith('@') && attrValue !== undefined && attrValue !== null) {
        parts.push(' ', attr.slice(1), '="', escapeXml(String(attrValue)), '"');
      }
    }
    parts.push('>');
    for (const [child, childValue] of Object.entries(value))
      if (!child.startsWith('@')) writeValue(parts, child, childValue);
  } else parts.push('>', escapeXml(String(value)));
  parts.push('</', name, '>');
}

/** A parsed element: text content, or children by name (a name that repeats holds an array). */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Object keys may begin or end with spaces: never trim element text.
  trimValues: false,
  // Entities are decoded after parsing (decodeTree), keeping every code point: the parser would
  // drop references to control characters, and keys may hold them.
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // No callbacks read the path, so don't render it as a string at every tag: parsing a 1,000-entry listing took
  // 2-3x as long with the default (bench/cli.js downloads parse one listing page per 1,000 files).
  jPath: false,
});

export interface ParseXmlOptions {
  /**
   * Check that the document is well-formed before parsing it (default true: the server's request bodies, and
   * anything from an untrusted source). Without it, the parser reads what it can of a malformed document instead
   * of refusing it, as Tencent's SDK reads responses: @coffer/sdk parses response bodies so, sparing the validator's
   * second pass over every listing page.
   */
  validate?: boolean;
}

/**
 * Parses a request body and returns its root element, checking the root's name.
 * Anything that is not one well-formed XML document with that root is MalformedXML.
 * DOCTYPEs are refused outright: no entity expansion from a request body.
 */
export function parseXml(
  body: string,
  expectedRoot: string,
  options: ParseXmlOptions = {},
): { [name: string]: XmlNode | XmlNode[] } {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (text === '' || /<!DOCTYPE/i.test(text)) throw new S3Error('MalformedXML');
  if (options.validate !== false && XMLValidator.validate(text) !== true) throw new S3Error('MalformedXML');
  let doc: Record<string, unknown>;
  try {
    doc = decodeTree(parser.parse(text)) as Record<string, unknown>;
  } catch (err) {
    throw new S3Error('MalformedXML', undefined, { cause: err });
  }
  const roots = Object.keys(doc).filter((name) => name !== '#text');
  if (roots.length !== 1 || roots[0] !== expectedRoot) {
    throw new S3Error('MalformedXML', `The XML you provided did not have the root element ${expectedRoot}.`);
  }
  const root = doc[expectedRoot];
  if (Array.isArray(root)) throw new S3Error('MalformedXML');
  if (root === '' || root === undefined) return {};
  if (typeof root !== 'object' || root === null) throw new S3Error('MalformedXML');
  return root as { [name: string]: XmlNode | XmlNode[] };
}

type XmlElement = { [name: string]: XmlNode | XmlNode[] };

/** All children of `node` named `name` (0, 1 or many), ignoring whitespace text between elements. */
export function xmlChildren(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The single child element `name` (MalformedXML when it repeats), or undefined. */
export function xmlChild(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode | undefined {
  const all = xmlChildren(node, name);
  if (all.length > 1) throw new S3Error('MalformedXML', `The XML you provided has more than one <${name}>.`);
  return all[0];
}

/** Text of the child `name`; undefined when absent; MalformedXML when it holds elements instead of text. */
export function xmlText(node: XmlNode | XmlNode[] | undefined, name: string): string | undefined {
  const child = xmlChild(node, name);
  if (child === undefined) return undefined;
  return xmlTextOf(child);
}

/** Text of an element already in hand (an element with only whitespace and attributes counts as its text). */
export function xmlTextOf(node: XmlNode): string {
  if (typeof node === 'string') return node;
  const elements = Object.keys(node).filter((k) => k !== '#text' && !k.startsWith('@'));
  if (elements.length > 0) throw new S3Error('MalformedXML');
  const text = (node as XmlElement)['#text'];
  return typeof text === 'string' ? text : '';
}

/** Decodes entities in every string of a parsed document (text and attributes), once. */
function decodeTree(value: unknown): unknown {
  if (typeof value === 'string') return decodeEntities(value);
  if (Array.isArray(value)) return value.map(decodeTree);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeTree(v);
    return out;
  }
  return value;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references (any code point, control characters too). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]+));/g, (whole, hex, dec, name) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? whole;
    const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
    return code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

/** Names of the child elements of `node` (attributes and text left out). */
export function xmlElementNames(node: XmlNode | undefined): string[] {
  if (node === undefined || typeof node === 'string') return [];
  return Object.keys(node).filter((k) => k !== '#text' && !k.startsWith('@'));
}
