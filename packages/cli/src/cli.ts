import { ConfigError, callAdmin, loadConfig, type RunningServer, startServer } from '@coffer/server';

const USAGE = `coffer: a self-hosted object store speaking the COS and S3 APIs

Usage:
  coffer server [--address host:port] [--data dir] [--region region] [--domain base.domain]
                [--log-level level] [--fsync 1|0] [--max-put-bytes n]

  coffer lifecycle run [--endpoint url] [--no-wait] [--address host:port] [--data dir]
                Runs a lifecycle pass now on the running server (POST /-/admin/lifecycle/run, signed
                with the root key from the data directory or COFFER_SECRET_ID / COFFER_SECRET_KEY)
                and prints what it did as JSON. The endpoint defaults to the server's --address.

Every flag has an environment equivalent: COFFER_ADDRESS, COFFER_DATA_DIR, COFFER_REGION,
COFFER_DOMAIN, COFFER_LOG_LEVEL, COFFER_FSYNC, COFFER_MAX_PUT_BYTES. Root credentials come from
COFFER_SECRET_ID / COFFER_SECRET_KEY / COFFER_APPID, or are generated on first start and kept in
the data directory.`;

/** `coffer lifecycle run`: asks the running server for a lifecycle pass and prints its summary. */
async function lifecycle(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'run') throw new ConfigError(`lifecycle: unknown subcommand "${sub ?? ''}" (known: run)`);
  let endpoint: string | undefined;
  let wait = true;
  const serverFlags: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--no-wait') wait = false;
    else if (arg === '--endpoint') {
      endpoint = rest[++i];
      if (endpoint === undefined) throw new ConfigError('--endpoint needs a value');
    } else if (arg.startsWith('--endpoint=')) endpoint = arg.slice('--endpoint='.length);
    else serverFlags.push(arg);
  }
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
    throw new ConfigError(`--endpoint "${endpoint}" must be a URL such as http://127.0.0.1:9000`);
  }
  const config = loadConfig(serverFlags);
  const reply = await callAdmin(config, 'POST', `/-/admin/lifecycle/run${wait ? '' : '?wait=false'}`, {
    ...(endpoint !== undefined ? { endpoint } : {}),
  });
  process.stdout.write(`${JSON.stringify(reply.body, null, 2)}\n`);
  if (reply.status !== 200 && reply.status !== 202) {
    process.stderr.write(`coffer: the server answered ${reply.status}\n`);
    process.exitCode = 1;
  }
}

async function serve(argv: string[]): Promise<void> {
  const config = loadConfig(argv);
  const server = await startServer(config);
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
    ...(config.domain ? [`  Domain     <bucket>.${config.domain}:${server.port} (virtual-host style)`] : []),
    `  Console    ${server.consoleUrl}`,
    `  Health     ${server.url}/-/health`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'server') return serve(rest);
  if (command === 'lifecycle') return lifecycle(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  process.stderr.write(`coffer: unknown command "${command}"\n\n${USAGE}\n`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`coffer: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`coffer: ${err?.stack ?? err}\n`);
  process.exit(1);
});
