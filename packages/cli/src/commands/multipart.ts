/** `multipart ls|rm|clear`: incomplete multipart uploads, as the console lists them, from the shell. */
import type { Command } from 'commander';
import { makeContext } from '../context.js';
import { CliError } from '../errors.js';
import { humanBytes, shortDate, table } from '../format.js';
import { listUploads, uploadedBytes } from '../listing.js';
import { parseRemote } from '../remote.js';

export function registerMultipart(program: Command): void {
  const multipart = program
    .command('multipart')
    .description('incomplete multipart uploads: list them with their sizes, abort one, clear all')
    .addHelpText(
      'after',
      '\nExamples:\n  coffer multipart ls cos://photos-1250000000\n  coffer multipart rm cos://photos-1250000000/big.iso 2f1c…\n  coffer multipart clear cos://photos-1250000000/tmp/',
    );
  multipart
    .command('ls')
    .description('incomplete uploads under a prefix, with parts and bytes uploaded so far')
    .argument('<path>', 'cos://bucket-appid[/prefix]')
    .action(async (text: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      const uploads = [];
      for await (const u of listUploads(ctx.cos, p.bucket, ctx.profile.region, p.key)) {
        const done = await uploadedBytes(ctx.cos, p.bucket, ctx.profile.region, u.key, u.uploadId);
        uploads.push({ ...u, parts: done.parts, sizeBytes: done.sizeBytes });
      }
      ctx.emit({ bucket: p.bucket, prefix: p.key, uploads });
      if (uploads.length)
        ctx.say(
          table(
            uploads.map((u) => [
              shortDate(u.initiated),
              humanBytes(u.sizeBytes),
              `${u.parts} parts`,
              u.uploadId,
              u.key,
            ]),
            [1],
          ),
        );
    });
  multipart
    .command('rm')
    .description('abort one upload (its parts are deleted)')
    .argument('<path>', 'cos://bucket-appid/key')
    .argument('<uploadId>')
    .action(async (text: string, uploadId: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      if (p.key === '') throw new CliError(`${text}: name the upload's key`);
      await ctx.cos.multipartAbort({ Bucket: p.bucket, Region: ctx.profile.region, Key: p.key, UploadId: uploadId });
      ctx.emit({ bucket: p.bucket, key: p.key, uploadId, aborted: true });
      ctx.say(`aborted ${uploadId} (${text})`);
    });
  multipart
    .command('clear')
    .description('abort every incomplete upload under a prefix')
    .argument('<path>', 'cos://bucket-appid[/prefix]')
    .option('--dry-run', 'list what would be aborted')
    .action(async (text: string, opts: { dryRun?: boolean }, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      const aborted: { key: string; uploadId: string }[] = [];
      for await (const u of listUploads(ctx.cos, p.bucket, ctx.profile.region, p.key)) {
        if (!opts.dryRun)
          await ctx.cos.multipartAbort({
            Bucket: p.bucket,
            Region: ctx.profile.region,
            Key: u.key,
            UploadId: u.uploadId,
          });
        aborted.push({ key: u.key, uploadId: u.uploadId });
        ctx.say(`${opts.dryRun ? '(dry run) ' : ''}abort: ${u.key} ${u.uploadId}`);
      }
      ctx.emit({ bucket: p.bucket, prefix: p.key, aborted, dryRun: opts.dryRun === true });
      ctx.say(`${opts.dryRun ? 'would abort' : 'aborted'} ${aborted.length} uploads`);
    });
}
