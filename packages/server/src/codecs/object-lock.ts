import { S3Error, type XmlNode, type XmlObject, xmlChildren, xmlText } from '@coffer/protocol';
import type { BucketLockConfiguration, RetentionMode } from '../engine/object-lock.js';
import type { Retention } from '../stores/types.js';

/**
 * The object lock XML: the bucket's ObjectLockConfiguration (?object-lock), a version's Retention
 * (?retention) and LegalHold (?legal-hold), and the mode, date and ON/OFF values they share with
 * the x-amz-object-lock-* headers. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
type XmlDoc = { [name: string]: XmlNode | XmlNode[] };

const MODES: readonly RetentionMode[] = ['GOVERNANCE', 'COMPLIANCE'];

export function parseMode(
  value: string,
  argumentName: string,
  code: 'InvalidArgument' | 'MalformedXML',
): RetentionMode {
  if (!(MODES as readonly string[]).includes(value)) {
    throw new S3Error(code, `Unknown object lock mode "${value}": GOVERNANCE or COMPLIANCE.`, {
      ...(code === 'InvalidArgument' ? { details: { ArgumentName: argumentName, ArgumentValue: value } } : {}),
    });
  }
  return value as RetentionMode;
}

export function parseRetainUntil(
  value: string,
  argumentName: string,
  code: 'InvalidArgument' | 'MalformedXML',
): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new S3Error(code, `The retain until date "${value}" is not an ISO 8601 date and time.`, {
      ...(code === 'InvalidArgument' ? { details: { ArgumentName: argumentName, ArgumentValue: value } } : {}),
    });
  }
  return ms;
}

export function parseOnOff(value: string, argumentName: string, code: 'InvalidArgument' | 'MalformedXML'): boolean {
  if (value !== 'ON' && value !== 'OFF') {
    throw new S3Error(code, `A legal hold status is ON or OFF, not "${value}".`, {
      ...(code === 'InvalidArgument' ? { details: { ArgumentName: argumentName, ArgumentValue: value } } : {}),
    });
  }
  return value === 'ON';
}

/** An ObjectLockConfiguration body (PUT ?object-lock). */
export function parseLockConfiguration(doc: XmlDoc): BucketLockConfiguration {
  const enabled = xmlText(doc, 'ObjectLockEnabled')?.trim();
  if (enabled !== 'Enabled') {
    throw new S3Error('MalformedXML', 'ObjectLockEnabled must be "Enabled": object lock cannot be turned off.');
  }
  const config: BucketLockConfiguration = { enabled: true };
  const rule = xmlChildren(doc, 'Rule')[0];
  if (rule !== undefined) {
    const retention = xmlChildren(rule, 'DefaultRetention')[0];
    if (retention === undefined) throw new S3Error('MalformedXML', 'A Rule needs a DefaultRetention.');
    const mode = xmlText(retention, 'Mode')?.trim();
    const days = xmlText(retention, 'Days')?.trim();
    const years = xmlText(retention, 'Years')?.trim();
    if ((days === undefined) === (years === undefined)) {
      throw new S3Error('MalformedXML', 'A DefaultRetention has either Days or Years.');
    }
    const period = Number(days ?? years);
    if (!Number.isInteger(period) || period <= 0 || !/^\d+$/.test(days ?? years ?? '')) {
      throw new S3Error('InvalidRetentionPeriod', 'Default retention period must be a positive integer value.');
    }
    config.rule = {
      // COS's DefaultRetention has Days only; its locks behave as COMPLIANCE.
      mode: mode === undefined ? 'COMPLIANCE' : parseMode(mode, 'Mode', 'MalformedXML'),
      ...(days !== undefined ? { days: period } : { years: period }),
    };
  }
  return config;
}

/** The ObjectLockConfiguration body GET ?object-lock returns. */
export function renderLockConfiguration(config: BucketLockConfiguration): XmlObject {
  return {
    ObjectLockEnabled: 'Enabled',
    ...(config.rule
      ? {
          Rule: {
            DefaultRetention: {
              Mode: config.rule.mode,
              ...(config.rule.days !== undefined ? { Days: String(config.rule.days) } : {}),
              ...(config.rule.years !== undefined ? { Years: String(config.rule.years) } : {}),
            },
          },
        }
      : {}),
  };
}

/** A Retention body (PUT ?retention); an empty one (undefined) removes the retention. */
export function parseRetention(doc: XmlDoc): Retention | undefined {
  const mode = xmlText(doc, 'Mode')?.trim();
  const until = xmlText(doc, 'RetainUntilDate')?.trim();
  if ((mode === undefined) !== (until === undefined)) {
    throw new S3Error('MalformedXML', 'A Retention has both Mode and RetainUntilDate, or neither.');
  }
  const retention: Retention | undefined =
    mode !== undefined && until !== undefined
      ? {
          mode: parseMode(mode, 'Mode', 'MalformedXML'),
          untilMs: parseRetainUntil(until, 'RetainUntilDate', 'MalformedXML'),
        }
      : undefined;
  return retention;
}

export function renderRetention(retention: Retention): XmlObject {
  return { Mode: retention.mode, RetainUntilDate: new Date(retention.untilMs).toISOString() };
}

/** A LegalHold body (PUT ?legal-hold): whether the hold is ON. */
export function parseLegalHold(doc: XmlDoc): boolean {
  const status = xmlText(doc, 'Status')?.trim();
  if (status === undefined) throw new S3Error('MalformedXML', 'A LegalHold has a Status, ON or OFF.');
  const on = parseOnOff(status, 'Status', 'MalformedXML');
  return on;
}

export function renderLegalHold(on: boolean): XmlObject {
  return { Status: on ? 'ON' : 'OFF' };
}
