import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { accountStoreSuite } from '../accounts.suite.js';
import { metaStoreSuite } from '../meta-store.suite.js';
import { outboxRecycleSuite } from '../outbox-recycle.suite.js';
import { requestCountsSuite } from '../request-counts.suite.js';
import { SqliteMetaStore } from './sqlite-meta-store.js';

metaStoreSuite('sqlite', async () => new SqliteMetaStore({ filename: ':memory:', fsync: false }));
accountStoreSuite('sqlite', async () => new SqliteMetaStore({ filename: ':memory:', fsync: false }));

// On disk with fsync: every commit waits for the WAL fsync (taken in the threadpool).
const dir = mkdtempSync(path.join(tmpdir(), 'coffer-meta-'));
let n = 0;
metaStoreSuite(
  'sqlite on disk, fsync',
  async () => new SqliteMetaStore({ filename: path.join(dir, `meta${n++}.db`), fsync: true }),
);

outboxRecycleSuite('sqlite', async () => new SqliteMetaStore({ filename: ':memory:', fsync: false }));
requestCountsSuite('sqlite', async () => new SqliteMetaStore({ filename: ':memory:', fsync: false }));
