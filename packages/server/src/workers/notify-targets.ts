import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import * as amqp from 'amqplib';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { type JetStreamClient, type NatsConnection, connect as natsConnect, StringCodec } from 'nats';
import type { NotifyTarget } from '../notify-config.js';
import type { OutboxRecord } from '../stores/types.js';

/**
 * One connection to one declared target. `send` resolves once the target has taken the event
 * (a 2xx answer, a stream entry, a JetStream ack, a broker confirm, an MQTT PUBACK) and throws
 * otherwise; the delivery worker keeps the event and retries. A broken connection is dropped and
 * made again at the next attempt, so a target that comes back is picked up without a restart.
 */
export interface TargetSender {
  send(event: OutboxRecord): Promise<void>;
  close(): Promise<void>;
}

/** Header carrying HMAC-SHA256(secret, body) in hex, as `sha256=<hex>` (the GitHub webhook form). */
export const SIGNATURE_HEADER = 'x-coffer-signature-256';
/** The event's outbox id: receivers deduplicate redeliveries (delivery is at least once) by it. */
export const EVENT_ID_HEADER = 'x-coffer-event-id';

export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const SEND_TIMEOUT_MS = 10_000;

export function createSender(target: NotifyTarget): TargetSender {
  switch (target.kind) {
    case 'webhook':
      return webhookSender(target);
    case 'redis':
      return redisSender(target);
    case 'nats':
      return natsSender(target);
    case 'amqp':
      return amqpSender(target);
    case 'mqtt':
      return mqttSender(target);
  }
}

function webhookSender(target: NotifyTarget): TargetSender {
  const secret = target.options.secret;
  const url = new URL(target.url);
  const client = url.protocol === 'https:' ? https : http;
  // node:http with keep-alive rather than fetch: a fraction of the CPU per event, which the PUTs
  // that cause the events share on the same cores.
  const agent = new client.Agent({ keepAlive: true, maxSockets: 32 });
  return {
    send(event) {
      const body = Buffer.from(event.payload);
      return new Promise<void>((resolve, reject) => {
        const req = client.request(url, {
          method: 'POST',
          agent,
          timeout: SEND_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            [EVENT_ID_HEADER]: String(event.id),
            ...(secret !== undefined ? { [SIGNATURE_HEADER]: webhookSignature(secret, event.payload) } : {}),
          },
        });
        req.once('timeout', () => req.destroy(new Error(`webhook did not answer within ${SEND_TIMEOUT_MS} ms`)));
        req.once('error', reject);
        req.once('response', (res) => {
          res.resume();
          res.once('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status <= 299) resolve();
            else reject(new Error(`webhook answered ${status}`));
          });
          res.once('error', reject);
        });
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

/** Keeps one connection, made on first use and again after it failed. */
function lazy<T>(open: () => Promise<T>, shut: (c: T) => Promise<void>) {
  let conn: Promise<T> | undefined;
  return {
    get(): Promise<T> {
      conn ??= open();
      conn.catch(() => {
        conn = undefined;
      });
      return conn;
    },
    reset(): void {
      const old = conn;
      conn = undefined;
      old?.then(shut, () => {}).catch(() => {});
    },
    async close(): Promise<void> {
      const old = conn;
      conn = undefined;
      if (old) await old.then(shut, () => {});
    },
  };
}

function redisSender(target: NotifyTarget): TargetSender {
  const stream = target.options.stream ?? 'coffer-events';
  const conn = lazy(
    async () => {
      // No offline queue and no retries: a command to a Redis that is down fails now, and the
      // worker's backoff decides when to try again.
      const client = new Redis(target.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    async (c) => {
      c.disconnect();
    },
  );
  return {
    async send(event) {
      const client = await conn.get();
      try {
        await client.xadd(stream, '*', 'id', String(event.id), 'key', event.key, 'event', event.payload);
      } catch (err) {
        conn.reset();
        throw err;
      }
    },
    close: () => conn.close(),
  };
}

function natsSender(target: NotifyTarget): TargetSender {
  const subject = target.options.subject ?? 'coffer.events';
  const streamName = target.options.stream ?? 'COFFER_EVENTS';
  const codec = StringCodec();
  const conn = lazy<{ nc: NatsConnection; js: JetStreamClient }>(
    async () => {
      const url = new URL(target.url);
      const nc = await natsConnect({
        servers: `${url.hostname}:${url.port || 4222}`,
        ...(url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
        reconnect: false,
        timeout: SEND_TIMEOUT_MS,
      });
      // JetStream keeps only subjects a stream covers: make sure one does.
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(streamName);
      } catch {
        await jsm.streams.add({ name: streamName, subjects: [subject] });
      }
      return { nc, js: nc.jetstream() };
    },
    async ({ nc }) => {
      await nc.close();
    },
  );
  return {
    async send(event) {
      const { nc, js } = await conn.get();
      if (nc.isClosed()) {
        conn.reset();
        throw new Error('NATS connection closed');
      }
      try {
        // The message id lets JetStream drop a redelivery within its duplicate window.
        await js.publish(subject, codec.encode(event.payload), {
          msgID: `coffer-${event.id}`,
          timeout: SEND_TIMEOUT_MS,
        });
      } catch (err) {
        conn.reset();
        throw err;
      }
    },
    close: () => conn.close(),
  };
}

function amqpSender(target: NotifyTarget): TargetSender {
  const queue = target.options.queue ?? 'coffer-events';
  const conn = lazy(
    async () => {
      const model = await amqp.connect(target.url);
      model.on('error', () => {});
      const channel = await model.createConfirmChannel();
      channel.on('error', () => {});
      await channel.assertQueue(queue, { durable: true });
      return { model, channel };
    },
    async ({ model }) => {
      await model.close();
    },
  );
  return {
    async send(event) {
      const { channel } = await conn.get();
      try {
        await new Promise<void>((resolve, reject) => {
          channel.sendToQueue(
            queue,
            Buffer.from(event.payload),
            { persistent: true, contentType: 'application/json', messageId: String(event.id) },
            (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
          );
        });
      } catch (err) {
        conn.reset();
        throw err;
      }
    },
    close: () => conn.close(),
  };
}

function mqttSender(target: NotifyTarget): TargetSender {
  const topic = target.options.topic ?? 'coffer/events';
  const conn = lazy(
    async () => {
      const client = await mqtt.connectAsync(target.url, {
        reconnectPeriod: 0,
        connectTimeout: SEND_TIMEOUT_MS,
        clientId: `coffer-${target.id}-${process.pid}`,
      });
      client.on('error', () => {});
      return client;
    },
    async (c) => {
      await c.endAsync(true);
    },
  );
  return {
    async send(event) {
      const client = await conn.get();
      if (!client.connected) {
        conn.reset();
        throw new Error('MQTT connection lost');
      }
      try {
        // QoS 1: the broker acknowledges (PUBACK) before the event counts as delivered.
        await client.publishAsync(topic, event.payload, { qos: 1 });
      } catch (err) {
        conn.reset();
        throw err;
      }
    },
    close: () => conn.close(),
  };
}
