/** `cp`, `mv`, `sync` and `mirror`: moving bytes between local files and buckets. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type CheckMode, sameContent } from '../compare.js';
import { type Context, makeContext } from '../context.js';
import { CliError, describeError, EXIT } from '../errors.js';
import { humanBytes } from '../format.js';
import { deleteBatched, listObjects, type ObjectEntry } from '../listing.js';
import { Progress } from '../progress.js';
import { type AnyPath, parsePath, parseRemote, type RemotePath, remoteText } from '../remote.js';
import {
  folderPrefix,
  pathFilter,
  planCopy,
  type RunSummary,
  runTasks,
  type Task,
  type TransferOptionFlags,
  type TransferOptions,
  transferFlags,
  transferOptions,
  walk,
} from '../transfer.js';

const verb = (t: Task) => (t.kind === 'upload' ? 'upload' : t.kind === 'download' ? 'download' : 'copy');
const describeTask = (t: Task) =>
  `${verb(t)}: ${t.kind === 'upload' ? t.file : remoteText(t.src, t.key)} → ${t.kind === 'upload' ? remoteText(t.dest, t.key) : t.kind === 'download' ? t.file : remoteText(t.dest, t.destKey)}`;

function progressFor(ctx: Context): Progress {
  return new Progress({ silent: ctx.quiet || ctx.json });
}

function report(ctx: Context, summary: RunSummary, extra: Record<string, unknown> = {}): void {
  ctx.emit({
    ...extra,
    files: summary.files,
    bytes: summary.bytes,
    transfers: summary.transfers,
    failed: summary.failed,
  });
  for (const f of summary.failed) {
    process.stderr.write(
      `coffer: ${f.source} → ${f.destination}: ${f.code}: ${f.message}${f.requestId ? ` (RequestId: ${f.requestId})` : ''}\n`,
    );
  }
  if (summary.failed.length) process.exitCode = EXIT.partial;
}

export function registerCp(program: Command): void {
  transferFlags(
    program
      .command('cp')
      .description('copy files and objects: local↔remote, remote↔remote; large files in parallel parts, resumable')
      .argument('<source>', 'a local path, cos://bucket-appid/key or s3://bucket/key')
      .argument('<destination>', 'a local path or remote path; a trailing / names a folder'),
  )
    .addHelpText(
      'after',
      `
Files above --part-size go as multipart uploads; if a cp is interrupted, running the same cp again finds the
incomplete upload, checks the parts already there against the local file (ListParts + MD5 of each chunk) and
sends only the missing ones.

Examples:
  coffer cp ./photo.jpg cos://photos-1250000000/2024/
  coffer cp -r ./site/ cos://www-1250000000/ --exclude "*.map"
  coffer cp -r cos://photos-1250000000/2024/ ./backup/2024/
  coffer cp cos://photos-1250000000/a.jpg cos://archive-1250000000/a.jpg --storage-class ARCHIVE
  coffer cp --part-size 64MiB --part-jobs 16 ./disk.img s3://images-1250000000/`,
    )
    .action(async (source: string, destination: string, flags: TransferOptionFlags, cmd: Command) => {
      const ctx = makeContext(cmd);
      const options = transferOptions(flags);
      const summary = await runTasks(
        ctx,
        planCopy(ctx, parsePath(source), parsePath(destination), options),
        options,
        progressFor(ctx),
        describeTask,
        describeError,
      );
      report(ctx, summary);
    });

  transferFlags(
    program
      .command('mv')
      .description('move: copy, then delete each source once its copy is complete')
      .argument('<source>', 'a local path or remote path')
      .argument('<destination>', 'a local path or remote path'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  coffer mv cos://photos-1250000000/tmp/a.jpg cos://photos-1250000000/2024/a.jpg\n  coffer mv -r ./outbox/ s3://inbox-1250000000/',
    )
    .action(async (source: string, destination: string, flags: TransferOptionFlags, cmd: Command) => {
      const ctx = makeContext(cmd);
      const options = transferOptions(flags);
      const summary = await runTasks(
        ctx,
        planCopy(ctx, parsePath(source), parsePath(destination), options),
        options,
        progressFor(ctx),
        (t) => describeTask(t).replace(/^\w+/, 'move'),
        describeError,
        async (t) => {
          if (t.kind === 'upload') await fs.promises.unlink(t.file);
          else await ctx.cos.deleteObject({ Bucket: t.src.bucket, Region: ctx.profile.region, Key: t.key });
        },
      );
      report(ctx, summary);
    });

  transferFlags(
    program
      .command('sync')
      .description('make the destination folder match the source: copy what is new or changed, skip the rest')
      .argument('<source>', 'a local folder or remote prefix')
      .argument('<destination>', 'a remote prefix or local folder')
      .option(
        '--check <mode>',
        'how unchanged files are recognised: crc64 (size + CRC-64), etag (size + ETag), size',
        'crc64',
      )
      .option('--delete', 'delete destination files that are not in the source')
      .option('--dry-run', 'print what would be done, do nothing'),
  )
    .addHelpText(
      'after',
      `
Examples:
  coffer sync ./site/ cos://www-1250000000/
  coffer sync --delete --dry-run ./site/ cos://www-1250000000/
  coffer sync cos://photos-1250000000/2024/ ./photos/2024/ --check etag`,
    )
    .action(
      async (
        source: string,
        destination: string,
        flags: TransferOptionFlags & { check: string; delete?: boolean; dryRun?: boolean },
        cmd: Command,
      ) => {
        const ctx = makeContext(cmd);
        const options = { ...transferOptions(flags), recursive: true };
        if (!['crc64', 'etag', 'size'].includes(flags.check)) throw new CliError('--check must be crc64, etag or size');
        const result = await sync(ctx, parsePath(source), parsePath(destination), options, {
          check: flags.check as CheckMode,
          delete: flags.delete === true,
          dryRun: flags.dryRun === true,
        });
        report(ctx, result.summary, {
          skipped: result.skipped,
          deleted: result.deleted,
          dryRun: flags.dryRun === true,
          planned: result.planned,
        });
        if (!ctx.json)
          ctx.say(
            `${flags.dryRun ? 'would copy' : 'copied'} ${result.planned.length} files (${humanBytes(result.plannedBytes)}), ${result.skipped} unchanged, ${result.deleted.length} ${flags.dryRun ? 'to delete' : 'deleted'}`,
          );
      },
    );

  transferFlags(
    program
      .command('mirror')
      .description('sync a local folder to a remote prefix, then with --watch keep following its changes')
      .argument('<folder>', 'a local folder')
      .argument('<destination>', 'a remote prefix')
      .option('--watch', 'keep running: upload files as they are created or changed')
      .option('--delete', 'delete remote objects whose local file is gone')
      .option('--check <mode>', 'crc64, etag or size (as sync)', 'crc64'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  coffer mirror ./site/ cos://www-1250000000/\n  coffer mirror --watch --delete ./notes/ s3://notes-1250000000/',
    )
    .action(
      async (
        folder: string,
        destination: string,
        flags: TransferOptionFlags & { watch?: boolean; delete?: boolean; check: string },
        cmd: Command,
      ) => {
        const ctx = makeContext(cmd);
        const options = { ...transferOptions(flags), recursive: true };
        const src = parsePath(folder);
        const dst = parseRemote(destination);
        if (src.kind !== 'local') throw new CliError('mirror follows a local folder: the first path must be local');
        const first = await sync(ctx, src, dst, options, {
          check: flags.check as CheckMode,
          delete: flags.delete === true,
          dryRun: false,
        });
        report(ctx, first.summary, { skipped: first.skipped, deleted: first.deleted });
        if (!flags.watch) return;
        await watch(ctx, src.path, dst, options, flags.delete === true);
      },
    );
}

interface SyncResult {
  summary: RunSummary;
  skipped: number;
  deleted: string[];
  planned: { source: string; destination: string; bytes: number }[];
  plannedBytes: number;
}

async function sync(
  ctx: Context,
  src: AnyPath,
  dst: AnyPath,
  options: TransferOptions,
  how: { check: CheckMode; delete: boolean; dryRun: boolean },
): Promise<SyncResult> {
  const region = ctx.profile.region;
  const keep = pathFilter(options);
  let skipped = 0;
  const deleted: string[] = [];
  const planned: SyncResult['planned'] = [];
  const tasks: Task[] = [];

  if (src.kind === 'local' && dst.kind === 'remote') {
    if (!fs.statSync(src.path, { throwIfNoEntry: false })?.isDirectory())
      throw new CliError(`${src.path} is not a folder`);
    const prefix = folderPrefix(dst.key);
    const remote = new Map<string, ObjectEntry>();
    for await (const o of listObjects(ctx.cos, dst.bucket, region, prefix)) remote.set(o.key, o);
    const seen = new Set<string>();
    for await (const f of walk(src.path)) {
      if (!keep(f.relative)) continue;
      const key = prefix + f.relative;
      seen.add(key);
      const there = remote.get(key);
      if (
        there &&
        (await sameContent(
          ctx.cos,
          region,
          dst.bucket,
          key,
          f.file,
          f.sizeBytes,
          there,
          how.check,
          options.partSizeBytes,
        ))
      ) {
        skipped++;
        continue;
      }
      tasks.push({ kind: 'upload', file: f.file, dest: dst, key, sizeBytes: f.sizeBytes });
    }
    if (how.delete) {
      for (const key of remote.keys()) if (!seen.has(key) && keep(key.slice(prefix.length))) deleted.push(key);
    }
  } else if (src.kind === 'remote' && dst.kind === 'local') {
    const prefix = folderPrefix(src.key);
    const seen = new Set<string>();
    for await (const o of listObjects(ctx.cos, src.bucket, region, prefix)) {
      const relative = o.key.slice(prefix.length);
      if (relative === '' || o.key.endsWith('/') || !keep(relative)) continue;
      const file = path.join(dst.path, ...relative.split('/'));
      seen.add(path.resolve(file));
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (
        st?.isFile() &&
        (await sameContent(ctx.cos, region, src.bucket, o.key, file, st.size, o, how.check, options.partSizeBytes))
      ) {
        skipped++;
        continue;
      }
      tasks.push({ kind: 'download', src, key: o.key, file, sizeBytes: o.sizeBytes });
    }
    if (how.delete && fs.existsSync(dst.path)) {
      for await (const f of walk(dst.path))
        if (!seen.has(path.resolve(f.file)) && keep(f.relative)) deleted.push(f.file);
    }
  } else if (src.kind === 'remote' && dst.kind === 'remote') {
    const prefix = folderPrefix(src.key);
    const destPrefix = folderPrefix(dst.key);
    const remote = new Map<string, ObjectEntry>();
    for await (const o of listObjects(ctx.cos, dst.bucket, region, destPrefix)) remote.set(o.key, o);
    const seen = new Set<string>();
    for await (const o of listObjects(ctx.cos, src.bucket, region, prefix)) {
      const relative = o.key.slice(prefix.length);
      if (relative === '' || !keep(relative)) continue;
      const destKey = destPrefix + relative;
      seen.add(destKey);
      const there = remote.get(destKey);
      if (there && there.sizeBytes === o.sizeBytes && there.etag === o.etag) {
        skipped++;
        continue;
      }
      tasks.push({ kind: 'copy', src, key: o.key, dest: dst, destKey, sizeBytes: o.sizeBytes });
    }
    if (how.delete) for (const key of remote.keys()) if (!seen.has(key)) deleted.push(key);
  } else {
    throw new CliError('sync needs a remote side: cos://… or s3://…');
  }

  for (const t of tasks) {
    planned.push({
      source: t.kind === 'upload' ? t.file : remoteText(t.src, t.key),
      destination:
        t.kind === 'upload'
          ? remoteText(t.dest, t.key)
          : t.kind === 'download'
            ? t.file
            : remoteText(t.dest, t.destKey),
      bytes: t.sizeBytes,
    });
  }
  const plannedBytes = tasks.reduce((n, t) => n + t.sizeBytes, 0);
  if (how.dryRun) {
    for (const t of tasks) ctx.say(`(dry run) ${describeTask(t)}`);
    for (const d of deleted) ctx.say(`(dry run) delete: ${dst.kind === 'remote' ? remoteText(dst, d) : d}`);
    return { summary: { files: 0, bytes: 0, transfers: [], failed: [] }, skipped, deleted, planned, plannedBytes };
  }
  const summary = await runTasks(ctx, tasks, options, progressFor(ctx), describeTask, describeError);
  if (deleted.length) {
    if (dst.kind === 'remote') {
      const res = await deleteBatched(
        ctx.cos,
        dst.bucket,
        region,
        deleted.map((Key) => ({ Key })),
      );
      for (const e of res.errors)
        summary.failed.push({ source: '', destination: remoteText(dst, e.key), code: e.code, message: e.message });
    } else {
      for (const file of deleted) await fs.promises.unlink(file);
    }
    for (const d of deleted) ctx.note(`delete: ${dst.kind === 'remote' ? remoteText(dst, d) : d}`);
  }
  return { summary, skipped, deleted, planned, plannedBytes };
}

/**
 * Follows a folder with node:fs.watch (recursive, which Node 20 supports on Linux, macOS and Windows): no
 * dependency, and the events are only a hint — each changed path is stat'ed after a quiet period and uploaded or
 * deleted by what is there then, so missed or doubled events do no harm.
 */
async function watch(
  ctx: Context,
  dir: string,
  dst: RemotePath,
  options: TransferOptions,
  remove: boolean,
): Promise<void> {
  const region = ctx.profile.region;
  const prefix = folderPrefix(dst.key);
  const keep = pathFilter(options);
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const flush = () => {
    const batch = [...pending];
    pending.clear();
    running = running.then(async () => {
      const tasks: Task[] = [];
      const gone: string[] = [];
      for (const relative of batch) {
        const file = path.join(dir, relative);
        const st = fs.statSync(file, { throwIfNoEntry: false });
        const key = prefix + relative.split(path.sep).join('/');
        if (st?.isFile()) tasks.push({ kind: 'upload', file, dest: dst, key, sizeBytes: st.size });
        else if (!st && remove) gone.push(key);
      }
      const summary = await runTasks(
        ctx,
        tasks,
        options,
        new Progress({ silent: ctx.quiet }),
        describeTask,
        describeError,
      );
      for (const t of summary.transfers) {
        if (ctx.json) process.stdout.write(`${JSON.stringify({ event: 'upload', ...t })}\n`);
      }
      for (const f of summary.failed) process.stderr.write(`coffer: ${f.source}: ${f.code}: ${f.message}\n`);
      if (gone.length) {
        await deleteBatched(
          ctx.cos,
          dst.bucket,
          region,
          gone.map((Key) => ({ Key })),
        );
        for (const key of gone) {
          if (ctx.json)
            process.stdout.write(`${JSON.stringify({ event: 'delete', destination: remoteText(dst, key) })}\n`);
          else if (!ctx.quiet) process.stderr.write(`delete: ${remoteText(dst, key)}\n`);
        }
      }
    });
  };
  const watcher = fs.watch(dir, { recursive: true }, (_event, name) => {
    if (!name) return;
    const relative = name.toString();
    if (relative.includes('.coffer-') || !keep(relative.split(path.sep).join('/'))) return;
    pending.add(relative);
    clearTimeout(timer);
    timer = setTimeout(flush, 300);
  });
  if (ctx.json)
    process.stdout.write(
      `${JSON.stringify({ event: 'watching', folder: dir, destination: remoteText(dst, prefix) })}\n`,
    );
  else if (!ctx.quiet) process.stderr.write(`watching ${dir} → ${remoteText(dst, prefix)} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      watcher.close();
      clearTimeout(timer);
      running.then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
