import { afterAll, beforeAll } from 'vitest';
import { accessLogAndInventorySuite } from '../access-log.suite.js';
import { accountStoreSuite } from '../accounts.suite.js';
import { leaseStoreSuite } from '../lease-store.suite.js';
import { metaStoreSuite } from '../meta-store.suite.js';
import { outboxRecycleSuite } from '../outbox-recycle.suite.js';
import { requestCountsSuite } from '../request-counts.suite.js';
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
const open = () => PgMetaStore.open({ url: database.url, schema: `t${n++}`, poolSize: 4 });
metaStoreSuite('postgres', open);
accountStoreSuite('postgres', open);
outboxRecycleSuite('postgres', open);
accessLogAndInventorySuite('postgres', open);
requestCountsSuite('postgres', open);

// Two stores on one schema: two gateways' views of the same leases.
leaseStoreSuite('postgres', async () => {
  const schema = `t${n++}`;
  const first = await PgMetaStore.open({ url: database.url, schema, poolSize: 2 });
  const second = await PgMetaStore.open({ url: database.url, schema, poolSize: 2 });
  return {
    a: first.leaseStore(),
    b: second.leaseStore(),
    async close() {
      await first.close();
      await second.close();
    },
  };
});
