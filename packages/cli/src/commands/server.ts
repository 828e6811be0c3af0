/** `coffer server` (start the service) and `coffer lifecycle run` (a lifecycle pass on the running server). */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config, RunningServer } from '@coffer/server';
import type { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';

/** The server flags, by commander attribute name (`--log-level` → logLevel), back into loadConfig's argv. */
function serverArgv(opts: Record<string, unknown>): string[] {
  const argv: string[] = [];
  for (const flag of SERVER_FLAGS) {
    const attr = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (typeof opts[attr] === 'string') argv.push(`${flag}=${opts[attr]}`);
  }
  return argv;
}

/** loadConfig's flags (CONFIG_FLAGS in @coffer/server, which is loaded only when a command needs it). */
const SERVER_FLAGS = [
  '--config',
  '--address',
  '--console-address',
  '--data',
  '--metadata',
  '--region',
  '--domain',
  '--log-level',
  '--fsync',
  '--max-put-bytes',
  '--inline-max-bytes',
  '--tls-cert',
  '--tls-key',
];

/** The server package (SQLite, the engine) is loaded by the two commands that use it, not by every `coffer cp`. */
const serverPackage = () => import('@coffer/server');

function serverOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'TOML config file; flags and COFFER_* variables override it (COFFER_CONFIG)')
    .option('--address <host:port>', 'where to listen (COFFER_ADDRESS; default 0.0.0.0:9000)')
    .option('--console-address <host:port>', 'also serve the web console here (COFFER_CONSOLE_ADDRESS)')
    .option('--data <dir>', 'data directory (COFFER_DATA_DIR; default ./data)')
    .option(
      '--metadata <url>',
      'metadata in PostgreSQL, postgres://user@host:5432/db (COFFER_METADATA_URL; default SQLite in --data)',
    )
    .option('--region <region>', 'the region this server reports (COFFER_REGION; default ap-guangzhou)')
    .option('--domain <base.domain>', 'base domain for virtual-host style requests (COFFER_DOMAIN)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (COFFER_LOG_LEVEL)')
    .option('--fsync <1|0>', 'fsync every write (COFFER_FSYNC; default 1)')
    .option('--max-put-bytes <n>', 'largest single PUT (COFFER_MAX_PUT_BYTES)')
    .option('--inline-max-bytes <n>', 'keep bodies up to n bytes in the metadata database (COFFER_INLINE_MAX_BYTES)')
    .option(
      '--tls-cert <file>',
      'serve HTTPS with this PEM certificate chain, reloaded when it changes (COFFER_TLS_CERT)',
    )
    .option('--tls-key <file>', 'the PEM private key for --tls-cert (COFFER_TLS_KEY)');
}

export function registerServer(program: Command): void {
  serverOptions(
    program
      .command('server')
      .description('start the Coffer server (COS and S3 APIs on one port)')
      .addHelpText(
        'after',
        `
Every flag has an environment equivalent and a config file key (docs/operations.md); flags win over
the environment, which wins over the file. Root credentials come from COFFER_SECRET_ID /
COFFER_SECRET_KEY / COFFER_APPID, or are generated on first start and kept in the data directory.
SIGHUP reloads the TLS certificate (a change to its files is also picked up by itself).

Examples:
  coffer server
  coffer server --address 0.0.0.0:9000 --data /var/lib/coffer
  coffer server --data /mnt/shared/coffer --metadata postgres://coffer@db:5432/coffer
  coffer server --config /etc/coffer/coffer.toml
  coffer server --tls-cert /etc/coffer/tls/cert.pem --tls-key /etc/coffer/tls/key.pem
  COFFER_DATA_DIR=/srv/coffer coffer server --log-level warn`,
      ),
  ).action(async (opts: Record<string, unknown>) => serve((await serverPackage()).loadConfig(serverArgv(opts))));
}

/** `coffer lifecycle run`, added to the `lifecycle` group. */
export function registerLifecycleRun(lifecycle: Command): void {
  serverOptions(
    lifecycle
      .command('run')
      .description('run a lifecycle pass now on the running server and print what it did as JSON')
      .option('--endpoint <url>', "the server's URL (default: read from <data>/server.json, else --address)")
      .option('--no-wait', 'return once the pass has started')
      .addHelpText(
        'after',
        `
Signed with the root key from the data directory (--data) or COFFER_SECRET_ID / COFFER_SECRET_KEY.

Examples:
  coffer lifecycle run --data ./data
  coffer lifecycle run --endpoint http://127.0.0.1:9000 --no-wait`,
      ),
  ).action(async (opts: Record<string, unknown> & { endpoint?: string; wait: boolean }) => {
    if (opts.endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(opts.endpoint)) {
      throw new CliError(`--endpoint "${opts.endpoint}" must be a URL such as http://127.0.0.1:9000`);
    }
    const { SERVER_FILE, callAdmin, loadConfig, localEndpoint } = await serverPackage();
    const config = loadConfig(serverArgv(opts));
    const endpoint = opts.endpoint ?? (await runningServerUrl(config, SERVER_FILE)) ?? localEndpoint(config);
    const reply = await callAdmin(config, 'POST', `/-/admin/lifecycle/run${opts.wait ? '' : '?wait=false'}`, {
      endpoint,
    });
    process.stdout.write(`${JSON.stringify(reply.body, null, 2)}\n`);
    if (reply.status !== 200 && reply.status !== 202) {
      process.stderr.write(`coffer: the server answered ${reply.status}\n`);
      process.exitCode = EXIT.failure;
    }
  });
}

/** The URL the server on this data directory wrote at start (`<data>/server.json`), if it is running. */
async function runningServerUrl(config: Config, serverFile: string): Promise<string | undefined> {
  try {
    const info = JSON.parse(await fs.readFile(path.join(config.dataDir, serverFile), 'utf8')) as {
      pid?: number;
      url?: string;
    };
    if (typeof info.url !== 'string') return undefined;
    if (typeof info.pid === 'number') {
      try {
        process.kill(info.pid, 0);
      } catch (err) {
        // ESRCH: the server that wrote it is gone (killed without a clean shutdown). EPERM: running, as another user.
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
      }
    }
    return info.url;
  } catch {
    return undefined;
  }
}

async function serve(config: Config): Promise<void> {
  const server = await (await serverPackage()).startServer(config);
  printBanner(server);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`coffer: ${signal}: finishing in-flight requests…\n`);
    server.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`coffer: shutdown failed: ${err}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  // The conventional "reload": certbot and friends send it after renewing a certificate. Without TLS
  // SIGHUP keeps its default (a closed terminal stops the server).
  if (server.config.tls) process.on('SIGHUP', () => server.reloadTls());
  process.on('SIGINT', () => stop('SIGINT'));
  // A safety net, not a way of working: one request's stray rejection must not take every other
  // request (and in-flight writes) down with the process. It is reported loudly; the write protocol
  // keeps stored data consistent either way.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`coffer: unhandled rejection (kept serving; please report it): ${String(reason)}\n`);
  });
}

function printBanner(server: RunningServer): void {
  const { identity, config } = server;
  const lines = [
    '',
    `Coffer is serving the COS and S3 APIs at ${server.url}`,
    '',
    `  Endpoint   ${server.url}`,
    `  Region     ${config.region}`,
    `  SecretId   ${identity.secretId}`,
    `  SecretKey  ${identity.fromEnvironment ? '(from COFFER_SECRET_KEY)' : identity.secretKey}`,
    `  AppId      ${identity.appId}`,
    `  Data       ${config.dataDir}`,
    ...(config.metadataUrl ? [`  Metadata   PostgreSQL ${postgresWhere(config.metadataUrl)}`] : []),
    ...(config.configFile ? [`  Config     ${config.configFile}`] : []),
    ...(config.domain ? [`  Domain     <bucket>.${config.domain}:${server.port} (virtual-host style)`] : []),
    `  Console    ${server.consoleUrl}`,
    `  Health     ${server.url}/-/health`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** host:port/database of a PostgreSQL URL, without the user or password. */
function postgresWhere(url: string): string {
  try {
    const where = new URL(url);
    return `${where.host}${where.pathname}`;
  } catch {
    return '(the configured URL)';
  }
}
