import { describe, expect, it } from 'vitest';
import { buildXml, escapeXml, parseXml, xmlChildren, xmlText } from './index.js';

/** Keys with characters XML makes awkward. */
const CONTROL_KEY = 'a\u0001b\rc\td';
const MARKUP_KEY = '<a & "b"> \'c\'';
const UNICODE_KEY = '腾讯云 😀';

describe('XML', () => {
  it('round-trips awkward text through the builder and the parser', () => {
    for (const key of [CONTROL_KEY, MARKUP_KEY, UNICODE_KEY, ' leading and trailing ']) {
      const xml = buildXml('Delete', { Object: { Key: key } });
      expect(xmlText(xmlChildren(parseXml(xml, 'Delete'), 'Object')[0], 'Key')).toBe(key);
    }
  });

  it('decodes numeric references to control characters, as clients send them', () => {
    const doc = parseXml('<Delete><Object><Key>a&#x1;b&#13;&amp;&quot;</Key></Object></Delete>', 'Delete');
    expect(xmlText(xmlChildren(doc, 'Object')[0], 'Key')).toBe('a\u0001b\r&"');
  });

  it('escapes CR so parsers do not turn it into LF', () => {
    expect(escapeXml('a\rb')).toBe('a&#xD;b');
  });

  it('refuses documents with the wrong root, several roots, or a DOCTYPE', () => {
    expect(() => parseXml('<A/>', 'B')).toThrow(/root element B/);
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><A>&a;</A>', 'A')).toThrow();
    expect(() => parseXml('<A></B>', 'A')).toThrow();
  });
});
