import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * With COFFER_TEST_METADATA=postgres, test servers keep their metadata in PostgreSQL (127.0.0.1:5432,
 * trust auth; COFFER_TEST_PG_URL overrides it), each in a throwaway database of its own.
 */
export const TEST_PG_URL = process.env.COFFER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function metadataOnPostgres(): boolean {
  return process.env.COFFER_TEST_METADATA === 'postgres';
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

/** Creates `coffer_test_<random>` and returns its connection string. */
export async function createTestDatabase(): Promise<string> {
  const name = `coffer_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^coffer_test_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
