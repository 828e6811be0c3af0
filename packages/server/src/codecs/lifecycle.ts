import { randomBytes } from 'node:crypto';
import {
  S3Error,
  type XmlNode,
  type XmlObject,
  xmlChild,
  xmlChildren,
  xmlElementNames,
  xmlText,
} from '@coffer/protocol';
import type { LifecycleRule } from '../engine/lifecycle/evaluate.js';
import { STORAGE_CLASSES } from '../engine/names.js';

export const MAX_LIFECYCLE_RULES = 1000;

/** Storage classes a transition may name (COS's classes and their S3 equivalents). */
const TRANSITION_CLASSES = new Set([...STORAGE_CLASSES].filter((c) => c !== 'STANDARD' && c !== 'REDUCED_REDUNDANCY'));

function ruleError(
  id: string,
  index: number,
  message: string,
  code: 'MalformedXML' | 'InvalidArgument' = 'InvalidArgument',
): S3Error {
  const name = id ? `rule "${id}"` : `rule #${index + 1}`;
  return new S3Error(code, `Lifecycle ${name}: ${message}`);
}

function positiveInt(
  value: string | undefined,
  what: string,
  fail: (m: string) => S3Error,
  allowZero = false,
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d{1,9}$/.test(trimmed) || (!allowZero && Number(trimmed) === 0)) {
    throw fail(`${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer, not "${value}".`);
  }
  return Number(trimmed);
}

/**
 * Lifecycle dates are ISO 8601. S3 wants midnight UTC (2026-01-01T00:00:00Z or with .000Z); COS
 * documents any time with an offset (2018-07-29T00:00:00+08:00) and its SDK's tests send
 * 2018-07-29T16:00:00.000Z, so `anyTime` (COS clients) takes any instant.
 */
function parseDate(value: string | undefined, fail: (m: string) => S3Error, anyTime: boolean): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(ms) || (!anyTime && ms % 86_400_000 !== 0)) {
    throw fail(
      anyTime
        ? `Date must be an ISO 8601 date and time (e.g. 2026-01-01T00:00:00+08:00), not "${value}".`
        : `Date must be midnight UTC in ISO 8601 (e.g. 2026-01-01T00:00:00.000Z), not "${value}".`,
    );
  }
  return new Date(ms).toISOString();
}

function parseTag(node: XmlNode, fail: (m: string) => S3Error): { key: string; value: string } {
  const key = xmlText(node, 'Key');
  const value = xmlText(node, 'Value') ?? '';
  if (key === undefined || key === '') throw fail('a Tag needs a Key.');
  return { key, value };
}

/** Builds a rule's error: which rule (by ID, else by position) and what is wrong with it. */
type Fail = (message: string, code?: 'MalformedXML' | 'InvalidArgument') => S3Error;

type RuleFilter = Pick<LifecycleRule, 'filterStyle' | 'prefix' | 'tags' | 'sizeGreaterThan' | 'sizeLessThan'>;

/** A rule's `<Filter>` (one condition, or several under `<And>`), or the legacy top-level `<Prefix>`. */
function parseRuleFilter(node: XmlNode, fail: Fail): RuleFilter {
  const filter = xmlChild(node, 'Filter');
  const legacyPrefix = xmlText(node, 'Prefix');
  if (filter !== undefined && legacyPrefix !== undefined)
    throw fail('use either Filter or Prefix, not both.', 'MalformedXML');
  if (legacyPrefix !== undefined) return { filterStyle: 'prefix', prefix: legacyPrefix, tags: [] };
  if (filter === undefined) return { filterStyle: 'none', prefix: '', tags: [] };
  const parts = xmlElementNames(filter);
  if (parts.length > 1)
    throw fail('a Filter holds one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan or And.', 'MalformedXML');
  const and = xmlChild(filter, 'And');
  const source = and ?? filter;
  const tags = xmlChildren(source, 'Tag').map((t) => parseTag(t, fail));
  const greater = positiveInt(xmlText(source, 'ObjectSizeGreaterThan'), 'ObjectSizeGreaterThan', fail, true);
  const less = positiveInt(xmlText(source, 'ObjectSizeLessThan'), 'ObjectSizeLessThan', fail);
  if (and !== undefined && xmlElementNames(and).length < 2 && tags.length < 2) {
    throw fail('And must combine at least two conditions.', 'MalformedXML');
  }
  if (new Set(tags.map((t) => t.key)).size !== tags.length) throw fail('Tag keys in a filter must be unique.');
  return {
    filterStyle: 'filter',
    prefix: xmlText(source, 'Prefix') ?? '',
    tags,
    ...(greater !== undefined ? { sizeGreaterThan: greater } : {}),
    ...(less !== undefined ? { sizeLessThan: less } : {}),
  };
}

/** `<Expiration>`: exactly one of Days, Date or ExpiredObjectDeleteMarker (the last not with a Tag filter). */
function parseExpiration(node: XmlNode, filter: RuleFilter, fail: Fail, anyTime: boolean): LifecycleRule['expiration'] {
  const expiration = xmlChild(node, 'Expiration');
  if (expiration === undefined) return undefined;
  const days = positiveInt(xmlText(expiration, 'Days'), 'Expiration Days', fail);
  const date = parseDate(xmlText(expiration, 'Date'), fail, anyTime);
  const marker = xmlText(expiration, 'ExpiredObjectDeleteMarker')?.trim();
  if (marker !== undefined && marker !== 'true' && marker !== 'false') {
    throw fail('ExpiredObjectDeleteMarker must be true or false.', 'MalformedXML');
  }
  const given = [days !== undefined, date !== undefined, marker !== undefined].filter(Boolean).length;
  if (given !== 1)
    throw fail('Expiration needs exactly one of Days, Date or ExpiredObjectDeleteMarker.', 'MalformedXML');
  if (marker !== undefined && filter.tags.length > 0) {
    throw fail('ExpiredObjectDeleteMarker cannot be used with a Tag filter.');
  }
  return {
    ...(days !== undefined ? { days } : {}),
    ...(date !== undefined ? { date } : {}),
    ...(marker !== undefined ? { expiredObjectDeleteMarker: marker === 'true' } : {}),
  };
}

/** A transition's StorageClass, upper-cased: one objects can move to. */
function transitionClass(node: XmlNode, element: string, fail: Fail): string {
  const storageClass = xmlText(node, 'StorageClass')?.trim().toUpperCase();
  if (!storageClass || !TRANSITION_CLASSES.has(storageClass)) {
    throw fail(`${element} StorageClass "${storageClass ?? ''}" is not a class objects can move to.`);
  }
  return storageClass;
}

/** Each `<Transition>`: Days or Date, and the class to move to. */
function parseTransitions(node: XmlNode, fail: Fail, anyTime: boolean): LifecycleRule['transitions'] {
  return xmlChildren(node, 'Transition').map((t) => {
    const days = positiveInt(xmlText(t, 'Days'), 'Transition Days', fail, true);
    const date = parseDate(xmlText(t, 'Date'), fail, anyTime);
    if ((days === undefined) === (date === undefined))
      throw fail('Transition needs exactly one of Days or Date.', 'MalformedXML');
    const storageClass = transitionClass(t, 'Transition', fail);
    return { ...(days !== undefined ? { days } : {}), ...(date !== undefined ? { date } : {}), storageClass };
  });
}

/** `<NoncurrentVersionExpiration>`: NoncurrentDays, and optionally how many newer noncurrent versions to keep. */
function parseNoncurrentExpiration(node: XmlNode, fail: Fail): LifecycleRule['noncurrentExpiration'] {
  const expiration = xmlChild(node, 'NoncurrentVersionExpiration');
  if (expiration === undefined) return undefined;
  const days = positiveInt(xmlText(expiration, 'NoncurrentDays'), 'NoncurrentDays', fail);
  if (days === undefined) throw fail('NoncurrentVersionExpiration needs NoncurrentDays.', 'MalformedXML');
  const newer = positiveInt(xmlText(expiration, 'NewerNoncurrentVersions'), 'NewerNoncurrentVersions', fail);
  return { days, ...(newer !== undefined ? { newerNoncurrentVersions: newer } : {}) };
}

/** Each `<NoncurrentVersionTransition>`: NoncurrentDays, the class, optionally NewerNoncurrentVersions. */
function parseNoncurrentTransitions(node: XmlNode, fail: Fail): LifecycleRule['noncurrentTransitions'] {
  return xmlChildren(node, 'NoncurrentVersionTransition').map((t) => {
    const days = positiveInt(xmlText(t, 'NoncurrentDays'), 'NoncurrentDays', fail, true);
    if (days === undefined) throw fail('NoncurrentVersionTransition needs NoncurrentDays.', 'MalformedXML');
    const storageClass = transitionClass(t, 'NoncurrentVersionTransition', fail);
    const newer = positiveInt(xmlText(t, 'NewerNoncurrentVersions'), 'NewerNoncurrentVersions', fail);
    return { days, storageClass, ...(newer !== undefined ? { newerNoncurrentVersions: newer } : {}) };
  });
}

/** `<AbortIncompleteMultipartUpload>`: DaysAfterInitiation (not with a Tag filter: uploads have no tags yet). */
function parseAbortIncompleteUpload(node: XmlNode, filter: RuleFilter, fail: Fail): number | undefined {
  const abort = xmlChild(node, 'AbortIncompleteMultipartUpload');
  if (abort === undefined) return undefined;
  const days = positiveInt(xmlText(abort, 'DaysAfterInitiation'), 'DaysAfterInitiation', fail);
  if (days === undefined) throw fail('AbortIncompleteMultipartUpload needs DaysAfterInitiation.', 'MalformedXML');
  if (filter.tags.length > 0) throw fail('AbortIncompleteMultipartUpload cannot be used with a Tag filter.');
  return days;
}

/** What holds across a rule's actions: at least one, and expiration after every transition. */
function checkActions(rule: LifecycleRule, fail: Fail): void {
  const actions =
    (rule.expiration ? 1 : 0) +
    rule.transitions.length +
    (rule.noncurrentExpiration ? 1 : 0) +
    rule.noncurrentTransitions.length +
    (rule.abortIncompleteUploadDays !== undefined ? 1 : 0);
  if (actions === 0) throw fail('a rule needs at least one action.', 'MalformedXML');
  const transitionDays = rule.transitions.map((t) => t.days).filter((d): d is number => d !== undefined);
  if (rule.expiration?.days !== undefined && transitionDays.some((d) => d >= rule.expiration!.days!)) {
    throw fail('Expiration Days must be greater than every Transition Days.');
  }
}

/** One `<Rule>`, its ID checked against (and added to) the IDs of the rules before it. */
function parseRule(node: XmlNode, index: number, ids: Set<string>, anyTime: boolean): LifecycleRule {
  const id = xmlText(node, 'ID')?.trim() ?? '';
  const fail: Fail = (m, code) => ruleError(id, index, m, code);
  if (id.length > 255) throw fail('ID is longer than 255 characters.');
  if (id !== '') {
    if (ids.has(id)) throw fail('IDs must be unique.');
    ids.add(id);
  }
  const status = xmlText(node, 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Disabled') throw fail('Status must be Enabled or Disabled.', 'MalformedXML');
  const filter = parseRuleFilter(node, fail);
  const expiration = parseExpiration(node, filter, fail, anyTime);
  const transitions = parseTransitions(node, fail, anyTime);
  const noncurrentExpiration = parseNoncurrentExpiration(node, fail);
  const noncurrentTransitions = parseNoncurrentTransitions(node, fail);
  const abortIncompleteUploadDays = parseAbortIncompleteUpload(node, filter, fail);
  const rule: LifecycleRule = {
    id,
    enabled: status === 'Enabled',
    ...filter,
    transitions,
    noncurrentTransitions,
    ...(expiration !== undefined ? { expiration } : {}),
    ...(noncurrentExpiration !== undefined ? { noncurrentExpiration } : {}),
    ...(abortIncompleteUploadDays !== undefined ? { abortIncompleteUploadDays } : {}),
  };
  checkActions(rule, fail);
  return rule;
}

/** Parses and validates a LifecycleConfiguration document (PUT ?lifecycle). */
export function parseLifecycle(
  doc: { [name: string]: XmlNode | XmlNode[] },
  options: { anyTime?: boolean } = {},
): LifecycleRule[] {
  const ruleNodes = xmlChildren(doc, 'Rule');
  if (ruleNodes.length === 0) throw new S3Error('MalformedXML', 'A lifecycle configuration needs at least one Rule.');
  if (ruleNodes.length > MAX_LIFECYCLE_RULES) {
    throw new S3Error('InvalidArgument', `A lifecycle configuration has at most ${MAX_LIFECYCLE_RULES} rules.`);
  }
  const ids = new Set<string>();
  const rules = ruleNodes.map((node, index) => parseRule(node, index, ids, options.anyTime === true));
  // A rule without an ID gets one, as S3 assigns them: unique, so GET shows every rule by name.
  for (const rule of rules) {
    if (rule.id !== '') continue;
    do rule.id = randomBytes(18).toString('base64url');
    while (ids.has(rule.id));
    ids.add(rule.id);
  }
  return rules;
}

/** Renders rules back as a LifecycleConfiguration body (GET ?lifecycle). */
export function renderLifecycle(rules: LifecycleRule[]): XmlObject {
  return {
    Rule: rules.map((r) => {
      const conditions: XmlObject = {
        ...(r.prefix !== '' ? { Prefix: r.prefix } : {}),
        Tag: r.tags.map((t) => ({ Key: t.key, Value: t.value })),
        ...(r.sizeGreaterThan !== undefined ? { ObjectSizeGreaterThan: r.sizeGreaterThan } : {}),
        ...(r.sizeLessThan !== undefined ? { ObjectSizeLessThan: r.sizeLessThan } : {}),
      };
      const conditionCount =
        (r.prefix !== '' ? 1 : 0) +
        r.tags.length +
        (r.sizeGreaterThan !== undefined ? 1 : 0) +
        (r.sizeLessThan !== undefined ? 1 : 0);
      // One condition stands alone in <Filter>, several go in <And>, none is an empty prefix.
      const filter: XmlObject | undefined =
        r.filterStyle !== 'filter'
          ? undefined
          : conditionCount > 1
            ? { And: conditions }
            : conditionCount === 1
              ? conditions
              : { Prefix: '' };
      return {
        ...(r.id !== '' ? { ID: r.id } : {}),
        ...(r.filterStyle === 'prefix' ? { Prefix: r.prefix } : {}),
        ...(filter ? { Filter: filter } : {}),
        Status: r.enabled ? 'Enabled' : 'Disabled',
        Transition: r.transitions.map((t) => ({
          ...(t.days !== undefined ? { Days: t.days } : {}),
          ...(t.date !== undefined ? { Date: t.date } : {}),
          StorageClass: t.storageClass,
        })),
        ...(r.expiration
          ? {
              Expiration: {
                ...(r.expiration.days !== undefined ? { Days: r.expiration.days } : {}),
                ...(r.expiration.date !== undefined ? { Date: r.expiration.date } : {}),
                ...(r.expiration.expiredObjectDeleteMarker !== undefined
                  ? { ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker }
                  : {}),
              },
            }
          : {}),
        NoncurrentVersionTransition: r.noncurrentTransitions.map((t) => ({
          NoncurrentDays: t.days,
          StorageClass: t.storageClass,
          ...(t.newerNoncurrentVersions !== undefined ? { NewerNoncurrentVersions: t.newerNoncurrentVersions } : {}),
        })),
        ...(r.noncurrentExpiration
          ? {
              NoncurrentVersionExpiration: {
                NoncurrentDays: r.noncurrentExpiration.days,
                ...(r.noncurrentExpiration.newerNoncurrentVersions !== undefined
                  ? { NewerNoncurrentVersions: r.noncurrentExpiration.newerNoncurrentVersions }
                  : {}),
              },
            }
          : {}),
        ...(r.abortIncompleteUploadDays !== undefined
          ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortIncompleteUploadDays } }
          : {}),
      };
    }),
  };
}
