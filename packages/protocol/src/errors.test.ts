import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGES, S3_ERROR_STATUS, S3Error } from './errors.js';

const ERRORS_DOC = new URL('../../../docs/errors.md', import.meta.url);

describe('error table', () => {
  it('documents every code with its status in docs/errors.md', () => {
    const doc = readFileSync(ERRORS_DOC, 'utf8');
    const documented = new Map([...doc.matchAll(/^\| `([\w.]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
    for (const [code, status] of Object.entries(S3_ERROR_STATUS)) {
      expect(documented.get(code), `${code} in docs/errors.md`).toBe(status);
    }
    expect([...documented.keys()].filter((c) => !(c! in S3_ERROR_STATUS))).toEqual([]);
    // One row per code: a second row would hide the first from this check (the Map keeps the last).
    const rows = [...doc.matchAll(/^\| `([\w.]+)` \| \d{3} \|/gm)].map((m) => m[1]);
    expect(rows.filter((c, i) => rows.indexOf(c) !== i)).toEqual([]);
  });

  it('gives every error its status and a message', () => {
    const err = new S3Error('NoSuchKey');
    expect(err.status).toBe(404);
    expect(err.message).toBe(DEFAULT_MESSAGES.NoSuchKey);
    expect(new S3Error('InvalidRange', 'custom').message).toBe('custom');
  });

  it('has a default message, not the bare code, for every code', () => {
    for (const code of Object.keys(S3_ERROR_STATUS) as (keyof typeof S3_ERROR_STATUS)[]) {
      const message = new S3Error(code).message;
      expect(message, code).toBe(DEFAULT_MESSAGES[code]);
      expect(message, code).not.toBe(code);
    }
  });
});
