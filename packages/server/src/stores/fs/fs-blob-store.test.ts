import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCachedHandles, openFileLimit } from './fs-blob-store.js';

describe('blob handle cache size', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'coffer-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const limitsFile = (openFiles: string) => {
    const file = path.join(dir, `limits-${openFiles}`);
    writeFileSync(
      file,
      'Limit                     Soft Limit           Hard Limit           Units\n' +
        'Max processes             127431               127431               processes\n' +
        `Max open files            ${openFiles}                 524288               files\n`,
    );
    return file;
  };

  it('reads the soft open-file limit from /proc/self/limits, or nothing', () => {
    expect(openFileLimit(limitsFile('1024'))).toBe(1024);
    expect(openFileLimit(limitsFile('unlimited'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(openFileLimit(path.join(dir, 'absent'))).toBeUndefined();
    if (process.platform === 'linux') expect(openFileLimit()).toBeGreaterThan(0);
  });

  it('keeps a quarter of the limit open, between 256 and 8192', () => {
    expect(defaultCachedHandles(undefined)).toBe(256);
    expect(defaultCachedHandles(1024)).toBe(256);
    expect(defaultCachedHandles(20_000)).toBe(5000);
    expect(defaultCachedHandles(1_048_576)).toBe(8192);
    expect(defaultCachedHandles(Number.MAX_SAFE_INTEGER)).toBe(8192);
  });
});
