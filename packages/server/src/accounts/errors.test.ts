import { readFileSync } from 'node:fs';
import { S3_ERROR_STATUS } from '@coffer/protocol';
import { describe, expect, it } from 'vitest';
import { ACCOUNTS_ERROR_STATUS, AccountsError } from './errors.js';

const ADMIN_API_DOC = new URL('../../../../docs/admin-api.md', import.meta.url);

/** The admin router's own answer for a path it does not serve (api/admin-routes.ts); in neither table. */
const ROUTER_CODES = new Set(['NotFound']);

/**
 * The rows of the table under "## Errors" in docs/admin-api.md: each code of the first cell with the
 * statuses of the second (a row may name several codes, and `403 / 400` two statuses).
 */
function documentedCodes(): Map<string, number[]> {
  const doc = readFileSync(ADMIN_API_DOC, 'utf8');
  const section = doc.slice(doc.indexOf('\n## Errors\n'), doc.indexOf('\n## ', doc.indexOf('\n## Errors\n') + 1));
  const codes = new Map<string, number[]>();
  for (const row of section.matchAll(/^\|([^|\n]*)\|([^|\n]*)\|[^\n]*\|$/gm)) {
    const statuses = [...row[2]!.matchAll(/\d{3}/g)].map((m) => Number(m[0]));
    if (statuses.length === 0) continue; // the header row
    for (const code of row[1]!.matchAll(/`(\w+)`/g)) codes.set(code[1]!, statuses);
  }
  return codes;
}

describe('accounts error table', () => {
  it('documents every code with its status in docs/admin-api.md', () => {
    const documented = documentedCodes();
    for (const [code, status] of Object.entries(ACCOUNTS_ERROR_STATUS)) {
      expect(documented.get(code), `${code} in docs/admin-api.md`).toEqual([status]);
    }
  });

  it('documents no code that neither table has', () => {
    const unknown = [...documentedCodes().keys()].filter(
      (code) => !(code in ACCOUNTS_ERROR_STATUS) && !(code in S3_ERROR_STATUS) && !ROUTER_CODES.has(code),
    );
    expect(unknown).toEqual([]);
  });

  it('gives every error the status of its code', () => {
    const err = new AccountsError('NoSuchUser', 'No user with uin 1.');
    expect(err.status).toBe(404);
    expect(err.code).toBe('NoSuchUser');
  });
});
