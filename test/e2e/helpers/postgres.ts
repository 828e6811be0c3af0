import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { clusterSize } from './cluster.js';

/**
 * With COFFER_TEST_METADATA=postgres, test servers keep their metadata in PostgreSQL (127.0.0.1:5432,
 * trust auth; COFFER_TEST_PG_URL overrides it), each in a throwaway database of its own.
 */
export const TEST_PG_URL = process.env.COFFER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether test servers keep their metadata in PostgreSQL: COFFER_TEST_METADATA=postgres, or a cluster. */
export function metadataOnPostgres(): boolean {
  return process.env.COFFER_TEST_METADATA === 'postgres' || clusterSize() > 0;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `coffer_test_<random>` and returns its connection string; a copy of `templateUrl`'s database
 * (another test database, with no connection open on it) when given.
 */
export async function createTestDatabase(templateUrl?: string): Promise<string> {
  const name = `coffer_test_${randomBytes(6).toString('hex')}`;
  const template = templateUrl === undefined ? '' : ` TEMPLATE ${testDatabaseName(templateUrl)}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}${template}`));
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function testDatabaseName(url: string): string {
  const name = new URL(url).pathname.slice(1);
  if (!/^coffer_test_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  return name;
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = testDatabaseName(url);
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
