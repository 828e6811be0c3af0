/** `inventory ls|get|set|rm|run`: a bucket's inventory configurations and their reports. */
import fs from 'node:fs';
import COS from '@coffer/sdk';
import type { Command } from 'commander';
import { makeContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseRemote, type RemotePath } from '../remote.js';
import { admin } from './admin.js';
import { raw } from './bucket-config.js';

function bucketOf(text: string): RemotePath {
  const p = parseRemote(text);
  if (p.key !== '') throw new CliError(`inventory belongs to a bucket: ${text} has a key`);
  return p;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface SetOptions {
  dest?: string;
  fields?: string;
  prefix?: string;
  weekly?: boolean;
  allVersions?: boolean;
  disabled?: boolean;
  encrypt?: boolean;
  file?: string;
}

/** The InventoryConfiguration document `set` sends (S3's form). */
function documentOf(id: string, o: SetOptions): string {
  if (o.file !== undefined) return o.file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(o.file, 'utf8');
  if (o.dest === undefined) throw new CliError('inventory set: give --dest cos://bucket-appid[/prefix] (or --file)');
  const dest = parseRemote(o.dest);
  const fields = (o.fields ?? 'Size,LastModifiedDate,ETag,StorageClass')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return [
    `<InventoryConfiguration><Id>${escapeXml(id)}</Id><IsEnabled>${o.disabled ? 'false' : 'true'}</IsEnabled>`,
    `<Destination><S3BucketDestination><Format>CSV</Format><Bucket>arn:aws:s3:::${escapeXml(dest.bucket)}</Bucket>`,
    dest.key !== '' ? `<Prefix>${escapeXml(dest.key)}</Prefix>` : '',
    o.encrypt ? '<Encryption><SSE-S3/></Encryption>' : '',
    '</S3BucketDestination></Destination>',
    o.prefix !== undefined ? `<Filter><Prefix>${escapeXml(o.prefix)}</Prefix></Filter>` : '',
    `<IncludedObjectVersions>${o.allVersions ? 'All' : 'Current'}</IncludedObjectVersions>`,
    fields.length > 0
      ? `<OptionalFields>${fields.map((f) => `<Field>${escapeXml(f)}</Field>`).join('')}</OptionalFields>`
      : '',
    `<Schedule><Frequency>${o.weekly ? 'Weekly' : 'Daily'}</Frequency></Schedule></InventoryConfiguration>`,
  ].join('');
}

export function registerInventory(program: Command): void {
  const group = program
    .command('inventory')
    .description("a bucket's inventory: daily or weekly CSV reports of its objects, written to a destination bucket")
    .addHelpText(
      'after',
      `
Examples:
  coffer inventory set cos://photos-1250000000 daily --dest cos://reports-1250000000/inventory --fields Size,ETag
  coffer inventory ls cos://photos-1250000000
  coffer inventory run cos://photos-1250000000 daily     (write a report now)
  coffer inventory rm cos://photos-1250000000 daily`,
    );
  group
    .command('ls')
    .description('list the configurations (JSON)')
    .argument('<bucket>', 'cos://bucket-appid')
    .action(async (text: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = bucketOf(text);
      const configurations: unknown[] = [];
      let token: string | undefined;
      do {
        const xml = await raw(ctx, 'GET', p, 'inventory', undefined, token ? { 'continuation-token': token } : {});
        const doc = COS.util.xml2json(xml) as Record<
          string,
          { InventoryConfiguration?: unknown; NextContinuationToken?: string } | undefined
        >;
        const result = doc.ListInventoryConfigurationResult ?? doc.ListInventoryConfigurationsResult;
        configurations.push(...asList(result?.InventoryConfiguration));
        token = result?.NextContinuationToken;
      } while (token);
      process.stdout.write(`${JSON.stringify(configurations, null, ctx.json ? undefined : 2)}\n`);
    });
  group
    .command('get')
    .description('print one configuration as JSON')
    .argument('<bucket>', 'cos://bucket-appid')
    .argument('<id>', 'the configuration id')
    .action(async (text: string, id: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const xml = await raw(ctx, 'GET', bucketOf(text), 'inventory', undefined, { id });
      const doc = COS.util.xml2json(xml) as { InventoryConfiguration?: unknown };
      process.stdout.write(`${JSON.stringify(doc.InventoryConfiguration ?? {}, null, ctx.json ? undefined : 2)}\n`);
    });
  group
    .command('set')
    .description('add or replace a configuration (from options, or an XML file with --file)')
    .argument('<bucket>', 'cos://bucket-appid')
    .argument('<id>', 'the configuration id')
    .option('--dest <path>', 'where reports go: cos://bucket-appid[/prefix]')
    .option('--fields <list>', 'optional fields, comma-separated', 'Size,LastModifiedDate,ETag,StorageClass')
    .option('--prefix <prefix>', 'only objects under this prefix')
    .option('--weekly', 'weekly reports (default daily)')
    .option('--all-versions', 'list every version and delete marker (default current versions)')
    .option('--encrypt', 'encrypt the reports at rest (SSE-S3)')
    .option('--disabled', 'keep the configuration but write no reports')
    .option('--file <file>', 'an InventoryConfiguration XML document (- for stdin)')
    .action(async (text: string, id: string, o: SetOptions, cmd: Command) => {
      const ctx = makeContext(cmd);
      await raw(ctx, 'PUT', bucketOf(text), 'inventory', documentOf(id, o), { id });
      ctx.emit({ path: text, id, inventory: 'set' });
      ctx.say(`inventory ${id} set on ${text}`);
    });
  group
    .command('rm')
    .description('remove a configuration')
    .argument('<bucket>', 'cos://bucket-appid')
    .argument('<id>', 'the configuration id')
    .action(async (text: string, id: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      await raw(ctx, 'DELETE', bucketOf(text), 'inventory', undefined, { id });
      ctx.emit({ path: text, id, inventory: 'removed' });
      ctx.say(`inventory ${id} removed from ${text}`);
    });
  group
    .command('run')
    .description("write a configuration's report now (the account root's key); prints its manifest key")
    .argument('<bucket>', 'cos://bucket-appid')
    .argument('<id>', 'the configuration id')
    .action(async (text: string, id: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = bucketOf(text);
      const res = await admin(ctx, 'POST', '/-/admin/inventory/run', undefined, { bucket: p.bucket, id });
      if (ctx.json) return ctx.emit(res);
      ctx.say(`report of ${res.rows} objects: ${res.manifestKey}`);
    });
}
