/** `mb` and `rb`: make and remove buckets. */
import type { Command } from 'commander';
import { makeContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { deleteBatched, listUploads, listVersions } from '../listing.js';
import { parseRemote } from '../remote.js';

export function registerBucket(program: Command): void {
  program
    .command('mb')
    .description('make a bucket')
    .argument('<bucket>', 'cos://name-appid or s3://name')
    .option('--acl <acl>', 'canned ACL: private, public-read, public-read-write')
    .option('--versioning', 'turn versioning on at once')
    .addHelpText(
      'after',
      '\nExamples:\n  coffer mb cos://photos-1250000000\n  coffer mb --versioning s3://backups-1250000000',
    )
    .action(async (text: string, opts: { acl?: string; versioning?: boolean }, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text, 'a bucket');
      if (p.key !== '') throw new CliError(`${text}: a bucket has no key part`);
      await ctx.cos.putBucket({ Bucket: p.bucket, Region: ctx.profile.region, ...(opts.acl ? { ACL: opts.acl } : {}) });
      if (opts.versioning) {
        await ctx.cos.putBucketVersioning({
          Bucket: p.bucket,
          Region: ctx.profile.region,
          VersioningConfiguration: { Status: 'Enabled' },
        });
      }
      ctx.emit({ bucket: p.bucket, created: true, versioning: opts.versioning === true });
      ctx.say(`made bucket ${text}`);
    });

  program
    .command('rb')
    .description('remove a bucket; --force first removes its objects, versions and incomplete uploads')
    .argument('<bucket>', 'cos://name-appid or s3://name')
    .option('--force', 'empty the bucket first (every version, delete marker and incomplete upload)')
    .addHelpText(
      'after',
      '\nExamples:\n  coffer rb cos://scratch-1250000000\n  coffer rb --force cos://scratch-1250000000',
    )
    .action(async (text: string, opts: { force?: boolean }, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text, 'a bucket');
      if (p.key !== '') throw new CliError(`${text}: a bucket has no key part`);
      const region = ctx.profile.region;
      let versions = 0;
      let uploads = 0;
      if (opts.force) {
        // Versions and delete markers (a bucket never versioned lists its objects here too, with VersionId "null").
        const removed = await deleteBatched(
          ctx.cos,
          p.bucket,
          region,
          (async function* () {
            for await (const v of listVersions(ctx.cos, p.bucket, region, ''))
              yield { Key: v.key, VersionId: v.versionId };
          })(),
        );
        if (removed.errors.length) {
          const e = removed.errors[0]!;
          throw new CliError(
            `could not empty ${text}: ${removed.errors.length} deletes failed, first ${e.key}: ${e.code} ${e.message}`,
            EXIT.partial,
          );
        }
        versions = removed.deleted;
        for await (const u of listUploads(ctx.cos, p.bucket, region, '')) {
          await ctx.cos.multipartAbort({ Bucket: p.bucket, Region: region, Key: u.key, UploadId: u.uploadId });
          uploads++;
        }
      }
      await ctx.cos.deleteBucket({ Bucket: p.bucket, Region: region });
      ctx.emit({ bucket: p.bucket, removed: true, objectVersionsDeleted: versions, uploadsAborted: uploads });
      if (opts.force)
        ctx.say(`deleted ${versions} object versions and delete markers, aborted ${uploads} incomplete uploads`);
      ctx.say(`removed bucket ${text}`);
    });
}
