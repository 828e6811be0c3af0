/** `rm`: one key, or everything under a prefix with -r (batched 1,000 keys a DeleteObjects request). */
import type { Command } from 'commander';
import { makeContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { deleteBatched, listObjects } from '../listing.js';
import { parseRemote } from '../remote.js';
import { collect, folderPrefix, pathFilter } from '../transfer.js';

export function registerRm(program: Command): void {
  program
    .command('rm')
    .description('delete an object, or every object under a prefix with -r')
    .argument('<paths...>', 'cos://bucket-appid/key …')
    .option('-r, --recursive', 'everything under the prefix (a folder), 1,000 keys per request')
    .option('--version-id <id>', 'delete this version for good')
    .option('--include <glob>', 'with -r: only keys (relative to the prefix) matching a glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'with -r: skip keys matching a glob (repeatable)', collect, [])
    .option('--dry-run', 'print what would be deleted')
    .addHelpText(
      'after',
      '\nExamples:\n  coffer rm cos://photos-1250000000/a.jpg\n  coffer rm -r cos://photos-1250000000/2019/\n  coffer rm -r --include "*.tmp" s3://photos-1250000000/',
    )
    .action(
      async (
        texts: string[],
        opts: { recursive?: boolean; versionId?: string; include?: string[]; exclude?: string[]; dryRun?: boolean },
        cmd: Command,
      ) => {
        const ctx = makeContext(cmd);
        const region = ctx.profile.region;
        let deleted = 0;
        const keys: string[] = [];
        const failed: { key: string; code: string; message: string }[] = [];
        for (const text of texts) {
          const p = parseRemote(text);
          if (!opts.recursive) {
            if (p.key === '' || p.key.endsWith('/'))
              throw new CliError(`${text} is a folder: add -r to delete what is under it`);
            if (!opts.dryRun)
              await ctx.cos.deleteObject({
                Bucket: p.bucket,
                Region: region,
                Key: p.key,
                ...(opts.versionId ? { VersionId: opts.versionId } : {}),
              });
            deleted++;
            keys.push(p.key);
            ctx.say(`${opts.dryRun ? '(dry run) ' : ''}delete: ${text}`);
            continue;
          }
          const prefix = p.key === '' ? '' : p.key.endsWith('/') ? p.key : folderPrefix(p.key);
          const keep = pathFilter({ include: opts.include ?? [], exclude: opts.exclude ?? [] });
          const selected = (async function* () {
            for await (const o of listObjects(ctx.cos, p.bucket, region, prefix)) {
              if (!keep(o.key.slice(prefix.length))) continue;
              keys.push(o.key);
              if (opts.dryRun) ctx.say(`(dry run) delete: ${p.scheme}://${p.bucket}/${o.key}`);
              yield { Key: o.key };
            }
          })();
          if (opts.dryRun) {
            for await (const _ of selected) deleted++;
            continue;
          }
          const res = await deleteBatched(ctx.cos, p.bucket, region, selected, (n) =>
            ctx.note(`deleted ${n} objects…`),
          );
          deleted += res.deleted;
          failed.push(...res.errors);
        }
        ctx.emit({ deleted, dryRun: opts.dryRun === true, keys, failed });
        if (opts.recursive) ctx.say(`${opts.dryRun ? 'would delete' : 'deleted'} ${deleted} objects`);
        for (const f of failed) process.stderr.write(`coffer: ${f.key}: ${f.code}: ${f.message}\n`);
        if (failed.length) process.exitCode = EXIT.partial;
      },
    );
}
