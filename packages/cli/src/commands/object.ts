/** `presign` (a URL anyone can use until it expires) and `restore` (an archived object made readable). */
import { createHash, createHmac } from 'node:crypto';
import { presignV4, uriEncode } from '@coffer/protocol';
import type { Command } from 'commander';
import { makeContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseRemote } from '../remote.js';

export function registerObject(program: Command): void {
  program
    .command('presign')
    .description('a presigned URL for GET (download) or PUT (upload) of one object')
    .argument('<path>', 'cos://bucket-appid/key')
    .option('--method <method>', 'GET or PUT', 'GET')
    .option('--expires <seconds>', 'how long the URL works (1..604800)', '3600')
    .addHelpText(
      'after',
      `
Signed the profile's way: a COS q-sign URL, or with signing s3 a SigV4 (X-Amz-*) URL.

Examples:
  coffer presign cos://photos-1250000000/a.jpg --expires 600
  curl -T ./a.jpg "$(coffer presign --method PUT cos://photos-1250000000/a.jpg)"`,
    )
    .action(async (text: string, opts: { method: string; expires: string }, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      if (p.key === '') throw new CliError(`${text}: name an object`);
      const method = opts.method.toUpperCase();
      if (method !== 'GET' && method !== 'PUT') throw new CliError('--method must be GET or PUT');
      const expires = Number(opts.expires);
      if (!Number.isInteger(expires) || expires < 1 || expires > 604_800)
        throw new CliError('--expires must be 1..604800 seconds');
      let url: string;
      if (ctx.profile.signing === 's3') {
        const endpoint = new URL(ctx.profile.endpoint);
        const path = `/${uriEncode(p.bucket, true)}/${uriEncode(p.key, false)}`;
        const query = presignV4(
          { method, path, headers: { host: endpoint.host } },
          {
            credentials: { accessKeyId: ctx.profile.secretId!, secretKey: ctx.profile.secretKey! },
            region: ctx.profile.region,
            nowMs: Date.now(),
            expiresSeconds: expires,
          },
          {
            hmac: (alg, key, data) => createHmac(alg, key).update(data).digest(),
            hash: (alg, data) => createHash(alg).update(data).digest(),
          },
        );
        url = `${endpoint.origin}${path}?${query}`;
      } else {
        url = ctx.cos.getObjectUrl({
          Bucket: p.bucket,
          Region: ctx.profile.region,
          Key: p.key,
          Method: method,
          Expires: expires,
        }) as unknown as string;
      }
      ctx.emit({
        url,
        method,
        expiresSeconds: expires,
        expiresAt: new Date(Date.now() + expires * 1000).toISOString(),
      });
      if (!ctx.json) process.stdout.write(`${url}\n`);
    });

  program
    .command('restore')
    .description('restore an ARCHIVE / DEEP_ARCHIVE object for some days so it can be read')
    .argument('<path>', 'cos://bucket-appid/key')
    .option('--days <n>', 'how long the restored copy stays readable', '1')
    .option('--tier <tier>', 'Expedited, Standard or Bulk', 'Standard')
    .addHelpText('after', '\nExamples:\n  coffer restore cos://archive-1250000000/2019.tar --days 3 --tier Expedited')
    .action(async (text: string, opts: { days: string; tier: string }, cmd: Command) => {
      const ctx = makeContext(cmd);
      const p = parseRemote(text);
      if (p.key === '') throw new CliError(`${text}: name an object`);
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1) throw new CliError('--days must be a whole number of days, at least 1');
      const res = await ctx.cos.restoreObject({
        Bucket: p.bucket,
        Region: ctx.profile.region,
        Key: p.key,
        RestoreRequest: { Days: days, CASJobParameters: { Tier: opts.tier } },
      });
      const already = res.statusCode === 200;
      ctx.emit({
        bucket: p.bucket,
        key: p.key,
        days,
        tier: opts.tier,
        status: res.statusCode,
        alreadyRestored: already,
      });
      ctx.say(
        already
          ? `${text} is already restored (expiry extended)`
          : `restore of ${text} started (${days} days, ${opts.tier})`,
      );
    });
}
