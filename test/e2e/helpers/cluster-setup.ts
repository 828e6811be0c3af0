import { PgMetaStore } from '@coffer/server';
import type { TestProject } from 'vitest/node';
import type {} from './cluster.js';
import { createTestDatabase, dropTestDatabase } from './postgres.js';

/**
 * The `cluster` project's global setup (vitest.config.ts): one database with Coffer's schema, made once
 * per run, that helpers/server.ts copies for each test server (PostgreSQL copies a template's files,
 * faster than running the migrations in every fresh database); dropped at the end of the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = await createTestDatabase();
  const store = await PgMetaStore.open({ url });
  // No connection may stay open on a template while it is copied.
  await store.close();
  project.provide('pgTemplateUrl', url);
  return () => dropTestDatabase(url);
}
