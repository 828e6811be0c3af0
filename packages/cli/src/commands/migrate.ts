/** `coffer migrate`: an embedded deployment's metadata (SQLite) into PostgreSQL, checked table by table. */
import type { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description("copy a data directory's metadata (SQLite) into PostgreSQL and verify every table")
    .requiredOption('--from <dir>', 'the data directory of the embedded deployment (no server may be running on it)')
    .requiredOption('--to <url>', 'an empty PostgreSQL database: postgres://user@host:5432/db')
    .addHelpText(
      'after',
      `
Copies every table in one transaction, then compares row counts and a checksum of each table
(usage and directory figures, which PostgreSQL rebuilds, included). Blobs stay in the data
directory: afterwards run \`coffer server --data <dir> --metadata <url>\`. Exits 1 if a table differs.

Example:
  coffer migrate --from ./data --to postgres://postgres@127.0.0.1:5432/coffer`,
    )
    .action(async (opts: { from: string; to: string }, command: Command) => {
      if (!/^postgres(ql)?:\/\//.test(opts.to)) {
        throw new CliError(`--to "${opts.to}" must be a PostgreSQL URL such as postgres://user@127.0.0.1:5432/coffer`);
      }
      const { migrateMetadata } = await import('@coffer/server');
      const checks = await migrateMetadata({ from: opts.from, to: opts.to });
      if ((command.optsWithGlobals() as { json?: boolean }).json)
        process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      else {
        const width = Math.max(...checks.map((c) => c.table.length));
        for (const c of checks) {
          const state = c.matches ? 'ok' : 'DIFFERS';
          process.stdout.write(
            `${c.table.padEnd(width)}  ${String(c.rows).padStart(10)}  ${c.checksum.slice(0, 16)}  ${state}\n`,
          );
        }
      }
      if (checks.some((c) => !c.matches)) {
        process.stderr.write('coffer: the copy differs from the source (see above)\n');
        process.exitCode = EXIT.failure;
      }
    });
}
