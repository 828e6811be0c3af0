import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText } from '@coffer/protocol';
import type { Tag } from '../engine/tagging.js';

/** The <Tagging> document of PUT and GET Object/Bucket tagging; the tag rules are engine/tagging.ts's. */
/** Reads the `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` document (its root already checked). */
export function parseTaggingXml(doc: { [name: string]: XmlNode | XmlNode[] }): Tag[] {
  const tagSet = xmlChild(doc, 'TagSet');
  if (tagSet === undefined) throw new S3Error('MalformedXML', 'A Tagging document needs a TagSet.');
  return xmlChildren(tagSet, 'Tag').map((node) => {
    const key = typeof node === 'string' ? undefined : xmlText(node, 'Key');
    const value = typeof node === 'string' ? undefined : xmlText(node, 'Value');
    if (key === undefined || value === undefined) {
      throw new S3Error('MalformedXML', 'Each Tag needs a Key and a Value.');
    }
    return { key, value };
  });
}

/** The body of GET ?tagging (the `Tagging` root's children). */
export function renderTaggingXml(tags: Tag[]): XmlObject {
  return { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } };
}
