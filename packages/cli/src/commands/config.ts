/** `coffer config`: profiles (endpoint, keys, region, signing) in the user's config file. */
import type { Command } from 'commander';
import {
  checkProfileValue,
  configPath,
  PROFILE_KEYS,
  type Profile,
  readConfig,
  resolveProfile,
  writeConfig,
} from '../config.js';
import type { GlobalOptions } from '../context.js';
import { CliError } from '../errors.js';

function mask(secret: string | undefined): string | undefined {
  return secret === undefined ? undefined : secret.length <= 4 ? '****' : `${'*'.repeat(8)}${secret.slice(-4)}`;
}

export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .description('profiles: endpoint, SecretId/SecretKey, region, signing (cos or s3)')
    .addHelpText(
      'after',
      `
The file is $COFFER_CONFIG, else $XDG_CONFIG_HOME/coffer/config.json, else ~/.config/coffer/config.json.
COFFER_ENDPOINT, COFFER_SECRET_ID, COFFER_SECRET_KEY, COFFER_REGION, COFFER_SIGNING override it.

Examples:
  coffer config set endpoint http://127.0.0.1:9000 secretId AKID… secretKey …
  coffer config set --profile s3 signing s3
  coffer config use s3
  coffer config show`,
    );
  config
    .command('set')
    .description('set values of a profile (created if new): set KEY VALUE [KEY VALUE …]')
    .argument('<pairs...>', `keys: ${PROFILE_KEYS.join(', ')}`)
    .action((pairs: string[], _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOptions;
      if (pairs.length % 2 !== 0) throw new CliError('give KEY VALUE pairs');
      const file = readConfig();
      const name = g.profile ?? file.current ?? 'default';
      const profile: Profile = { ...file.profiles[name] };
      for (let i = 0; i < pairs.length; i += 2) {
        const key = pairs[i]!;
        checkProfileValue(key, pairs[i + 1]!);
        (profile as Record<string, string>)[key] = pairs[i + 1]!;
      }
      file.profiles[name] = profile;
      file.current ??= name;
      writeConfig(file);
      if (g.json) process.stdout.write(`${JSON.stringify({ profile: name, file: configPath() })}\n`);
      else if (!g.quiet) process.stdout.write(`profile "${name}" saved in ${configPath()}\n`);
    });
  config
    .command('show')
    .description('the profile in effect (secret key masked), after environment overrides')
    .action((_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOptions;
      const p = resolveProfile(g.profile);
      const shown = { ...p, secretKey: mask(p.secretKey), file: configPath() };
      if (g.json) process.stdout.write(`${JSON.stringify(shown)}\n`);
      else for (const [k, v] of Object.entries(shown)) process.stdout.write(`${k.padEnd(10)} ${v ?? '(not set)'}\n`);
    });
  config
    .command('list')
    .description('the profiles in the file')
    .action((_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOptions;
      const file = readConfig();
      const names = Object.keys(file.profiles).sort();
      if (g.json) process.stdout.write(`${JSON.stringify({ current: file.current ?? null, profiles: names })}\n`);
      else
        for (const n of names)
          process.stdout.write(`${n === file.current ? '*' : ' '} ${n}  ${file.profiles[n]!.endpoint ?? ''}\n`);
    });
  config
    .command('use')
    .description('make a profile the current one')
    .argument('<profile>')
    .action((name: string) => {
      const file = readConfig();
      if (!file.profiles[name]) throw new CliError(`no profile "${name}" in ${configPath()}`);
      file.current = name;
      writeConfig(file);
    });
  config
    .command('rm')
    .description('delete a profile')
    .argument('<profile>')
    .action((name: string) => {
      const file = readConfig();
      if (!file.profiles[name]) throw new CliError(`no profile "${name}" in ${configPath()}`);
      delete file.profiles[name];
      if (file.current === name) delete file.current;
      writeConfig(file);
    });
}
