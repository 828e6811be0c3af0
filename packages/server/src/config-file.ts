import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What a config file's key holds: TOML's own types, checked before the value is validated like a flag's. */
export type SettingType = 'string' | 'path' | 'integer' | 'number' | 'boolean' | 'appid';

/** The part of a setting the file reader needs (config.ts's SETTINGS). */
export interface FileSetting {
  key: string;
  type: SettingType;
}

/** A config file read and type-checked: each value as the string a flag would carry. */
export interface ConfigFileValues {
  /** The file name as given (what errors name). */
  name: string;
  values: Record<string, string>;
  /** The tables asked for by name (`[notify.…]`), as TOML gave them: their own parsers check them. */
  tables: Record<string, Record<string, unknown>>;
}

const TYPES: Record<SettingType, z.ZodType> = {
  string: z.string({ error: 'must be a string' }),
  path: z.string({ error: 'must be a path (a string)' }).min(1, { error: 'must not be empty' }),
  integer: z.int({ error: 'must be a whole number (a TOML integer, without quotes)' }),
  number: z.number({ error: 'must be a number' }),
  boolean: z.boolean({ error: 'must be true or false' }),
  // appid = 1250000000 and appid = "1250000000" both read naturally.
  appid: z.union([z.int(), z.string()], { error: 'must be a decimal number such as 1250000000' }),
};

/**
 * Reads a TOML config file (`--config`, COFFER_CONFIG). Keys are checked against the known settings (a
 * misspelt key is an error, not silently ignored) and their TOML types; relative paths are resolved
 * against the file's directory, so a file and the certificates beside it can move together.
 * Throws ConfigError naming the file and the key.
 */
export function readConfigFile(
  name: string,
  settings: readonly FileSetting[],
  tableNames: readonly string[] = [],
): ConfigFileValues {
  let text: string;
  try {
    text = fs.readFileSync(name, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file ${name}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      throw new ConfigError(`${name}:${err.line}:${err.column}: ${err.message.split('\n')[0]}`);
    }
    throw err;
  }
  const tables: Record<string, Record<string, unknown>> = {};
  for (const table of tableNames) {
    const value = doc[table];
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
      throw new ConfigError(`${name}: ${table} must be a table ([${table}.…])`);
    }
    tables[table] = value as Record<string, unknown>;
  }
  const keys = [...settings.map((s) => s.key), ...tableNames];
  const schema = z.strictObject({
    ...Object.fromEntries(settings.map((s) => [s.key, TYPES[s.type].optional()])),
    ...Object.fromEntries(tableNames.map((t) => [t, z.unknown().optional()])),
  });
  const checked = schema.safeParse(doc);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      const near = settings.find((s) => closeTo(s.key, key));
      throw new ConfigError(
        `${name}: unknown key "${key}"${near ? `; did you mean "${near.key}"?` : ''} (known keys: ${keys.join(', ')})`,
      );
    }
    throw new ConfigError(`${name}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const base = path.dirname(path.resolve(name));
  const values: Record<string, string> = {};
  for (const setting of settings) {
    const value = (checked.data as Record<string, unknown>)[setting.key];
    if (value === undefined) continue;
    values[setting.key] = setting.type === 'path' ? path.resolve(base, String(value)) : String(value);
  }
  return { name, values, tables };
}

/** A likely misspelling: the same key but for `-`/`_` and case, or at most two edits away (a swap counts one). */
function closeTo(known: string, given: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  return editDistance(norm(known), norm(given)) <= Math.min(2, Math.floor(known.length / 3));
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}
