/** `versions ls|restore|undelete`: a versioned bucket's history from the shell. */
import type { Command } from 'commander';
import { makeContext } from '../context.js';
import { CliError } from '../errors.js';
import { humanBytes, shortDate, table } from '../format.js';
import { listVersions, type VersionEntry } from '../listing.js';
import { parseRemote } from '../remote.js';
import { copySource } from '../transfer.js';

export function registerVersions(program: Command): void {
  const versions = program
    .command('versions')
    .description('object versions: list, restore an old one, undelete')
    .addHelpText(
      'after',
      `
Examples:
  coffer versions ls cos://docs-1250000000/report.pdf
  coffer versions restore cos://docs-1250000000/report.pdf MTg0NDUx…
  coffer versions undelete cos://docs-1250000000/report.pdf`,
    );
  versions
    .command('enable')
    .description('turn versioning on for a bucket')
    .argument('<bucket>', 'cos://bucket-appid')
    .action(async (text: string, _o: unknown, cmd: Command) => setVersioning(cmd, text, 'Enabled'));
  versions
    .command('suspend')
    .description('suspend versioning for a bucket')
    .argument('<bucket>', 'cos://bucket-appid')
    .action(async (text: string, _o: unknown, cmd: Command) => setVersioning(cmd, text, 'Suspended'));
  versions
    .command('ls')
    .description('every version and delete marker under a key or prefix, newest first')
    .argument('<path>', 'cos://bucket-appid/key-or-prefix')
    .action(async (text: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      const all: VersionEntry[] = [];
      for await (const v of listVersions(ctx.cos, p.bucket, ctx.profile.region, p.key)) all.push(v);
      ctx.emit({ bucket: p.bucket, prefix: p.key, versions: all });
      if (all.length) {
        ctx.say(
          table(
            all.map((v) => [
              shortDate(v.lastModified),
              v.deleteMarker ? '(delete marker)' : humanBytes(v.sizeBytes),
              v.isLatest ? 'latest' : '',
              v.versionId,
              v.key,
            ]),
            [1],
          ),
        );
      }
    });
  versions
    .command('restore')
    .description('make an old version the current one again (copied over the key as a new version)')
    .argument('<path>', 'cos://bucket-appid/key')
    .argument('<versionId>')
    .action(async (text: string, versionId: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      if (p.key === '') throw new CliError(`${text}: name a key`);
      const res = await ctx.cos.putObjectCopy({
        Bucket: p.bucket,
        Region: ctx.profile.region,
        Key: p.key,
        CopySource: copySource(p.bucket, ctx.profile.region, p.key, versionId),
      });
      const newVersion = res.headers?.['x-cos-version-id'] ?? res.headers?.['x-amz-version-id'] ?? null;
      ctx.emit({ bucket: p.bucket, key: p.key, restoredFrom: versionId, versionId: newVersion });
      ctx.say(`restored ${text} from version ${versionId}`);
    });
  versions
    .command('undelete')
    .description('remove the delete marker on top of a key, so its last version shows again')
    .argument('<path>', 'cos://bucket-appid/key')
    .action(async (text: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      if (p.key === '') throw new CliError(`${text}: name a key`);
      let marker: VersionEntry | undefined;
      for await (const v of listVersions(ctx.cos, p.bucket, ctx.profile.region, p.key)) {
        if (v.key === p.key && v.isLatest) marker = v;
      }
      if (!marker?.deleteMarker)
        throw new CliError(`${text} is not deleted (its latest version is not a delete marker)`, 3);
      await ctx.cos.deleteObject({
        Bucket: p.bucket,
        Region: ctx.profile.region,
        Key: p.key,
        VersionId: marker.versionId,
      });
      ctx.emit({ bucket: p.bucket, key: p.key, removedDeleteMarker: marker.versionId });
      ctx.say(`undeleted ${text}`);
    });
}

async function setVersioning(cmd: Command, text: string, status: 'Enabled' | 'Suspended'): Promise<void> {
  const ctx = makeContext(cmd);
  const p = parseRemote(text, 'a bucket');
  await ctx.cos.putBucketVersioning({
    Bucket: p.bucket,
    Region: ctx.profile.region,
    VersioningConfiguration: { Status: status },
  });
  ctx.emit({ bucket: p.bucket, versioning: status });
  ctx.say(`versioning ${status.toLowerCase()} on ${p.bucket}`);
}
