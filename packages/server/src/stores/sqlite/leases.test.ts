import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { leaseStoreSuite } from '../lease-store.suite.js';
import { SqliteLeaseStore } from './leases.js';
import { SqliteMetaStore } from './sqlite-meta-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'coffer-leases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// Two connections to one database file: two gateways' views of the same leases.
leaseStoreSuite('sqlite', async () => {
  const filename = path.join(dir, `meta${n++}.db`);
  const meta = new SqliteMetaStore({ filename, fsync: false });
  const a = new SqliteLeaseStore({ filename });
  const b = new SqliteLeaseStore({ filename });
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await meta.close();
    },
  };
});
