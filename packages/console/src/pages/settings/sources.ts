/**
 * Where each bucket setting is read and written: the SDK's methods (CORS, policy, encryption) or, for the
 * sub-resources it has no method for (tagging, referer, object lock), the signed XML request of
 * api/session.ts. Each read turns the server's "not configured" error into "none".
 */
import { bucketXml, cos } from '../../api/session.js';
import { type ConfigSource, unlessMissing } from '../../components/ui/config-editor.js';

const json = (value: unknown) => JSON.stringify(value, null, 2);

export function corsSource(Bucket: string, Region: string): ConfigSource {
  return {
    load: async () => {
      const got = await unlessMissing(cos().getBucketCors({ Bucket, Region }), ['NoSuchCORSConfiguration']);
      return got && got.CORSRules.length > 0 ? json(got.CORSRules) : undefined;
    },
    save: (text) => cos().putBucketCors({ Bucket, Region, CORSRules: JSON.parse(text) }),
    remove: () => cos().deleteBucketCors({ Bucket, Region }),
  };
}

export function policySource(Bucket: string, Region: string): ConfigSource {
  return {
    load: async () => {
      const got = await unlessMissing(cos().getBucketPolicy({ Bucket, Region }), ['NoSuchBucketPolicy']);
      return got ? json(got.Policy) : undefined;
    },
    // Sent as typed: the server validates it and its MalformedPolicy message names what is wrong.
    save: (text) => cos().putBucketPolicy({ Bucket, Region, Policy: text }),
    remove: () => cos().deleteBucketPolicy({ Bucket, Region }),
  };
}

/** A sub-resource the SDK has no method for, as XML. */
export function xmlSource(Bucket: string, subresource: string, missing: string[]): ConfigSource {
  return {
    load: async () => {
      const text = await unlessMissing(bucketXml('GET', Bucket, subresource), missing);
      return text ? prettyXml(text) : undefined;
    },
    save: (text) => bucketXml('PUT', Bucket, subresource, text),
    remove: () => bucketXml('DELETE', Bucket, subresource),
  };
}

/** Indents an XML document for reading (the server sends it on one line). */
export function prettyXml(text: string): string {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0) return text;
  const out: string[] = [];
  const walk = (node: Element, depth: number) => {
    const pad = '  '.repeat(depth);
    const children = [...node.children];
    const name = node.tagName;
    if (children.length === 0) out.push(`${pad}<${name}>${escapeXml(node.textContent ?? '')}</${name}>`);
    else {
      out.push(`${pad}<${name}>`);
      for (const child of children) walk(child, depth + 1);
      out.push(`${pad}</${name}>`);
    }
  };
  walk(doc.documentElement, 0);
  return out.join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
