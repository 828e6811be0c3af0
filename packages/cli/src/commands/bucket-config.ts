/**
 * `lifecycle|cors|policy|acl|tagging get|set|rm`: a bucket's (or, for acl and tagging, an object's) configuration,
 * set from a JSON file (the sdk's shapes, as `get --json` prints them) or an XML file (sent to the server as is).
 */
import fs from 'node:fs';
import COS from '@coffer/sdk';
import type { Command } from 'commander';
import { type Context, makeContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseRemote, type RemotePath } from '../remote.js';
import { signedRequest } from '../signed-request.js';
import { registerLifecycleRun } from './server.js';

interface Family {
  name: string;
  summary: string;
  /** The XML sub-resource (`?lifecycle`). */
  subresource: string;
  objectLevel: boolean;
  example: string;
  get(ctx: Context, p: RemotePath): Promise<unknown>;
  set(ctx: Context, p: RemotePath, doc: Record<string, unknown>): Promise<void>;
  rm(ctx: Context, p: RemotePath): Promise<void>;
}

const b = (ctx: Context, p: RemotePath) => ({ Bucket: p.bucket, Region: ctx.profile.region });

/** The value of `doc[name]`, or the document itself when it is that value (a bare array of rules). */
function field(doc: unknown, name: string): unknown {
  if (Array.isArray(doc)) return doc;
  return (doc as Record<string, unknown>)[name] ?? doc;
}

const FAMILIES: Family[] = [
  {
    name: 'lifecycle',
    summary: "a bucket's lifecycle rules (expiration, transitions, aborting incomplete uploads)",
    subresource: 'lifecycle',
    objectLevel: false,
    example:
      '{ "Rules": [{ "ID": "expire-logs", "Status": "Enabled", "Filter": { "Prefix": "logs/" }, "Expiration": { "Days": 30 } }] }',
    get: async (ctx, p) => ({ Rules: (await ctx.cos.getBucketLifecycle(b(ctx, p))).Rules }),
    set: async (ctx, p, doc) => {
      await ctx.cos.putBucketLifecycle({ ...b(ctx, p), Rules: field(doc, 'Rules') } as never);
    },
    rm: async (ctx, p) => {
      await ctx.cos.deleteBucketLifecycle(b(ctx, p));
    },
  },
  {
    name: 'cors',
    summary: "a bucket's CORS rules",
    subresource: 'cors',
    objectLevel: false,
    example:
      '{ "CORSRules": [{ "AllowedOrigins": ["https://example.com"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"] }] }',
    get: async (ctx, p) => ({ CORSRules: (await ctx.cos.getBucketCors(b(ctx, p))).CORSRules }),
    set: async (ctx, p, doc) => {
      await ctx.cos.putBucketCors({ ...b(ctx, p), CORSRules: field(doc, 'CORSRules') } as never);
    },
    rm: async (ctx, p) => {
      await ctx.cos.deleteBucketCors(b(ctx, p));
    },
  },
  {
    name: 'policy',
    summary: "a bucket's policy (JSON, COS or S3 syntax)",
    subresource: 'policy',
    objectLevel: false,
    example:
      '{ "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::photos-1250000000/*"] }], "Version": "2012-10-17" }',
    get: async (ctx, p) => (await ctx.cos.getBucketPolicy(b(ctx, p))).Policy,
    set: async (ctx, p, doc) => {
      await ctx.cos.putBucketPolicy({ ...b(ctx, p), Policy: doc } as never);
    },
    rm: async (ctx, p) => {
      await ctx.cos.deleteBucketPolicy(b(ctx, p));
    },
  },
  {
    name: 'acl',
    summary: "a bucket's or object's ACL (set: a canned ACL name, or a JSON/XML AccessControlPolicy file)",
    subresource: 'acl',
    objectLevel: true,
    example: 'public-read',
    get: async (ctx, p) => {
      const res = p.key
        ? await ctx.cos.getObjectAcl({ ...b(ctx, p), Key: p.key })
        : await ctx.cos.getBucketAcl(b(ctx, p));
      return { ACL: res.ACL, Owner: res.Owner, Grants: res.Grants };
    },
    set: async (ctx, p, doc) => {
      const params =
        typeof doc.ACL === 'string' ? { ACL: doc.ACL } : { AccessControlPolicy: field(doc, 'AccessControlPolicy') };
      if (p.key) await ctx.cos.putObjectAcl({ ...b(ctx, p), Key: p.key, ...params } as never);
      else await ctx.cos.putBucketAcl({ ...b(ctx, p), ...params } as never);
    },
    rm: async (ctx, p) => {
      if (p.key) await ctx.cos.putObjectAcl({ ...b(ctx, p), Key: p.key, ACL: 'default' } as never);
      else await ctx.cos.putBucketAcl({ ...b(ctx, p), ACL: 'private' });
    },
  },
  {
    name: 'tagging',
    summary: "a bucket's or object's tags (set: key=value pairs, or a JSON/XML file)",
    subresource: 'tagging',
    objectLevel: true,
    example: 'project=coffer team=storage',
    get: async (ctx, p) => {
      const reply = await raw(ctx, 'GET', p, 'tagging');
      const doc = COS.util.xml2json(reply) as { Tagging?: { TagSet?: { Tag?: unknown } } };
      const tags = doc.Tagging?.TagSet?.Tag;
      const list = (Array.isArray(tags) ? tags : tags ? [tags] : []) as { Key: string; Value: string }[];
      return { Tags: list.map((t) => ({ Key: t.Key, Value: t.Value ?? '' })) };
    },
    set: async (ctx, p, doc) => {
      const tags = field(doc, 'Tags') as { Key: string; Value: string }[];
      if (!Array.isArray(tags))
        throw new CliError('tags: give key=value pairs, or JSON { "Tags": [{ "Key": …, "Value": … }] }');
      const xml = COS.util.json2xml({
        Tagging: { TagSet: { Tag: tags.map((t) => ({ Key: t.Key, Value: t.Value })) } },
      });
      await raw(ctx, 'PUT', p, 'tagging', xml);
    },
    rm: async (ctx, p) => {
      await raw(ctx, 'DELETE', p, 'tagging');
    },
  },
];

/** A sub-resource request outside the sdk; a server error becomes the same S3ServiceError shape the sdk throws. */
export async function raw(
  ctx: Context,
  method: string,
  p: RemotePath,
  subresource: string,
  body?: string,
  query: Record<string, string> = {},
): Promise<string> {
  const reply = await signedRequest(
    ctx.profile,
    method,
    `/${p.bucket}/${p.key}`,
    { [subresource]: '', ...query },
    body,
    body ? { 'content-type': 'application/xml' } : {},
  );
  if (reply.status >= 300) {
    const doc = (reply.body ? COS.util.xml2json(reply.body) : {}) as {
      Error?: { Code?: string; Message?: string; RequestId?: string };
    };
    const { S3ServiceError } = await import('@coffer/sdk');
    throw new S3ServiceError({
      code: doc.Error?.Code ?? String(reply.status),
      message: doc.Error?.Message ?? `HTTP ${reply.status}`,
      statusCode: reply.status,
      ...(doc.Error ? { error: doc.Error } : {}),
      headers: reply.headers as Record<string, string>,
    } as never);
  }
  return reply.body;
}

function readDocument(family: Family, args: string[]): { xml?: string; doc?: Record<string, unknown> } {
  if (family.name === 'acl' && args.length === 1 && /^[a-z-]+$/.test(args[0]!) && !fs.existsSync(args[0]!))
    return { doc: { ACL: args[0] } };
  if (family.name === 'tagging' && args.every((a) => a.includes('=') && !fs.existsSync(a))) {
    return {
      doc: {
        Tags: args.map((a) => {
          const eq = a.indexOf('=');
          return { Key: a.slice(0, eq), Value: a.slice(eq + 1) };
        }),
      },
    };
  }
  if (args.length !== 1) throw new CliError(`${family.name} set: give one file (JSON or XML, - for stdin)`);
  const text = args[0] === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(args[0]!, 'utf8');
  if (text.trimStart().startsWith('<')) return { xml: text };
  try {
    return { doc: JSON.parse(text) as Record<string, unknown> };
  } catch (err) {
    throw new CliError(`${args[0]}: neither XML nor JSON (${(err as Error).message})`);
  }
}

export function registerBucketConfig(program: Command): void {
  for (const family of FAMILIES) {
    const group = program
      .command(family.name)
      .description(family.summary)
      .addHelpText(
        'after',
        `
Examples:
  coffer ${family.name} get cos://photos-1250000000${family.objectLevel ? '[/key]' : ''}
  coffer ${family.name} set cos://photos-1250000000 ${family.name === 'acl' || family.name === 'tagging' ? family.example : `./${family.name}.json`}
  coffer ${family.name} rm cos://photos-1250000000
${family.name === 'acl' || family.name === 'tagging' ? '' : `\nA JSON file looks like ${family.example}\n(what \`coffer ${family.name} get --json\` prints); an XML file is sent as it is.`}`,
      );
    const target = (text: string) => {
      const p = parseRemote(text);
      if (!family.objectLevel && p.key !== '')
        throw new CliError(`${family.name} belongs to a bucket: ${text} has a key`);
      return p;
    };
    group
      .command('get')
      .description(`print the ${family.name} configuration as JSON`)
      .argument('<path>', family.objectLevel ? 'cos://bucket-appid[/key]' : 'cos://bucket-appid')
      .action(async (text: string, _o: unknown, cmd: Command) => {
        const ctx = makeContext(cmd);
        const value = await family.get(ctx, target(text));
        process.stdout.write(`${JSON.stringify(value, null, ctx.json ? undefined : 2)}\n`);
      });
    group
      .command('set')
      .description(
        `set it from a JSON or XML file${family.name === 'acl' ? ' or a canned ACL' : family.name === 'tagging' ? ' or key=value pairs' : ''}`,
      )
      .argument('<path>', family.objectLevel ? 'cos://bucket-appid[/key]' : 'cos://bucket-appid')
      .argument('<document...>', 'a file (- for stdin)')
      .action(async (text: string, args: string[], _o: unknown, cmd: Command) => {
        const ctx = makeContext(cmd);
        const p = target(text);
        const { xml, doc } = readDocument(family, args);
        if (xml !== undefined) await raw(ctx, 'PUT', p, family.subresource, xml);
        else await family.set(ctx, p, doc!);
        ctx.emit({ path: text, [family.name]: 'set' });
        ctx.say(`${family.name} set on ${text}`);
      });
    group
      .command('rm')
      .description(`remove it${family.name === 'acl' ? ' (back to private / the default)' : ''}`)
      .argument('<path>', family.objectLevel ? 'cos://bucket-appid[/key]' : 'cos://bucket-appid')
      .action(async (text: string, _o: unknown, cmd: Command) => {
        const ctx = makeContext(cmd);
        await family.rm(ctx, target(text));
        ctx.emit({ path: text, [family.name]: 'removed' });
        ctx.say(`${family.name} removed from ${text}`);
      });
    if (family.name === 'lifecycle') registerLifecycleRun(group);
  }
}
