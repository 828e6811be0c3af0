import { parseXml, S3Error } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { parseAclXml, renderAcl } from '../codecs/acl.js';
import { aclGrants, cannedAcl, parseGrantHeaders } from './acl.js';

/**
 * Fuzz-style tests of the ACL parsers (AccessControlPolicy XML, x-cos-grant-* headers, canned
 * names): malformed input is MalformedXML, MalformedACLError or InvalidArgument (the codes S3
 * documents for them), never an unexpected error that would become a 500.
 */

const OWNER = 'qcs::cam::uin/100000000001:uin/100000000001';
const resolve = (uin: string) => `qcs::cam::uin/100000000001:uin/${uin}`;
const ACCEPTED = ['ok', 'MalformedXML', 'MalformedACLError', 'InvalidArgument', 'UnresolvableGrantByEmailAddress'];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = `<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner><ID>${OWNER}</ID><DisplayName>100000000001</DisplayName></Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
        <ID>${OWNER}</ID>
      </Grantee>
      <Permission>FULL_CONTROL</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI>http://cam.qcloud.com/groups/global/AllUsers</URI>
      </Grantee>
      <Permission>READ</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>100000000002</ID></Grantee>
      <Permission>WRITE_ACP</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>`;

/** parseXml + parseAclXml, as PUT ?acl runs them; the error code, or 'ok'. Anything but an S3Error escapes. */
function outcome(xml: string): string {
  try {
    const acl = parseAclXml(parseXml(xml, 'AccessControlPolicy'), resolve);
    // What is accepted can be used.
    aclGrants({ owner: acl.owner ?? OWNER, grants: acl.grants }, undefined, 'READ');
    renderAcl({ owner: acl.owner ?? OWNER, grants: acl.grants }, 'cos', (id) => id);
    return 'ok';
  } catch (err) {
    if (err instanceof S3Error) return err.code;
    throw new Error(`ACL parsing threw ${String(err)} for ${xml.slice(0, 300)}`, { cause: err });
  }
}

const FRAGMENTS = [
  '<Grant>',
  '</Grant>',
  '<Grantee>',
  '<Permission>READ</Permission>',
  '<Permission>',
  '<ID></ID>',
  '<URI>http://example.com/nope</URI>',
  '<EmailAddress>a@b.c</EmailAddress>',
  '<AccessControlList/>',
  '<![CDATA[x]]>',
  '&amp;',
  '&bogus;',
  '<!-- c -->',
  '<?pi x?>',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
  '\u0000',
  '<a b="1" b="2"/>',
  '<Grant><Grant></Grant></Grant>',
  '"',
  '>',
];

function mutate(xml: string, r: () => number): string {
  const at = Math.floor(r() * xml.length);
  const to = Math.min(xml.length, at + Math.floor(r() * 80));
  switch (Math.floor(r() * 6)) {
    case 0:
      return xml.slice(0, at);
    case 1:
      return xml.slice(0, at) + xml.slice(to);
    case 2:
      return xml.slice(0, at) + FRAGMENTS[Math.floor(r() * FRAGMENTS.length)] + xml.slice(at);
    case 3:
      return xml.slice(0, to) + xml.slice(at, to) + xml.slice(to);
    case 4: {
      // Swap one element's text for something else.
      const texts = [...xml.matchAll(/>([^<>\s][^<>]*)</g)];
      const m = texts[Math.floor(r() * texts.length)];
      if (!m) return xml;
      const replacement = ['', 'read', 'FULL_CONTROL ', 'WRITE', '*', 'uin/x', '😀', 'x'.repeat(3000)][
        Math.floor(r() * 8)
      ];
      return xml.slice(0, m.index! + 1) + replacement + xml.slice(m.index! + 1 + m[1]!.length);
    }
    default: {
      // Rename one tag (opening or closing only, so sometimes mismatched).
      const tags = [...xml.matchAll(/<\/?([A-Za-z]+)/g)];
      const m = tags[Math.floor(r() * tags.length)];
      if (!m) return xml;
      const name = ['Grant', 'Grantee', 'Owner', 'ID', 'URI', 'Permission', 'AccessControlList', 'X'][
        Math.floor(r() * 8)
      ]!;
      const start = m.index! + m[0].length - m[1]!.length;
      return xml.slice(0, start) + name + xml.slice(start + m[1]!.length);
    }
  }
}

describe('AccessControlPolicy XML under fuzzing', () => {
  it('the seed document is valid', () => {
    expect(outcome(VALID)).toBe('ok');
    const acl = parseAclXml(parseXml(VALID, 'AccessControlPolicy'), resolve);
    expect(acl.grants).toHaveLength(3);
    expect(acl.grants[2]).toEqual({ grantee: { type: 'user', id: resolve('100000000002') }, permission: 'WRITE_ACP' });
  });

  it('3000 random mutations are accepted or refused with a documented code', () => {
    const codes = new Map<string, number>();
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed);
      let xml = VALID;
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) xml = mutate(xml, r);
      const code = outcome(xml);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    for (const code of codes.keys()) expect(ACCEPTED).toContain(code);
    expect(codes.get('MalformedXML')! + (codes.get('MalformedACLError') ?? 0)).toBeGreaterThan(1000);
  });

  it.each([
    [
      'no AccessControlList',
      '<AccessControlPolicy><Owner><ID>x</ID></Owner></AccessControlPolicy>',
      'MalformedACLError',
    ],
    [
      'a Grant without Permission',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>1</ID></Grantee></Grant></AccessControlList></AccessControlPolicy>',
      'MalformedACLError',
    ],
    [
      'an unknown Permission',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>1</ID></Grantee><Permission>OWN</Permission></Grant></AccessControlList></AccessControlPolicy>',
      'MalformedACLError',
    ],
    [
      'an unknown group',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>http://x/y</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
      'MalformedACLError',
    ],
    [
      'an empty Grantee',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee/><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
      'MalformedACLError',
    ],
    [
      'a grant by e-mail',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee><EmailAddress>a@b</EmailAddress></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
      'UnresolvableGrantByEmailAddress',
    ],
    [
      'a grant to an id that names nobody',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>_foo</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
      'InvalidArgument',
    ],
    [
      'two Permissions',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>1</ID></Grantee><Permission>READ</Permission><Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>',
      'MalformedXML',
    ],
    [
      'a Permission holding elements',
      '<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>1</ID></Grantee><Permission><READ/></Permission></Grant></AccessControlList></AccessControlPolicy>',
      'MalformedXML',
    ],
    ['another root element', '<Policy><AccessControlList/></Policy>', 'MalformedXML'],
    ['not XML', '{"acl": "private"}', 'MalformedXML'],
    ['unclosed', '<AccessControlPolicy><AccessControlList>', 'MalformedXML'],
    [
      'a DOCTYPE (entity expansion)',
      '<!DOCTYPE a [<!ENTITY x "y">]><AccessControlPolicy><AccessControlList/></AccessControlPolicy>',
      'MalformedXML',
    ],
    ['empty', '', 'MalformedXML'],
  ])('%s → %s', (_name, xml, code) => {
    expect(outcome(xml)).toBe(code);
  });

  it('a huge ACL (5000 grants) parses', () => {
    const grant = '<Grant><Grantee><ID>100000000009</ID></Grantee><Permission>READ</Permission></Grant>';
    const xml = `<AccessControlPolicy><AccessControlList>${grant.repeat(5000)}</AccessControlList></AccessControlPolicy>`;
    expect(outcome(xml)).toBe('ok');
  });

  it('deep nesting is refused, not a stack overflow', () => {
    const deep = `${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}`;
    const code = outcome(
      `<AccessControlPolicy><AccessControlList><Grant>${deep}</Grant></AccessControlList></AccessControlPolicy>`,
    );
    expect(ACCEPTED).toContain(code);
  });
});

describe('grant headers and canned ACLs under fuzzing', () => {
  it('random header values are grants, InvalidArgument, or UnresolvableGrantByEmailAddress for e-mail grantees', () => {
    const parts = [
      'id="1"',
      'uin="100000000002"',
      'uri="http://cam.qcloud.com/groups/global/AllUsers"',
      'emailAddress="a@b"',
      'id=',
      '"',
      ',',
      ' ',
      'uri="x"',
      'qcs::cam::anyone:anyone',
      'id="qcs::cam::uin/1:uin/2"',
      '=',
      '\u0000',
    ];
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed);
      const value = Array.from({ length: Math.floor(r() * 5) }, () => parts[Math.floor(r() * parts.length)]).join(
        r() < 0.5 ? ',' : '',
      );
      const name = ['x-cos-grant-read', 'x-amz-grant-write', 'x-cos-grant-full-control', 'x-cos-grant-read-acp'][
        Math.floor(r() * 4)
      ]!;
      try {
        const grants = parseGrantHeaders((h) => (h === name ? value : undefined), resolve);
        expect(grants).toBeDefined();
      } catch (err) {
        expect(err, value).toBeInstanceOf(S3Error);
        expect(['InvalidArgument', 'UnresolvableGrantByEmailAddress'], value).toContain((err as S3Error).code);
      }
    }
  });

  it('canned ACL names: the documented ones work, anything else is InvalidArgument', () => {
    for (const name of ['private', 'public-read', 'public-read-write', 'authenticated-read', 'PRIVATE']) {
      expect(cannedAcl(name, 'bucket', OWNER)).toBeDefined();
    }
    for (const name of ['default', 'bucket-owner-read', 'bucket-owner-full-control']) {
      expect(() => cannedAcl(name, 'object', OWNER)).not.toThrow();
      expect(() => cannedAcl(name, 'bucket', OWNER)).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    }
    for (const name of ['', 'public', 'private ', '*', 'x'.repeat(10_000), '\u0000']) {
      expect(() => cannedAcl(name, 'object', OWNER)).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    }
  });
});
