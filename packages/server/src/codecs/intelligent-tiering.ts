import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText } from '@coffer/protocol';
import type { CosTieringConfiguration, TieringConfiguration } from '../engine/intelligent-tiering.js';

type Doc = { [name: string]: XmlNode | XmlNode[] };

/** Days bounds S3 sets for each archive tier (PutBucketIntelligentTieringConfiguration). */
const DAYS = { ARCHIVE_ACCESS: [90, 730], DEEP_ARCHIVE_ACCESS: [180, 730] } as const;

function tags(node: XmlNode | undefined): { key: string; value: string }[] {
  if (node === undefined || typeof node === 'string') return [];
  return xmlChildren(node, 'Tag').map((tag) => {
    const key = typeof tag === 'string' ? undefined : xmlText(tag, 'Key');
    const value = typeof tag === 'string' ? undefined : xmlText(tag, 'Value');
    if (key === undefined || value === undefined)
      throw new S3Error('MalformedXML', 'Each Tag needs a Key and a Value.');
    return { key, value };
  });
}

/**
 * S3's IntelligentTieringConfiguration (PUT ?intelligent-tiering&id=…):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketIntelligentTieringConfiguration.html
 * Id (the query's), an optional Filter (Prefix, Tag, or And of them), Status, and one or two Tierings.
 */
export function parseTieringConfiguration(doc: Doc, id: string): TieringConfiguration {
  const docId = xmlText(doc, 'Id')?.trim();
  if (docId !== id) {
    throw new S3Error('InvalidArgument', 'The Id of the configuration must be the id query parameter.', {
      details: { ArgumentName: 'Id', ArgumentValue: docId ?? '' },
    });
  }
  const status = xmlText(doc, 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Disabled') {
    throw new S3Error('MalformedXML', 'Status is Enabled or Disabled.');
  }
  const filter = xmlChild(doc, 'Filter');
  const and = filter && typeof filter !== 'string' ? xmlChild(filter, 'And') : undefined;
  const scope = and && typeof and !== 'string' ? and : filter && typeof filter !== 'string' ? filter : undefined;
  const prefix = scope ? xmlText(scope, 'Prefix') : undefined;
  const filterTags = tags(scope);
  const tierings = xmlChildren(doc, 'Tiering').map((node): TieringConfiguration['tierings'][number] => {
    const accessTier = typeof node === 'string' ? undefined : xmlText(node, 'AccessTier')?.trim();
    const daysText = typeof node === 'string' ? undefined : xmlText(node, 'Days')?.trim();
    if (accessTier !== 'ARCHIVE_ACCESS' && accessTier !== 'DEEP_ARCHIVE_ACCESS') {
      throw new S3Error('MalformedXML', 'AccessTier is ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS.');
    }
    const days = Number(daysText);
    const [min, max] = DAYS[accessTier];
    if (daysText === undefined || !/^\d+$/.test(daysText) || days < min || days > max) {
      throw new S3Error('InvalidArgument', `Days of ${accessTier} must be between ${min} and ${max}.`, {
        details: { ArgumentName: 'Days', ArgumentValue: daysText ?? '' },
      });
    }
    return { accessTier, days };
  });
  if (tierings.length === 0 || new Set(tierings.map((t) => t.accessTier)).size !== tierings.length) {
    throw new S3Error('MalformedXML', 'A configuration has one Tiering per access tier, at least one.');
  }
  const archive = tierings.find((t) => t.accessTier === 'ARCHIVE_ACCESS');
  const deep = tierings.find((t) => t.accessTier === 'DEEP_ARCHIVE_ACCESS');
  if (archive && deep && deep.days <= archive.days) {
    throw new S3Error('InvalidArgument', 'DEEP_ARCHIVE_ACCESS Days must be more than ARCHIVE_ACCESS Days.');
  }
  return {
    id,
    status,
    ...(prefix !== undefined && prefix !== '' ? { prefix } : {}),
    ...(filterTags.length > 0 ? { tags: filterTags } : {}),
    tierings,
  };
}

export function renderTieringConfiguration(config: TieringConfiguration): XmlObject {
  const tagXml = (config.tags ?? []).map((t) => ({ Key: t.key, Value: t.value }));
  const parts = (config.prefix !== undefined ? 1 : 0) + tagXml.length;
  const filter =
    parts === 0
      ? {}
      : parts === 1
        ? config.prefix !== undefined
          ? { Prefix: config.prefix }
          : { Tag: tagXml }
        : { And: { ...(config.prefix !== undefined ? { Prefix: config.prefix } : {}), Tag: tagXml } };
  return {
    Id: config.id,
    ...(parts > 0 ? { Filter: filter } : {}),
    Status: config.status,
    Tiering: config.tierings.map((t) => ({ AccessTier: t.accessTier, Days: t.days })),
  };
}

/**
 * COS's bucket-wide IntelligentTieringConfiguration (PUT ?intelligenttiering):
 * https://www.tencentcloud.com/document/product/436/33702 — Status, and Transition's Days (30, 60 or
 * 90 days without access before INFREQUENT) and RequestFrequent (1).
 */
export function parseCosTieringConfiguration(doc: Doc): CosTieringConfiguration {
  const status = xmlText(doc, 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Suspended') {
    throw new S3Error('MalformedXML', 'Status is Enabled or Suspended.');
  }
  const transition = xmlChild(doc, 'Transition');
  const scope = transition && typeof transition !== 'string' ? transition : undefined;
  const daysText = scope ? xmlText(scope, 'Days')?.trim() : undefined;
  const days = daysText === undefined ? 30 : Number(daysText);
  if (![30, 60, 90].includes(days)) {
    throw new S3Error('InvalidArgument', 'Transition Days is 30, 60 or 90.', {
      details: { ArgumentName: 'Days', ArgumentValue: daysText ?? '' },
    });
  }
  const frequentText = scope ? xmlText(scope, 'RequestFrequent')?.trim() : undefined;
  if (frequentText !== undefined && frequentText !== '1') {
    throw new S3Error('InvalidArgument', 'RequestFrequent is 1.', {
      details: { ArgumentName: 'RequestFrequent', ArgumentValue: frequentText },
    });
  }
  return { status, days, requestFrequent: 1 };
}

export function renderCosTieringConfiguration(config: CosTieringConfiguration | undefined): XmlObject {
  return {
    Status: config?.status ?? 'Suspended',
    Transition: { Days: config?.days ?? 30, RequestFrequent: config?.requestFrequent ?? 1 },
  };
}
