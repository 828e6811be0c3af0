/**
 * The `coffer` command line: `coffer server` starts the service; every other command is a thin layer over
 * @coffer/sdk (objects and buckets) or the server's JSON admin API. Parsing is commander's, one file per command
 * family under commands/.
 */
import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAdmin } from './commands/admin.js';
import { registerBucket } from './commands/bucket.js';
import { registerBucketConfig } from './commands/bucket-config.js';
import { registerConfig } from './commands/config.js';
import { registerCp } from './commands/cp.js';
import { registerInventory } from './commands/inventory.js';
import { registerLogging } from './commands/logging.js';
import { registerLs } from './commands/ls.js';
import { registerMigrate } from './commands/migrate.js';
import { registerMultipart } from './commands/multipart.js';
import { registerObject } from './commands/object.js';
import { registerRm } from './commands/rm.js';
import { registerServer } from './commands/server.js';
import { registerVersions } from './commands/versions.js';
import { CliError, describeError, EXIT, exitCodeOf, formatError } from './errors.js';

const VERSION = (
  JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function buildProgram(): Command {
  const program = new Command('coffer')
    .description('Coffer: a self-hosted object store speaking the COS and S3 APIs, and its command line')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--profile <name>', 'the config profile to use (COFFER_PROFILE)')
    .option('--json', 'one JSON document on stdout, for scripts')
    .option('-q, --quiet', 'no progress and no messages, only errors')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Paths: cos://bucket-appid/key (as COSCLI writes them) or s3://bucket/key; a trailing / names a folder.
Keys: coffer config, or COFFER_ENDPOINT / COFFER_SECRET_ID / COFFER_SECRET_KEY.
Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 access denied, 5 network, 6 conflict, 7 partly failed.

Examples:
  coffer server --data ./data
  coffer config set endpoint http://127.0.0.1:9000 secretId AKID… secretKey …
  coffer mb cos://photos-1250000000
  coffer cp -r ./photos/ cos://photos-1250000000/2024/
  coffer ls cos://photos-1250000000/2024/`,
    );
  registerServer(program);
  registerMigrate(program);
  registerConfig(program);
  registerLs(program);
  registerBucket(program);
  registerCp(program);
  registerRm(program);
  registerMultipart(program);
  registerVersions(program);
  registerObject(program);
  registerBucketConfig(program);
  registerLogging(program);
  registerInventory(program);
  registerAdmin(program);
  // Groups (`coffer lifecycle`, `coffer admin user`, …) print their help when given no subcommand, and name
  // the subcommands they know when given another.
  const groups = (cmd: Command) => {
    for (const sub of cmd.commands) {
      if (sub.commands.length > 0 && !(sub as unknown as { _actionHandler?: unknown })._actionHandler) {
        sub.argument('[subcommand]').action((name: string | undefined) => {
          if (name === undefined) sub.help();
          throw new CliError(
            `${sub.name()}: unknown subcommand "${name}" (known: ${sub.commands.map((c) => c.name()).join(', ')})`,
          );
        });
      }
      groups(sub);
    }
  };
  groups(program);
  program.exitOverride();
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander has already printed the message of the others.
      process.exitCode = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)
        ? 0
        : EXIT.usage;
      return;
    }
    if (['StartupError', 'DataDirError'].includes((err as Error)?.name)) {
      // What the operator must fix (a data directory in use or not creatable, an address taken): one line.
      process.stderr.write(`coffer: ${(err as Error).message}\n`);
      process.exitCode = EXIT.failure;
      return;
    }
    if ((err as Error)?.name === 'ConfigError') {
      process.stderr.write(`coffer: ${(err as Error).message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    if (json) process.stdout.write(`${JSON.stringify({ error: describeError(err) })}\n`);
    const code = exitCodeOf(err);
    const known = code !== EXIT.failure || (err as { code?: string })?.code !== undefined;
    process.stderr.write(`coffer: ${known ? formatError(err) : ((err as Error)?.stack ?? String(err))}\n`);
    process.exitCode = code;
  }
}

await main(process.argv.slice(2));
