/**
 * A lifecycle rule, normalised: the filter flattened to prefix + tags + size bounds, every action
 * optional. https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html
 */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  /** How the filter was written, so GET returns the same shape: `<Filter>` or the legacy top-level `<Prefix>`. */
  filterStyle: 'filter' | 'prefix' | 'none';
  prefix: string;
  tags: { key: string; value: string }[];
  sizeGreaterThan?: number;
  sizeLessThan?: number;
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  transitions: { days?: number; date?: string; storageClass: string }[];
  noncurrentExpiration?: { days: number; newerNoncurrentVersions?: number };
  noncurrentTransitions: { days: number; storageClass: string; newerNoncurrentVersions?: number }[];
  abortIncompleteUploadDays?: number;
}

export const DAY_MS = 86_400_000;

/**
 * When an action that is due `days` after `startMs` becomes due: S3 adds the days to the object's
 * time and rounds up to the next midnight UTC.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html#intro-lifecycle-rules-number-of-days
 */
export function dueAt(startMs: number, days: number): number {
  return Math.ceil((startMs + days * DAY_MS) / DAY_MS) * DAY_MS;
}

/** What the lifecycle engine knows about one version while it walks a bucket. */
export interface VersionFacts {
  key: string;
  versionId: string;
  seq: number;
  isLatest: boolean;
  isDeleteMarker: boolean;
  size: number;
  lastModifiedMs: number;
  storageClass: string;
  /** Object tags as a query string, if any. */
  tagging?: string;
  /** For noncurrent versions: when it stopped being current (the next newer version's time). */
  noncurrentSinceMs?: number;
  /** For noncurrent versions: how many noncurrent versions of the key are newer than this one. */
  newerNoncurrent: number;
  /** For a latest delete marker: true when no other version of the key exists. */
  onlyVersion: boolean;
}

export type LifecycleDecision =
  /** Expire the current version: delete it (no versioning) or add a delete marker. */
  | { kind: 'expire-current'; ruleId: string }
  /** Permanently delete this noncurrent version (or noncurrent delete marker). */
  | { kind: 'delete-version'; ruleId: string }
  /** Remove a delete marker that is the only version left. */
  | { kind: 'remove-marker'; ruleId: string }
  | { kind: 'transition'; ruleId: string; storageClass: string };

function tagsOf(tagging: string | undefined): Map<string, string> {
  return new Map(tagging ? new URLSearchParams(tagging) : []);
}

/** Whether a rule's filter selects this version (delete markers match on prefix alone). */
export function ruleMatches(rule: LifecycleRule, facts: VersionFacts): boolean {
  if (!rule.enabled || !facts.key.startsWith(rule.prefix)) return false;
  if (facts.isDeleteMarker) return rule.tags.length === 0;
  if (rule.sizeGreaterThan !== undefined && !(facts.size > rule.sizeGreaterThan)) return false;
  if (rule.sizeLessThan !== undefined && !(facts.size < rule.sizeLessThan)) return false;
  if (rule.tags.length > 0) {
    const tags = tagsOf(facts.tagging);
    if (!rule.tags.every((t) => tags.get(t.key) === t.value)) return false;
  }
  return true;
}

function dueFrom(startMs: number, when: { days?: number; date?: string }): number {
  return when.days !== undefined ? dueAt(startMs, when.days) : Date.parse(when.date!);
}

/**
 * How cold a storage class is, in the order S3's lifecycle moves objects ("waterfall"): STANDARD,
 * STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER (COS: ARCHIVE), DEEP_ARCHIVE.
 * Lifecycle only ever moves an object colder.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 */
const COLDNESS: Record<string, number> = {
  STANDARD_IA: 1,
  MAZ_STANDARD_IA: 1,
  INTELLIGENT_TIERING: 2,
  MAZ_INTELLIGENT_TIERING: 2,
  ONEZONE_IA: 3,
  GLACIER_IR: 4,
  ARCHIVE: 5,
  MAZ_ARCHIVE: 5,
  GLACIER: 5,
  DEEP_ARCHIVE: 6,
};

export function coldness(storageClass: string): number {
  return COLDNESS[storageClass] ?? 0;
}

/**
 * The one action the rules take on a version now, if any. Deletion wins over transition (as in
 * S3); among due transitions the coldest wins, and only if it is colder than where the version is:
 * a later pass must not move it back to an earlier, warmer step (that would flip it every day).
 */
export function decide(rules: LifecycleRule[], facts: VersionFacts, nowMs: number): LifecycleDecision | undefined {
  let transition: { ruleId: string; storageClass: string } | undefined;
  const consider = (ruleId: string, storageClass: string, due: number) => {
    if (due > nowMs || coldness(storageClass) <= coldness(transition?.storageClass ?? facts.storageClass)) return;
    transition = { ruleId, storageClass };
  };
  for (const rule of rules) {
    if (!ruleMatches(rule, facts)) continue;
    if (facts.isLatest && facts.isDeleteMarker) {
      if (rule.expiration?.expiredObjectDeleteMarker && facts.onlyVersion)
        return { kind: 'remove-marker', ruleId: rule.id };
      continue;
    }
    if (facts.isLatest) {
      const exp = rule.expiration;
      if (exp && (exp.days !== undefined || exp.date !== undefined) && dueFrom(facts.lastModifiedMs, exp) <= nowMs) {
        return { kind: 'expire-current', ruleId: rule.id };
      }
      for (const t of rule.transitions) consider(rule.id, t.storageClass, dueFrom(facts.lastModifiedMs, t));
      continue;
    }
    const since = facts.noncurrentSinceMs ?? facts.lastModifiedMs;
    const nce = rule.noncurrentExpiration;
    if (nce && dueAt(since, nce.days) <= nowMs && facts.newerNoncurrent >= (nce.newerNoncurrentVersions ?? 0)) {
      return { kind: 'delete-version', ruleId: rule.id };
    }
    if (!facts.isDeleteMarker) {
      for (const t of rule.noncurrentTransitions) {
        if (facts.newerNoncurrent >= (t.newerNoncurrentVersions ?? 0))
          consider(rule.id, t.storageClass, dueAt(since, t.days));
      }
    }
  }
  return transition && { kind: 'transition', ruleId: transition.ruleId, storageClass: transition.storageClass };
}

/** Whether an incomplete upload is due for abortion under any rule. */
export function uploadAbortRule(
  rules: LifecycleRule[],
  upload: { key: string; initiatedMs: number },
  nowMs: number,
): string | undefined {
  for (const rule of rules) {
    if (!rule.enabled || rule.abortIncompleteUploadDays === undefined || !upload.key.startsWith(rule.prefix)) continue;
    if (dueAt(upload.initiatedMs, rule.abortIncompleteUploadDays) <= nowMs) return rule.id;
  }
  return undefined;
}

/**
 * When the current version `facts` describes will expire under `rules`, and by which rule: the
 * earliest Expiration (Days or Date) of an enabled rule whose filter selects it. What S3 reports in
 * x-amz-expiration on PUT, GET and HEAD.
 */
export function currentExpiration(
  rules: LifecycleRule[],
  facts: VersionFacts,
): { dueMs: number; ruleId: string } | undefined {
  let best: { dueMs: number; ruleId: string } | undefined;
  for (const rule of rules) {
    const when = rule.expiration;
    if (!when || (when.days === undefined && when.date === undefined) || !ruleMatches(rule, facts)) continue;
    const dueMs = dueFrom(facts.lastModifiedMs, when);
    if (!best || dueMs < best.dueMs) best = { dueMs, ruleId: rule.id };
  }
  return best;
}
