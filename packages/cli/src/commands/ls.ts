/** `ls`, `du`, `stat`/`head` and `cat`: reading what is there. */
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { type Context, makeContext } from '../context.js';
import { CliError } from '../errors.js';
import { humanBytes, shortDate, table } from '../format.js';
import { listLevel, listObjects, listUploads, listVersions, uploadedBytes } from '../listing.js';
import { parseRemote } from '../remote.js';

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list buckets, or objects and folders under a path')
    .argument('[path]', 'cos://bucket-appid/prefix or s3://bucket/prefix (none: the buckets)')
    .option('-r, --recursive', 'every object under the prefix, not only one level')
    .option('--versions', 'every version and delete marker')
    .option('--incomplete', 'incomplete multipart uploads, with the bytes uploaded so far')
    .option('--bytes', 'sizes in bytes, not human units')
    .addHelpText(
      'after',
      `
Examples:
  coffer ls
  coffer ls cos://photos-1250000000/2024/
  coffer ls -r s3://photos-1250000000
  coffer ls --versions cos://photos-1250000000/report.pdf
  coffer ls --incomplete cos://photos-1250000000`,
    )
    .action(
      async (
        text: string | undefined,
        opts: { recursive?: boolean; versions?: boolean; incomplete?: boolean; bytes?: boolean },
        cmd: Command,
      ) => {
        const ctx = makeContext(cmd);
        const size = (n: number) => (opts.bytes ? String(n) : humanBytes(n));
        if (text === undefined) return listBuckets(ctx);
        const p = parseRemote(text);
        const region = ctx.profile.region;
        if (opts.versions) {
          const versions = [];
          for await (const v of listVersions(ctx.cos, p.bucket, region, p.key)) versions.push(v);
          ctx.emit({ bucket: p.bucket, prefix: p.key, versions });
          ctx.say(
            table(
              versions.map((v) => [
                shortDate(v.lastModified),
                v.deleteMarker ? '(delete marker)' : size(v.sizeBytes),
                v.isLatest ? 'latest' : '',
                v.versionId,
                v.key,
              ]),
              [1],
            ),
          );
          return;
        }
        if (opts.incomplete) {
          const uploads = [];
          for await (const u of listUploads(ctx.cos, p.bucket, region, p.key)) {
            const done = await uploadedBytes(ctx.cos, p.bucket, region, u.key, u.uploadId);
            uploads.push({ ...u, parts: done.parts, sizeBytes: done.sizeBytes });
          }
          ctx.emit({ bucket: p.bucket, prefix: p.key, uploads });
          ctx.say(
            table(
              uploads.map((u) => [shortDate(u.initiated), size(u.sizeBytes), `${u.parts} parts`, u.uploadId, u.key]),
              [1],
            ),
          );
          return;
        }
        if (opts.recursive) {
          const objects = [];
          const rows: string[][] = [];
          for await (const o of listObjects(ctx.cos, p.bucket, region, p.key)) {
            if (ctx.json) objects.push(o);
            else
              rows.push([
                shortDate(o.lastModified),
                size(o.sizeBytes),
                o.storageClass,
                `${p.scheme}://${p.bucket}/${o.key}`,
              ]);
          }
          ctx.emit({ bucket: p.bucket, prefix: p.key, objects, prefixes: [] });
          if (rows.length) ctx.say(table(rows, [1]));
          return;
        }
        const level = await listLevel(ctx.cos, p.bucket, region, p.key);
        ctx.emit({ bucket: p.bucket, prefix: p.key, objects: level.objects, prefixes: level.prefixes });
        const rows = [
          ...level.prefixes.map((pr) => ['', 'DIR', '', `${p.scheme}://${p.bucket}/${pr}`]),
          ...level.objects.map((o) => [
            shortDate(o.lastModified),
            size(o.sizeBytes),
            o.storageClass,
            `${p.scheme}://${p.bucket}/${o.key}`,
          ]),
        ];
        if (rows.length) ctx.say(table(rows, [1]));
      },
    );

  program
    .command('du')
    .description('object count and bytes under a prefix (a folder size), by storage class')
    .argument('<path>', 'cos://bucket-appid/prefix')
    .option('--bytes', 'bytes, not human units')
    .addHelpText(
      'after',
      '\nExamples:\n  coffer du cos://photos-1250000000/2024/\n  coffer du --json s3://photos-1250000000',
    )
    .action(async (text: string, opts: { bytes?: boolean }, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      let objects = 0;
      let bytes = 0;
      const byClass: Record<string, { objects: number; bytes: number }> = {};
      for await (const o of listObjects(ctx.cos, p.bucket, ctx.profile.region, p.key)) {
        objects++;
        bytes += o.sizeBytes;
        const c = (byClass[o.storageClass] ??= { objects: 0, bytes: 0 });
        c.objects++;
        c.bytes += o.sizeBytes;
      }
      ctx.emit({ bucket: p.bucket, prefix: p.key, objects, bytes, storageClasses: byClass });
      const size = (n: number) => (opts.bytes ? String(n) : humanBytes(n));
      ctx.say(`${size(bytes)}  ${objects} objects  ${text}`);
      for (const [c, v] of Object.entries(byClass))
        ctx.say(`  ${c.padEnd(14)} ${size(v.bytes).padStart(10)}  ${v.objects} objects`);
    });

  for (const name of ['stat', 'head']) {
    program
      .command(name)
      .description(name === 'stat' ? "an object's size, type, ETag, class and metadata (HEAD)" : 'same as stat')
      .argument('<path>', 'cos://bucket-appid/key')
      .option('--version-id <id>', 'a version other than the current one')
      .addHelpText(
        'after',
        `\nExamples:\n  coffer ${name} cos://photos-1250000000/a.jpg\n  coffer ${name} --json s3://photos-1250000000/a.jpg`,
      )
      .action(async (text: string, opts: { versionId?: string }, cmd: Command) => {
        const ctx = makeContext(cmd);
        const p = parseRemote(text);
        if (p.key === '') {
          const res = await ctx.cos.headBucket({ Bucket: p.bucket, Region: ctx.profile.region });
          ctx.emit({
            bucket: p.bucket,
            region: res.headers['x-cos-bucket-region'] ?? res.headers['x-amz-bucket-region'] ?? null,
          });
          ctx.say(`bucket ${p.bucket} exists`);
          return;
        }
        const res = await ctx.cos.headObject({
          Bucket: p.bucket,
          Region: ctx.profile.region,
          Key: p.key,
          ...(opts.versionId ? { VersionId: opts.versionId } : {}),
        });
        const h = res.headers;
        const meta: Record<string, string> = {};
        for (const [k, v] of Object.entries(h)) {
          const m = /^x-(?:cos|amz)-meta-(.+)$/.exec(k);
          if (m) meta[m[1]!] = String(v);
        }
        const info = {
          bucket: p.bucket,
          key: p.key,
          sizeBytes: Number(h['content-length'] ?? 0),
          contentType: h['content-type'] ?? null,
          etag: h.etag ?? null,
          lastModified: h['last-modified'] ?? null,
          storageClass: h['x-cos-storage-class'] ?? h['x-amz-storage-class'] ?? 'STANDARD',
          versionId: h['x-cos-version-id'] ?? h['x-amz-version-id'] ?? null,
          crc64: h['x-cos-hash-crc64ecma'] ?? null,
          restore: h['x-cos-restore'] ?? h['x-amz-restore'] ?? null,
          metadata: meta,
        };
        ctx.emit(info);
        const rows = [
          ['Key', info.key],
          ['Size', `${humanBytes(info.sizeBytes)} (${info.sizeBytes} bytes)`],
          ['Type', String(info.contentType ?? '')],
          ['ETag', String(info.etag ?? '')],
          ['Modified', String(info.lastModified ?? '')],
          ['Class', String(info.storageClass)],
          ...(info.versionId ? [['Version', String(info.versionId)]] : []),
          ...(info.crc64 ? [['CRC64', String(info.crc64)]] : []),
          ...(info.restore ? [['Restore', String(info.restore)]] : []),
          ...Object.entries(meta).map(([k, v]) => [`meta:${k}`, v]),
        ];
        ctx.say(table(rows));
      });
  }

  program
    .command('cat')
    .description("write an object's bytes to stdout (streamed)")
    .argument('<path>', 'cos://bucket-appid/key')
    .option('--version-id <id>', 'a version other than the current one')
    .option('--range <bytes>', 'a byte range, e.g. 0-99')
    .addHelpText(
      'after',
      '\nExamples:\n  coffer cat cos://logs-1250000000/app.log | grep ERROR\n  coffer cat --range 0-99 s3://logs-1250000000/app.log',
    )
    .action(async (text: string, opts: { versionId?: string; range?: string }, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      if (p.key === '' || p.key.endsWith('/')) throw new CliError(`${text} names a folder, not an object`);
      if (opts.range !== undefined && !/^\d*-\d*$/.test(opts.range))
        throw new CliError('--range must look like 0-99, 100- or -100');
      await ctx.cos.getObject({
        Bucket: p.bucket,
        Region: ctx.profile.region,
        Key: p.key,
        Output: stdoutKeptOpen(),
        ...(opts.versionId ? { VersionId: opts.versionId } : {}),
        ...(opts.range ? { Range: `bytes=${opts.range}` } : {}),
      });
    });
}

/**
 * stdout for a body that is piped in: the sdk's pipeline ends its destination, and ending process.stdout shuts
 * down a socket stdout for every process sharing it (a script's later commands then get EPIPE). Each chunk is
 * handed on with its callback, so backpressure still holds.
 */
function stdoutKeptOpen(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      process.stdout.write(chunk, (err) => callback(err ?? null));
    },
  });
}

async function listBuckets(ctx: Context): Promise<void> {
  const res = await ctx.cos.getService({});
  const buckets = (res.Buckets ?? []).map((b) => ({
    name: b.Name,
    region: b.Location ?? null,
    createdAt: b.CreationDate,
  }));
  ctx.emit({ buckets });
  if (buckets.length)
    ctx.say(
      table(
        buckets.map((b) => [
          shortDate(b.createdAt),
          String(b.region ?? ''),
          `${ctx.profile.signing === 's3' ? 's3' : 'cos'}://${b.name}`,
        ]),
      ),
    );
}
