import { accessLogAndInventorySuite } from '../access-log.suite.js';
import { SqliteMetaStore } from './sqlite-meta-store.js';

accessLogAndInventorySuite('sqlite', async () => new SqliteMetaStore({ filename: ':memory:', fsync: false }));
