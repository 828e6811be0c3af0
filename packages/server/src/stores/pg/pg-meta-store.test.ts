import { afterAll, beforeAll } from 'vitest';
import { metaStoreSuite } from '../meta-store.suite.js';
import { createTestDatabase } from './pg.fixture.js';
import { PgMetaStore } from './pg-meta-store.js';

// One throwaway database for the run, dropped after; each test gets a fresh schema in it.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

let n = 0;
metaStoreSuite('postgres', () => PgMetaStore.open({ url: database.url, schema: `t${n++}`, poolSize: 4 }));
