import { S3Error, type XmlNode, type XmlObject, xmlText } from '@coffer/protocol';

/**
 * The RecycleConfiguration XML of PUT and GET Bucket ?recycle, Coffer's own (docs/recycle-bin.md):
 * `<RecycleConfiguration><Status>Enabled</Status><Days>7</Days></RecycleConfiguration>`.
 * The retention's range is the engine's rule (engine/recycle.ts).
 */
export function parseRecycle(root: { [name: string]: XmlNode | XmlNode[] }): { days: number | null } {
  const status = xmlText(root, 'Status')?.trim();
  if (status === 'Disabled') return { days: null };
  if (status !== 'Enabled')
    throw new S3Error('MalformedXML', 'RecycleConfiguration Status must be Enabled or Disabled.');
  const days = xmlText(root, 'Days');
  if (days === undefined || !/^\d{1,9}$/.test(days.trim())) {
    throw new S3Error('InvalidArgument', 'An Enabled RecycleConfiguration needs Days, a whole number of days.', {
      details: { ArgumentName: 'Days', ArgumentValue: days ?? '' },
    });
  }
  return { days: Number(days) };
}

/** The body GET ?recycle returns: Disabled, or Enabled with its Days. */
export function renderRecycle(days: number | undefined): XmlObject {
  return days === undefined ? { Status: 'Disabled' } : { Status: 'Enabled', Days: days };
}
