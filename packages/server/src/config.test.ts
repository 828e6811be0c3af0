import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_FLAGS, type Config, ConfigError, loadConfig, type RawConfig, SETTINGS } from './config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(text: string): string {
  const name = path.join(dir, `coffer-${++files}.toml`);
  fs.writeFileSync(name, text);
  return name;
}

/** A valid value for every setting: as a flag or variable says it, and as TOML. */
const SAMPLES: Record<
  Exclude<keyof RawConfig, 'notify'>,
  { text: string; toml: string; read: (c: Config) => unknown; want: unknown }
> = {
  address: {
    text: '127.0.0.1:9100',
    toml: '"127.0.0.1:9100"',
    read: (c) => c.address,
    want: { host: '127.0.0.1', port: 9100 },
  },
  consoleAddress: { text: '127.0.0.1:9101', toml: '"127.0.0.1:9101"', read: (c) => c.consoleAddress?.port, want: 9101 },
  dataDir: { text: '/srv/coffer', toml: '"/srv/coffer"', read: (c) => c.dataDir, want: '/srv/coffer' },
  metadataUrl: {
    text: 'postgres://coffer@db:5432/coffer',
    toml: '"postgres://coffer@db:5432/coffer"',
    read: (c) => c.metadataUrl,
    want: 'postgres://coffer@db:5432/coffer',
  },
  region: { text: 'ap-shanghai', toml: '"ap-shanghai"', read: (c) => c.region, want: 'ap-shanghai' },
  domain: { text: 'cos.example.com', toml: '"cos.example.com"', read: (c) => c.domain, want: 'cos.example.com' },
  logLevel: { text: 'warn', toml: '"warn"', read: (c) => c.logLevel, want: 'warn' },
  fsync: { text: '0', toml: 'false', read: (c) => c.fsync, want: false },
  maxPutSizeBytes: { text: '1048576', toml: '1048576', read: (c) => c.maxPutSizeBytes, want: 1048576 },
  inlineMaxBytes: { text: '4096', toml: '4096', read: (c) => c.inlineMaxBytes, want: 4096 },
  sharedStaleMs: { text: '60000', toml: '60000', read: (c) => c.sharedStaleMs, want: 60000 },
  metadataPoolSize: { text: '4', toml: '4', read: (c) => c.metadataPoolSize, want: 4 },
  tlsCert: {
    text: '/etc/coffer/cert.pem',
    toml: '"/etc/coffer/cert.pem"',
    read: (c) => c.tls?.certFile,
    want: '/etc/coffer/cert.pem',
  },
  tlsKey: {
    text: '/etc/coffer/key.pem',
    toml: '"/etc/coffer/key.pem"',
    read: (c) => c.tls?.keyFile,
    want: '/etc/coffer/key.pem',
  },
  secretId: { text: 'AKIDexample', toml: '"AKIDexample"', read: (c) => c.secretId, want: 'AKIDexample' },
  secretKey: { text: 'secret-example', toml: '"secret-example"', read: (c) => c.secretKey, want: 'secret-example' },
  appId: { text: '1250000001', toml: '1250000001', read: (c) => c.appId, want: '1250000001' },
  lifecycleHourUtc: { text: '3', toml: '3', read: (c) => c.lifecycleHourUtc, want: 3 },
  stsMaxDurationSeconds: { text: '3600', toml: '3600', read: (c) => c.stsMaxDurationSeconds, want: 3600 },
  gcGraceMs: { text: '1000', toml: '1000', read: (c) => c.gcGraceMs, want: 1000 },
  bodyIdleTimeoutMs: { text: '5000', toml: '5000', read: (c) => c.bodyIdleTimeoutMs, want: 5000 },
  clockOffsetDays: { text: '1.5', toml: '1.5', read: (c) => c.clockOffsetDays, want: 1.5 },
  metricsToken: {
    text: 'a-long-enough-token',
    toml: '"a-long-enough-token"',
    read: (c) => c.metricsToken,
    want: 'a-long-enough-token',
  },
  metricsMaxBuckets: { text: '7', toml: '7', read: (c) => c.metricsMaxBuckets, want: 7 },
  leaseTtlMs: { text: '5000', toml: '5000', read: (c) => c.leaseTtlMs, want: 5000 },
  accessLogIntervalMs: { text: '2000', toml: '2000', read: (c) => c.accessLogIntervalMs, want: 2000 },
  accessLogRetryMs: { text: '1500', toml: '1500', read: (c) => c.accessLogRetryMs, want: 1500 },
  accessLogMaxRecords: { text: '500', toml: '500', read: (c) => c.accessLogMaxRecords, want: 500 },
  inventoryCheckMs: { text: '0', toml: '0', read: (c) => c.inventoryCheckMs, want: 0 },
  requestCountsFlushMs: { text: '250', toml: '250', read: (c) => c.requestCountsFlushMs, want: 250 },
  requestCountsRetentionDays: { text: '30', toml: '30', read: (c) => c.requestCountsRetentionDays, want: 30 },
  maxSkewMs: { text: '', toml: '', read: () => undefined, want: undefined },
};

/** Settings that only make sense in pairs get their partner from the same source. */
const PARTNER: Partial<Record<keyof RawConfig, keyof RawConfig>> = {
  tlsCert: 'tlsKey',
  tlsKey: 'tlsCert',
  secretId: 'secretKey',
  secretKey: 'secretId',
};

describe('the config file, the environment and flags say the same things', () => {
  for (const setting of SETTINGS) {
    const sample = SAMPLES[setting.field];
    const partner = PARTNER[setting.field] && SETTINGS.find((s) => s.field === PARTNER[setting.field])!;
    it(`${setting.key} / ${setting.env}${setting.flag ? ` / ${setting.flag}` : ''}`, () => {
      const lines = [`${setting.key} = ${sample.toml}`];
      if (partner) lines.push(`${partner.key} = ${SAMPLES[partner.field].toml}`);
      const fromFile = loadConfig(['--config', file(lines.join('\n'))], {});
      expect(sample.read(fromFile)).toEqual(sample.want);

      const env = { [setting.env]: sample.text, ...(partner ? { [partner.env]: SAMPLES[partner.field].text } : {}) };
      expect(sample.read(loadConfig([], env))).toEqual(sample.want);

      if (setting.flag) {
        const argv = [`${setting.flag}=${sample.text}`];
        if (partner?.flag) argv.push(partner.flag, SAMPLES[partner.field].text);
        expect(sample.read(loadConfig(argv, partner?.flag ? {} : env))).toEqual(sample.want);
      }
    });
  }

  it('docs/operations.md lists every setting by its three names', () => {
    const doc = fs.readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## Config file'), doc.indexOf('## TLS'));
    for (const setting of SETTINGS) {
      const row = table.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${setting.key}\``));
      expect(row, setting.key).toBeDefined();
      expect(row).toContain(`\`${setting.env}\``);
      if (setting.flag) expect(row).toContain(`\`${setting.flag}\``);
    }
  });

  it('every flag of `coffer server` is a setting (or --config)', () => {
    expect(Object.keys(CONFIG_FLAGS).sort()).toEqual(
      ['--config', ...SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []))].sort(),
    );
  });
});

describe('precedence: flags > environment > file > defaults', () => {
  const conf = file('region = "ap-file"\nlog_level = "debug"\nmax_put_bytes = 100\n');

  it('takes the file over the defaults', () => {
    const config = loadConfig(['--config', conf], {});
    expect(config).toMatchObject({ region: 'ap-file', logLevel: 'debug', maxPutSizeBytes: 100, configFile: conf });
    expect(config.address).toEqual({ host: '0.0.0.0', port: 9000 });
  });

  it('takes the environment over the file, and flags over both', () => {
    const env = { COFFER_REGION: 'ap-env', COFFER_LOG_LEVEL: 'error' };
    expect(loadConfig(['--config', conf], env)).toMatchObject({
      region: 'ap-env',
      logLevel: 'error',
      maxPutSizeBytes: 100,
    });
    expect(loadConfig(['--config', conf, '--region', 'ap-flag'], env)).toMatchObject({
      region: 'ap-flag',
      logLevel: 'error',
    });
  });

  it('finds the file through COFFER_CONFIG, and --config wins over it', () => {
    const other = file('region = "ap-other"\n');
    expect(loadConfig([], { COFFER_CONFIG: conf }).region).toBe('ap-file');
    expect(loadConfig(['--config', other], { COFFER_CONFIG: conf }).region).toBe('ap-other');
  });

  it("resolves relative paths in the file against the file's directory", () => {
    const sub = path.join(dir, 'etc');
    fs.mkdirSync(sub, { recursive: true });
    const name = path.join(sub, 'coffer.toml');
    fs.writeFileSync(name, 'data_dir = "../var/data"\ntls_cert = "tls/cert.pem"\ntls_key = "tls/key.pem"\n');
    const config = loadConfig(['--config', name], {});
    expect(config.dataDir).toBe(path.join(dir, 'var/data'));
    expect(config.tls).toEqual({ certFile: path.join(sub, 'tls/cert.pem'), keyFile: path.join(sub, 'tls/key.pem') });
  });
});

describe('errors name the key to fix', () => {
  const fails = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    try {
      loadConfig(argv, env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('loadConfig accepted it');
  };

  it('a value of the wrong TOML type', () => {
    const name = file('max_put_bytes = "5G"\n');
    expect(fails(['--config', name])).toBe(
      `${name}: max_put_bytes: must be a whole number (a TOML integer, without quotes)`,
    );
    expect(fails(['--config', file('fsync = 1\n')])).toMatch(/: fsync: must be true or false$/);
  });

  it('an unknown key, with the likely one', () => {
    expect(fails(['--config', file('max_put_byte = 1\n')])).toMatch(
      /unknown key "max_put_byte"; did you mean "max_put_bytes"\?/,
    );
    expect(fails(['--config', file('data-dir = "x"\n')])).toMatch(/unknown key "data-dir"; did you mean "data_dir"\?/);
    expect(fails(['--config', file('[tls]\ncert = "x"\n')])).toMatch(/unknown key "tls" \(known keys: address, /);
  });

  it('a value the setting refuses: the file key, the variable or the flag that said it', () => {
    const name = file('lifecycle_hour = 24\n');
    expect(fails(['--config', name])).toBe(
      `${name}: lifecycle_hour "24" must be an hour 0-23 (UTC), or -1 to turn the daily run off`,
    );
    expect(fails([], { COFFER_LIFECYCLE_HOUR: '24' })).toMatch(/^COFFER_LIFECYCLE_HOUR "24"/);
    expect(fails(['--address', 'nowhere'])).toMatch(/^--address "nowhere" must be host:port/);
    expect(fails(['--config', file('address = "nowhere"\n')])).toMatch(/: address "nowhere" must be host:port/);
    expect(fails(['--config', file('lease_ttl_ms = 10\n')])).toMatch(/lease_ttl_ms "10" must be from 1000/);
    expect(fails([], { COFFER_REQUEST_COUNTS_FLUSH_MS: '50' })).toBe(
      'COFFER_REQUEST_COUNTS_FLUSH_MS "50" must be a whole number ≥ 100',
    );
    expect(fails(['--config', file('request_counts_retention_days = 0\n')])).toMatch(
      /request_counts_retention_days "0" must be a whole number ≥ 1$/,
    );
    expect(fails([], { COFFER_REQUEST_COUNTS_RETENTION_DAYS: '9999' })).toBe(
      'COFFER_REQUEST_COUNTS_RETENTION_DAYS "9999" must be a whole number from 1 to 3660',
    );
  });

  it('a TOML syntax error, with its line and column', () => {
    const name = file('region = "ap-x"\nfsync = yes\n');
    expect(fails(['--config', name])).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: `));
  });

  it('a missing file, and settings that go in pairs', () => {
    expect(fails(['--config', path.join(dir, 'absent.toml')])).toMatch(
      /cannot read config file .*absent\.toml: no such file/,
    );
    expect(fails(['--tls-cert', 'cert.pem'])).toBe('--tls-cert and COFFER_TLS_KEY go together: set both or neither');
    expect(fails(['--config', file('secret_id = "AKID"\n')])).toMatch(/secret_id and COFFER_SECRET_KEY go together/);
  });
});
