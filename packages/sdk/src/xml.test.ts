import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { jsonToXml, parseBody, xmlToJson } from './xml.js';

const require = createRequire(import.meta.url);
const TencentCOS = require('cos-nodejs-sdk-v5') as { util: { xml2json(xml: string): unknown } };

/** Response bodies in the shapes COS and Coffer send: namespaces, attributes, entities, pretty-printing, empties. */
const DOCUMENTS: Record<string, string> = {
  'one Contents': `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b-1250000000</Name><Prefix></Prefix><Marker/><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>a/3mb.zip</Key><ETag>&quot;05a9&quot;</ETag><Size>3145728</Size><Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`,
  'many Contents, CommonPrefixes, pretty-printed': `<ListBucketResult>
  <Name>b</Name>
  <Contents><Key> spaced key </Key><Size>1</Size></Contents>
  <Contents><Key>a&amp;b&lt;c</Key><Size>2</Size></Contents>
  <CommonPrefixes><Prefix>a/1/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>a/2/</Prefix></CommonPrefixes>
</ListBucketResult>`,
  'ACL with xsi attributes': `<AccessControlPolicy><Owner><ID>qcs::cam::uin/1:uin/1</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>qcs::cam::uin/1:uin/1</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`,
  error: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Resource>b/k</Resource><RequestId>r1</RequestId><TraceId>t1</TraceId></Error>`,
  'empty root': '<VersioningConfiguration/>',
  'empty root with namespace':
    '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>',
  'UTF-8': '<R><Key>腾讯云 ü</Key></R>',
};

describe('xmlToJson reads responses exactly as Tencent’s SDK (xml2json)', () => {
  it.each(Object.entries(DOCUMENTS))('%s', (_name, xml) => {
    expect(xmlToJson(xml)).toEqual(TencentCOS.util.xml2json(xml));
  });

  it('decodes numeric character references, which Tencent’s SDK leaves as text', () => {
    expect(xmlToJson('<R><Key>a&#x42;&#65;</Key></R>')).toEqual({ R: { Key: 'aBA' } });
    expect(TencentCOS.util.xml2json('<R><Key>a&#x42;&#65;</Key></R>')).toEqual({ R: { Key: 'a&#x42;&#65;' } });
  });

  it.each(Object.entries(DOCUMENTS))('parseBody (no validation pass) reads %s as xmlToJson does', (_name, xml) => {
    expect(parseBody(xml)).toEqual(xmlToJson(xml));
  });

  it('parseBody reads a malformed response as far as it goes, as Tencent’s SDK does', () => {
    expect(parseBody('<a><b></a>')).toEqual(TencentCOS.util.xml2json('<a><b></a>'));
    expect(parseBody('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toEqual({});
  });

  it('leaves malformed XML undefined and keeps non-XML bodies as text', () => {
    expect(xmlToJson('<a><b></a>')).toBeUndefined();
    expect(parseBody('')).toEqual({});
    expect(parseBody('{"Statement":[]}')).toEqual({ Statement: [] });
    expect(parseBody('plain text')).toBe('plain text');
  });

  it('jsonToXml writes repeated elements, booleans and escapes, without a declaration', () => {
    expect(jsonToXml('Delete', { Object: [{ Key: 'a&b' }, { Key: '<c>' }], Quiet: false })).toBe(
      '<Delete><Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object><Quiet>false</Quiet></Delete>',
    );
  });
});
