import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-notify-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(text: string): string {
  const name = path.join(dir, `coffer-${++files}.toml`);
  fs.writeFileSync(name, text);
  return name;
}

describe('notification targets in the config file', () => {
  it('reads [notify.<kind>.<id>] tables; the environment wins over the file', () => {
    const name = file(`
[notify]
dead_letter_days = 3
[notify.webhook.thumbs]
url = "http://127.0.0.1:8080/hook"
secret = "from-file"
[notify.nats.bus]
url = "nats://127.0.0.1:4222"
subject = "x.y"
stream = "S"
[notify.mqtt.m]
url = "mqtt://127.0.0.1:1883"
`);
    const config = loadConfig(['--config', name], {
      // Replaces the file's URL of nats:bus, keeping its options; the secret comes from the environment.
      COFFER_NOTIFY_NATS_bus: 'nats://10.0.0.1:4222',
      COFFER_NOTIFY_WEBHOOK_thumbs_SECRET: 'from-env',
      COFFER_NOTIFY_REDIS_r: 'redis://127.0.0.1:6379',
    });
    expect(config.notify.targets).toEqual([
      { kind: 'webhook', id: 'thumbs', url: 'http://127.0.0.1:8080/hook', options: { secret: 'from-env' } },
      { kind: 'nats', id: 'bus', url: 'nats://10.0.0.1:4222', options: { subject: 'x.y', stream: 'S' } },
      { kind: 'mqtt', id: 'm', url: 'mqtt://127.0.0.1:1883', options: {} },
      { kind: 'redis', id: 'r', url: 'redis://127.0.0.1:6379', options: {} },
    ]);
    expect(config.notify.deadLetterAfterMs).toBe(3 * 86_400_000);
    expect(loadConfig(['--config', name], { COFFER_NOTIFY_DEAD_LETTER_DAYS: '1' }).notify.deadLetterAfterMs).toBe(
      86_400_000,
    );
  });

  it('refuses a bad table with an error naming the key', () => {
    const bad = (text: string) => () => loadConfig(['--config', file(text)], {});
    expect(bad('[notify.webhok.a]\nurl = "http://x"\n')).toThrow(/unknown key "notify\.webhok".*webhook/);
    expect(bad('[notify.webhook.a]\nurl = "http://x"\ntopic = "t"\n')).toThrow(
      /unknown key "notify\.webhook\.a\.topic" \(known there: url, secret\)/,
    );
    expect(bad('[notify.webhook.a]\nsecret = "s"\n')).toThrow(/notify\.webhook\.a\.url: must be a URL/);
    expect(bad('[notify.redis.a]\nurl = "http://x"\n')).toThrow(
      /notify\.redis\.a\.url: a redis target's URL starts with/,
    );
    expect(bad('[notify.webhook."a_b"]\nurl = "http://x"\n')).toThrow(/notify\.webhook\.a_b\.url: the target id "a_b"/);
    expect(bad('[notify]\ndead_letter_days = 0\n')).toThrow(/notify\.dead_letter_days: must be positive/);
    expect(bad('notify = 3\n')).toThrow(/notify must be a table/);
  });
});
