/**
 * `admin account` (the deployment's accounts: operator only), `admin user|key|policy` (sub-users, their
 * keys and policies) and `usage`, over the server's JSON admin API.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { type Context, makeContext } from '../context.js';
import { AdminError, CliError } from '../errors.js';
import { humanBytes, shortDate, table } from '../format.js';
import { signedRequest } from '../signed-request.js';

/** One admin call: the JSON answer, or an AdminError with the server's error, message and request id. */
export async function admin(
  ctx: Context,
  method: string,
  path: string,
  body?: unknown,
  query: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const reply = await signedRequest(
    ctx.profile,
    method,
    path,
    query,
    body === undefined ? undefined : JSON.stringify(body),
    body === undefined ? {} : { 'content-type': 'application/json' },
  );
  let parsed: Record<string, unknown> = {};
  try {
    parsed = reply.body ? (JSON.parse(reply.body) as Record<string, unknown>) : {};
  } catch {
    parsed = { message: reply.body };
  }
  if (reply.status >= 300) {
    throw new AdminError(
      reply.status,
      String(parsed.error ?? reply.status),
      String(parsed.message ?? ''),
      String(parsed.requestId ?? reply.headers['x-cos-request-id'] ?? '') || undefined,
    );
  }
  return parsed;
}

function readJsonFile(file: string): unknown {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

export function registerAdmin(program: Command): void {
  const adminCmd = program
    .command('admin')
    .description("accounts (the operator), sub-users, their access keys and policies (an account root's key only)")
    .addHelpText(
      'after',
      `
Examples:
  coffer admin logging flush
  coffer admin user add uploader
  coffer admin key add 174409351276
  coffer admin policy set 174409351276 uploads ./uploads-policy.json
  coffer admin user ls --json
  coffer admin account add team-b
  coffer admin account suspend 1312345678`,
    );
  adminCmd
    .command('logging')
    .description('access log delivery')
    .command('flush')
    .description('deliver every spooled access log record to its target bucket now; prints what was delivered')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'POST', '/-/admin/logging/flush');
      if (ctx.json) return ctx.emit(res);
      const backlog = res.backlog as { records: number; failing: number };
      ctx.say(`delivered ${res.records} records in ${res.delivered} log objects; ${res.failed} deliveries failed`);
      ctx.say(`still spooled: ${backlog.records} records (${backlog.failing} batches failing)`);
      // A cluster: every live gateway was asked to spool what it buffered first.
      const gateways = res.gateways as { asked: number; answered: number; silent: string[] } | undefined;
      if (gateways?.silent.length) {
        ctx.say(
          `${gateways.silent.length} of ${gateways.asked} gateways did not answer (their last records go in the next delivery): ${gateways.silent.join(', ')}`,
        );
      }
    });
  const account = adminCmd.command('account').description("the deployment's accounts (the operator's key only)");
  type AccountJson = {
    appId: string;
    uin: string;
    name: string;
    suspended: boolean;
    operator: boolean;
    createdAt: string;
  };
  account
    .command('ls')
    .description('every account, the operator first')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'GET', '/-/admin/accounts');
      const accounts = (res.accounts ?? []) as AccountJson[];
      ctx.emit({ accounts });
      if (accounts.length) {
        ctx.say(
          table(
            accounts.map((a) => [
              a.appId,
              a.uin,
              a.name,
              a.operator ? 'operator' : a.suspended ? 'suspended' : 'active',
              shortDate(a.createdAt),
            ]),
          ),
        );
      }
    });
  account
    .command('add')
    .description('create an account (its root key is shown once)')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'POST', '/-/admin/accounts', { name });
      ctx.emit(res);
      ctx.say(
        `created account ${res.name}: APPID ${res.appId}, root uin ${res.uin}\nSecretId   ${res.secretId}\nSecretKey  ${res.secretKey}\n(the secret key is not shown again)`,
      );
    });
  account
    .command('show')
    .description('one account')
    .argument('<appid>')
    .action(async (appId: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'GET', `/-/admin/accounts/${appId}`);
      ctx.emit(res);
      ctx.say(JSON.stringify(res, null, 2));
    });
  for (const [verb, what] of [
    ['suspend', 'refuse every request of the account and to its buckets (403 AllAccessDisabled)'],
    ['resume', 'lift a suspension'],
  ] as const) {
    account
      .command(verb)
      .description(what)
      .argument('<appid>')
      .action(async (appId: string, _o: unknown, cmd: Command) => {
        const ctx = makeContext(cmd);
        const res = await admin(ctx, 'POST', `/-/admin/accounts/${appId}/${verb}`);
        ctx.emit(res);
        ctx.say(`account ${appId} ${res.suspended ? 'suspended' : 'active'}`);
      });
  }
  account
    .command('rm')
    .description('delete an account that owns no bucket, with its sub-users')
    .argument('<appid>')
    .action(async (appId: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      await admin(ctx, 'DELETE', `/-/admin/accounts/${appId}`);
      ctx.emit({ appId, deleted: true });
      ctx.say(`deleted account ${appId}`);
    });

  const user = adminCmd.command('user').description('sub-users');
  user
    .command('ls')
    .description('every sub-user')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'GET', '/-/admin/users');
      const users = (res.users ?? []) as { uin: string; name: string; createdAt: string }[];
      ctx.emit({ users });
      if (users.length) ctx.say(table(users.map((u) => [u.uin, u.name, shortDate(u.createdAt)])));
    });
  user
    .command('add')
    .description('create a sub-user')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'POST', '/-/admin/users', { name });
      ctx.emit(res);
      ctx.say(`created user ${res.name} uin ${res.uin} (${res.ownerId})`);
    });
  user
    .command('show')
    .description('one user with its key ids and policy names')
    .argument('<uin>')
    .action(async (uin: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'GET', `/-/admin/users/${uin}`);
      ctx.emit(res);
      ctx.say(JSON.stringify(res, null, 2));
    });
  user
    .command('rm')
    .description('delete a sub-user with its keys and policies')
    .argument('<uin>')
    .action(async (uin: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      await admin(ctx, 'DELETE', `/-/admin/users/${uin}`);
      ctx.emit({ uin, deleted: true });
      ctx.say(`deleted user ${uin}`);
    });

  const key = adminCmd.command('key').description("sub-users' access keys");
  key
    .command('ls')
    .argument('<uin>')
    .description("a user's key ids")
    .action(async (uin: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'GET', `/-/admin/users/${uin}/keys`);
      ctx.emit(res);
      for (const k of (res.keys ?? []) as { secretId: string; createdAt: string }[])
        ctx.say(`${k.secretId}  ${shortDate(k.createdAt)}`);
    });
  key
    .command('add')
    .argument('<uin>')
    .description('create a key (the secret is shown once)')
    .action(async (uin: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'POST', `/-/admin/users/${uin}/keys`);
      ctx.emit(res);
      ctx.say(`SecretId   ${res.secretId}\nSecretKey  ${res.secretKey}\n(the secret key is not shown again)`);
    });
  key
    .command('rm')
    .argument('<secretId>')
    .description('delete a key')
    .action(async (secretId: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      await admin(ctx, 'DELETE', `/-/admin/keys/${secretId}`);
      ctx.emit({ secretId, deleted: true });
      ctx.say(`deleted key ${secretId}`);
    });

  const policy = adminCmd.command('policy').description("sub-users' policies (CAM or S3 syntax)");
  policy
    .command('ls')
    .argument('<uin>')
    .description("a user's policy names")
    .action(async (uin: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'GET', `/-/admin/users/${uin}/policies`);
      ctx.emit(res);
      for (const p of (res.policies ?? []) as { name: string; updatedAt: string }[])
        ctx.say(`${p.name}  ${shortDate(p.updatedAt)}`);
    });
  policy
    .command('get')
    .arguments('<uin> <name>')
    .description('the policy document')
    .action(async (uin: string, name: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const res = await admin(ctx, 'GET', `/-/admin/users/${uin}/policies/${name}`);
      if (ctx.json) ctx.emit(res);
      else process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
    });
  policy
    .command('set')
    .arguments('<uin> <name> <file>')
    .description('attach or replace a policy from a JSON file (- for stdin)')
    .action(async (uin: string, name: string, file: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      await admin(ctx, 'PUT', `/-/admin/users/${uin}/policies/${name}`, readJsonFile(file));
      ctx.emit({ uin, name, attached: true });
      ctx.say(`policy ${name} attached to ${uin}`);
    });
  policy
    .command('rm')
    .arguments('<uin> <name>')
    .description('detach a policy')
    .action(async (uin: string, name: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      await admin(ctx, 'DELETE', `/-/admin/users/${uin}/policies/${name}`);
      ctx.emit({ uin, name, detached: true });
      ctx.say(`policy ${name} detached from ${uin}`);
    });

  program
    .command('usage')
    .description("a bucket's usage as the server counts it: objects by class, versions, markers, incomplete uploads")
    .argument('<bucket>', 'cos://bucket-appid')
    .addHelpText(
      'after',
      '\nExamples:\n  coffer usage cos://photos-1250000000\n  coffer usage --json s3://photos-1250000000',
    )
    .action(async (text: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const m = /^(?:cos|s3):\/\/([^/]+)\/?$/.exec(text);
      if (!m) throw new CliError(`${text}: expected a bucket (cos://bucket-appid)`);
      const res = await admin(ctx, 'GET', '/-/admin/usage', undefined, { bucket: m[1]! });
      if (ctx.json) {
        ctx.emit(res);
        return;
      }
      const walkOut = (value: unknown, indent: string): void => {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (v && typeof v === 'object') {
            ctx.say(`${indent}${k}:`);
            walkOut(v, `${indent}  `);
          } else
            ctx.say(
              `${indent}${k}: ${typeof v === 'number' && /bytes/i.test(k) ? `${humanBytes(v)} (${v})` : String(v)}`,
            );
        }
      };
      walkOut(res, '');
    });
}
