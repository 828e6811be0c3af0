/** `logging get|set|rm`: a bucket's server access logging (where its access logs are delivered). */
import type { Command } from 'commander';
import { makeContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseRemote, type RemotePath } from '../remote.js';

function bucketOf(text: string): RemotePath {
  const p = parseRemote(text);
  if (p.key !== '') throw new CliError(`logging belongs to a bucket: ${text} has a key`);
  return p;
}

export function registerLogging(program: Command): void {
  const group = program
    .command('logging')
    .description("a bucket's access logging: records of every request, delivered as objects to a target bucket")
    .addHelpText(
      'after',
      `
Examples:
  coffer logging set cos://photos-1250000000 cos://logs-1250000000/access/
  coffer logging get cos://photos-1250000000
  coffer logging rm cos://photos-1250000000
  coffer admin logging flush          (deliver what is spooled now)`,
    );
  group
    .command('get')
    .description('print the logging configuration as JSON ({} when logging is off)')
    .argument('<bucket>', 'cos://bucket-appid')
    .action(async (text: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = bucketOf(text);
      const { BucketLoggingStatus } = await ctx.cos.getBucketLogging({ Bucket: p.bucket, Region: ctx.profile.region });
      const enabled = BucketLoggingStatus.LoggingEnabled;
      const value = enabled ? { LoggingEnabled: enabled } : {};
      process.stdout.write(`${JSON.stringify(value, null, ctx.json ? undefined : 2)}\n`);
    });
  group
    .command('set')
    .description("deliver the bucket's access logs to a target bucket, under a prefix")
    .argument('<bucket>', 'cos://bucket-appid')
    .argument('<target>', 'cos://target-bucket-appid[/prefix]')
    .action(async (text: string, targetText: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      const target = parseRemote(targetText);
      await ctx.cos.putBucketLogging({
        Bucket: bucketOf(text).bucket,
        Region: ctx.profile.region,
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target.bucket, TargetPrefix: target.key } },
      });
      ctx.emit({ path: text, logging: 'set', targetBucket: target.bucket, targetPrefix: target.key });
      ctx.say(`access logs of ${text} go to ${targetText}`);
    });
  group
    .command('rm')
    .description('turn access logging off')
    .argument('<bucket>', 'cos://bucket-appid')
    .action(async (text: string, _o: unknown, cmd: Command) => {
      const ctx = makeContext(cmd);
      await ctx.cos.putBucketLogging({
        Bucket: bucketOf(text).bucket,
        Region: ctx.profile.region,
        BucketLoggingStatus: {},
      });
      ctx.emit({ path: text, logging: 'removed' });
      ctx.say(`access logging off for ${text}`);
    });
}
