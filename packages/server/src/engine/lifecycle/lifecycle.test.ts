import { buildXml, parseXml } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { parseLifecycle, renderLifecycle } from '../../codecs/lifecycle.js';
import type { LifecycleRule } from './evaluate.js';
import { DAY_MS, decide, dueAt, uploadAbortRule, type VersionFacts } from './evaluate.js';

const parse = (rules: string) =>
  parseLifecycle(parseXml(`<LifecycleConfiguration>${rules}</LifecycleConfiguration>`, 'LifecycleConfiguration'));

describe('lifecycle configuration', () => {
  it('parses every action and filter form, and renders them back', () => {
    const rules = parse(`
      <Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>
        <Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>
        <Transition><Days>90</Days><StorageClass>archive</StorageClass></Transition>
        <Expiration><Days>365</Days></Expiration></Rule>
      <Rule><ID>tagged</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>
        <Status>Disabled</Status><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays></NoncurrentVersionExpiration></Rule>
      <Rule><ID>mpu</ID><Filter></Filter><Status>Enabled</Status>
        <AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>
        <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>
      <Rule><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Date>2026-01-01T00:00:00Z</Date></Expiration></Rule>`);
    expect(rules).toHaveLength(4);
    expect(rules[0]).toMatchObject({ id: 'logs', prefix: 'logs/', enabled: true, expiration: { days: 365 } });
    expect(rules[0]!.transitions.map((t) => t.storageClass)).toEqual(['STANDARD_IA', 'ARCHIVE']);
    expect(rules[1]).toMatchObject({ enabled: false, prefix: 'a/', tags: [{ key: 'k', value: 'v' }] });
    expect(rules[2]).toMatchObject({ abortIncompleteUploadDays: 7, expiration: { expiredObjectDeleteMarker: true } });
    expect(rules[3]).toMatchObject({
      filterStyle: 'prefix',
      prefix: 'old/',
      expiration: { date: '2026-01-01T00:00:00.000Z' },
    });
    const again = parseLifecycle(
      parseXml(buildXml('LifecycleConfiguration', renderLifecycle(rules)), 'LifecycleConfiguration'),
    );
    expect(again).toEqual(rules);
  });

  it.each([
    ['no rules', '', 'MalformedXML', /at least one Rule/],
    [
      'a bad status',
      '<Rule><ID>r1</ID><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>',
      'MalformedXML',
      /rule "r1"/,
    ],
    [
      'no action',
      '<Rule><ID>r2</ID><Status>Enabled</Status><Filter/></Rule>',
      'MalformedXML',
      /rule "r2".*at least one action/,
    ],
    [
      'zero days',
      '<Rule><ID>r3</ID><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>',
      'InvalidArgument',
      /rule "r3".*positive/,
    ],
    [
      'days and date',
      '<Rule><Status>Enabled</Status><Expiration><Days>1</Days><Date>2026-01-01T00:00:00Z</Date></Expiration></Rule>',
      'MalformedXML',
      /rule #1/,
    ],
    [
      'a date not at midnight',
      '<Rule><Status>Enabled</Status><Expiration><Date>2026-01-01T10:00:00Z</Date></Expiration></Rule>',
      'InvalidArgument',
      /midnight/,
    ],
    [
      'an unknown class',
      '<Rule><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GOLD</StorageClass></Transition></Rule>',
      'InvalidArgument',
      /GOLD/,
    ],
    [
      'duplicate ids',
      '<Rule><ID>x</ID><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule><Rule><ID>x</ID><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>',
      'InvalidArgument',
      /unique/,
    ],
    [
      'a tag filter with abort',
      '<Rule><ID>t</ID><Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>',
      'InvalidArgument',
      /Tag/,
    ],
    [
      'expiration before transition',
      '<Rule><ID>e</ID><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>ARCHIVE</StorageClass></Transition><Expiration><Days>10</Days></Expiration></Rule>',
      'InvalidArgument',
      /greater/,
    ],
  ])('refuses %s', (_name, rules, code, message) => {
    let error: unknown;
    try {
      parse(rules);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  });
});

const BASE = Date.UTC(2026, 0, 1, 10, 0, 0);
const facts = (over: Partial<VersionFacts> = {}): VersionFacts => ({
  key: 'logs/a',
  versionId: 'v',
  seq: 1,
  isLatest: true,
  isDeleteMarker: false,
  size: 10,
  lastModifiedMs: BASE,
  storageClass: 'STANDARD',
  newerNoncurrent: 0,
  onlyVersion: false,
  ...over,
});
const rule = (over: Partial<LifecycleRule>): LifecycleRule => ({
  id: 'r',
  enabled: true,
  filterStyle: 'filter',
  prefix: '',
  tags: [],
  transitions: [],
  noncurrentTransitions: [],
  ...over,
});

describe('lifecycle decisions', () => {
  it('rounds due times up to the next midnight UTC, as S3 does', () => {
    expect(dueAt(BASE, 1)).toBe(Date.UTC(2026, 0, 3));
    expect(dueAt(Date.UTC(2026, 0, 1), 1)).toBe(Date.UTC(2026, 0, 2));
  });

  it('expires the current version only when due, and prefers expiration over transition', () => {
    const rules = [rule({ expiration: { days: 2 }, transitions: [{ days: 1, storageClass: 'STANDARD_IA' }] })];
    expect(decide(rules, facts(), dueAt(BASE, 1) - 1)).toBeUndefined();
    expect(decide(rules, facts(), dueAt(BASE, 1))).toEqual({
      kind: 'transition',
      ruleId: 'r',
      storageClass: 'STANDARD_IA',
    });
    expect(decide(rules, facts({ storageClass: 'STANDARD_IA' }), dueAt(BASE, 1))).toBeUndefined();
    expect(decide(rules, facts(), dueAt(BASE, 2))).toEqual({ kind: 'expire-current', ruleId: 'r' });
  });

  it('picks the coldest due transition', () => {
    const rules = [
      rule({
        transitions: [
          { days: 1, storageClass: 'STANDARD_IA' },
          { days: 5, storageClass: 'ARCHIVE' },
        ],
      }),
    ];
    expect(decide(rules, facts(), dueAt(BASE, 10))).toMatchObject({ storageClass: 'ARCHIVE' });
  });

  it('never moves a version back to a warmer class: once ARCHIVE, the earlier STANDARD_IA step stays passed', () => {
    const ia = { days: 1, storageClass: 'STANDARD_IA' };
    const archive = { days: 5, storageClass: 'ARCHIVE' };
    const rules = [rule({ transitions: [ia, archive] })];
    expect(decide(rules, facts({ storageClass: 'ARCHIVE' }), dueAt(BASE, 10))).toBeUndefined();
    expect(decide(rules, facts({ storageClass: 'DEEP_ARCHIVE' }), dueAt(BASE, 2))).toBeUndefined();
    const archiveFirst = { ...archive, days: 1 };
    const iaLater = { ...ia, days: 5 };
    const inverted = [rule({ transitions: [archiveFirst, iaLater] })];
    expect(decide(inverted, facts(), dueAt(BASE, 10))).toMatchObject({ storageClass: 'ARCHIVE' });
    expect(decide(inverted, facts({ storageClass: 'ARCHIVE' }), dueAt(BASE, 10))).toBeUndefined();
  });

  it('counts noncurrent days from when a version became noncurrent, keeping NewerNoncurrentVersions', () => {
    const rules = [rule({ noncurrentExpiration: { days: 3, newerNoncurrentVersions: 1 } })];
    const since = BASE + 5 * DAY_MS;
    const old = facts({ isLatest: false, noncurrentSinceMs: since, newerNoncurrent: 1 });
    expect(decide(rules, old, dueAt(since, 3) - 1)).toBeUndefined();
    expect(decide(rules, old, dueAt(since, 3))).toEqual({ kind: 'delete-version', ruleId: 'r' });
    expect(decide(rules, { ...old, newerNoncurrent: 0 }, dueAt(since, 3))).toBeUndefined();
  });

  it('removes a lone delete marker only with ExpiredObjectDeleteMarker', () => {
    const marker = facts({ isDeleteMarker: true, onlyVersion: true });
    expect(decide([rule({ expiration: { expiredObjectDeleteMarker: true } })], marker, BASE)).toEqual({
      kind: 'remove-marker',
      ruleId: 'r',
    });
    expect(
      decide([rule({ expiration: { expiredObjectDeleteMarker: true } })], { ...marker, onlyVersion: false }, BASE),
    ).toBeUndefined();
    expect(decide([rule({ expiration: { days: 1 } })], marker, BASE + 100 * DAY_MS)).toBeUndefined();
  });

  it('honours prefixes, tags, size filters and disabled rules', () => {
    const tagged = [rule({ prefix: 'logs/', tags: [{ key: 'k', value: 'v' }], expiration: { days: 1 } })];
    const later = BASE + 10 * DAY_MS;
    expect(decide(tagged, facts(), later)).toBeUndefined();
    expect(decide(tagged, facts({ tagging: 'k=v&x=y' }), later)).toMatchObject({ kind: 'expire-current' });
    expect(decide(tagged, facts({ key: 'other', tagging: 'k=v' }), later)).toBeUndefined();
    expect(decide([rule({ sizeGreaterThan: 100, expiration: { days: 1 } })], facts(), later)).toBeUndefined();
    expect(decide([rule({ enabled: false, expiration: { days: 1 } })], facts(), later)).toBeUndefined();
  });

  it('aborts incomplete uploads after DaysAfterInitiation', () => {
    const rules = [rule({ prefix: 'big/', abortIncompleteUploadDays: 7 })];
    expect(uploadAbortRule(rules, { key: 'big/x', initiatedMs: BASE }, dueAt(BASE, 7) - 1)).toBeUndefined();
    expect(uploadAbortRule(rules, { key: 'big/x', initiatedMs: BASE }, dueAt(BASE, 7))).toBe('r');
    expect(uploadAbortRule(rules, { key: 'small/x', initiatedMs: BASE }, dueAt(BASE, 70))).toBeUndefined();
  });
});
