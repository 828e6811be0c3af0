import type { ObjectLock } from './types.js';

/**
 * Whether a version's object lock forbids deleting it now: a legal hold always does; a retention
 * until a later time does in COMPLIANCE mode, and in GOVERNANCE mode unless the caller may bypass
 * governance and asked to (x-amz-bypass-governance-retention: true).
 */
export function lockForbidsDeletion(lock: ObjectLock | undefined, nowMs: number, bypassGovernance = false): boolean {
  if (!lock) return false;
  if (lock.legalHold) return true;
  const retention = lock.retention;
  if (!retention || retention.untilMs <= nowMs) return false;
  return retention.mode === 'COMPLIANCE' || !bypassGovernance;
}

/** The three lock columns of objects and uploads (migration 8), from and to a lock. */
export interface LockColumns {
  lock_mode: string | null;
  lock_until_ms: number | null;
  legal_hold: number | null;
}

export function lockColumns(lock: ObjectLock | undefined): [string | null, number | null, number | null] {
  return [
    lock?.retention?.mode ?? null,
    lock?.retention?.untilMs ?? null,
    lock?.legalHold === undefined ? null : lock.legalHold ? 1 : 0,
  ];
}

export function lockFromColumns(row: LockColumns): ObjectLock | undefined {
  if (row.lock_mode === null && row.legal_hold === null) return undefined;
  return {
    ...(row.lock_mode !== null && row.lock_until_ms !== null
      ? { retention: { mode: row.lock_mode as 'GOVERNANCE' | 'COMPLIANCE', untilMs: row.lock_until_ms } }
      : {}),
    ...(row.legal_hold !== null ? { legalHold: row.legal_hold === 1 } : {}),
  };
}
