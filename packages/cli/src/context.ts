/** What every client command shares: the profile, the sdk client, output for people or for scripts. */
import COS from '@coffer/sdk';
import type { Command } from 'commander';
import { type ResolvedProfile, resolveProfile } from './config.js';
import { CliError } from './errors.js';

export interface GlobalOptions {
  profile?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface Context {
  profile: ResolvedProfile;
  cos: COS;
  json: boolean;
  quiet: boolean;
  /** A line for people (stdout), unless --json or --quiet. */
  say(line: string): void;
  /** A note for people on stderr (progress, warnings), unless --json or --quiet. */
  note(line: string): void;
  /** The one JSON document a command prints with --json. */
  emit(value: unknown): void;
}

/** Options for the sdk: path style against the profile's endpoint, signed the profile's way. */
export function sdkOptions(
  profile: ResolvedProfile,
  extra: Record<string, unknown> = {},
): ConstructorParameters<typeof COS>[0] {
  const url = new URL(profile.endpoint);
  return {
    ...(profile.secretId ? { SecretId: profile.secretId } : {}),
    ...(profile.secretKey ? { SecretKey: profile.secretKey } : {}),
    Protocol: url.protocol,
    Domain: url.host,
    ForcePathStyle: true,
    ServiceDomain: profile.endpoint,
    SignatureVersion: profile.signing === 's3' ? 'v4' : 'cos',
    SigV4Region: profile.region,
    ProgressInterval: 250,
    // S3 bucket names have no -APPID, which the sdk's own CopySource parser insists on. The key stays encoded:
    // the sdk decodes what a parser returns.
    CopySourceParser: (source: string) => {
      const m = /^([^./]+)\.cos\.([^./]+)\.myqcloud\.com\/(.+)$/.exec(source);
      return m ? { Bucket: m[1]!, Region: m[2]!, Key: m[3]! } : null;
    },
    UserAgent: 'coffer-cli/0.1.0',
    ...extra,
  };
}

export function makeContext(command: Command, extra: Record<string, unknown> = {}): Context {
  const g = command.optsWithGlobals() as GlobalOptions;
  const profile = resolveProfile(g.profile);
  if (!profile.secretId || !profile.secretKey) {
    throw new CliError(
      `no keys for profile "${profile.name}": run \`coffer config set secretId … secretKey …\` or set COFFER_SECRET_ID / COFFER_SECRET_KEY`,
    );
  }
  const json = g.json === true;
  const quiet = g.quiet === true;
  return {
    profile,
    cos: new COS(sdkOptions(profile, extra)),
    json,
    quiet,
    say: (line) => {
      if (!json && !quiet) process.stdout.write(`${line}\n`);
    },
    note: (line) => {
      if (!json && !quiet) process.stderr.write(`${line}\n`);
    },
    emit: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
  };
}
