/** `inventory ls|get|set|rm|run`: a bucket's inventory configurations and their reports. */
import fs from 'node:fs';
import type { InventoryConfiguration } from '@coffer/sdk';
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

/** The configuration `set` sends, from its options (the destination in COS's form). */
function configurationOf(id: string, o: SetOptions, region: string): InventoryConfiguration {
  if (o.dest === undefined) throw new CliError('inventory set: give --dest cos://bucket-appid[/prefix] (or --file)');
  const dest = parseRemote(o.dest);
  const fields = (o.fields ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return {
    Id: id,
    IsEnabled: o.disabled ? 'false' : 'true',
    Destination: {
      COSBucketDestination: {
        Format: 'CSV',
        Bucket: `qcs::cos:${region}::${dest.bucket}`,
        ...(dest.key !== '' ? { Prefix: dest.key } : {}),
        ...(o.encrypt ? { Encryption: { SSECOS: '' } } : {}),
      },
    },
    ...(o.prefix !== undefined ? { Filter: { Prefix: o.prefix } } : {}),
    IncludedObjectVersions: o.allVersions ? 'All' : 'Current',
    ...(fields.length > 0 ? { OptionalFields: fields } : {}),
    Schedule: { Frequency: o.weekly ? 'Weekly' : 'Daily' },
  };
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
      const configurations: InventoryConfiguration[] = [];
      let token: string | undefined;
      do {
        const page = await ctx.cos.listBucketInventory({
          Bucket: p.bucket,
          Region: ctx.profile.region,
          ...(token ? { ContinuationToken: token } : {}),
        });
        configurations.push(...page.InventoryConfigurations);
        token = page.NextContinuationToken;
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
      const { InventoryConfiguration } = await ctx.cos.getBucketInventory({
        Bucket: bucketOf(text).bucket,
        Region: ctx.profile.region,
        Id: id,
      });
      process.stdout.write(`${JSON.stringify(InventoryConfiguration, null, ctx.json ? undefined : 2)}\n`);
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
      const p = bucketOf(text);
      // An XML file is sent as it is; options become the sdk's configuration.
      if (o.file !== undefined) {
        const xml = o.file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(o.file, 'utf8');
        await raw(ctx, 'PUT', p, 'inventory', xml, { id });
      } else {
        await ctx.cos.putBucketInventory({
          Bucket: p.bucket,
          Region: ctx.profile.region,
          Id: id,
          InventoryConfiguration: configurationOf(id, o, ctx.profile.region),
        });
      }
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
      await ctx.cos.deleteBucketInventory({ Bucket: bucketOf(text).bucket, Region: ctx.profile.region, Id: id });
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
