import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, webhookSignature } from '@coffer/server';
import * as amqp from 'amqplib';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { connect as natsConnect, StringCodec } from 'nats';

/** One S3 event record as a receiver sees it. */
export interface EventRecord {
  eventName: string;
  s3: {
    bucket: { name: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
}

export function recordsOf(payload: string): EventRecord[] {
  return (JSON.parse(payload) as { Records: EventRecord[] }).Records;
}

/**
 * A webhook receiver checking each request's HMAC signature; `up` false answers 503 (a target
 * that is down but reachable), `stop()` closes the port (a target that is gone).
 */
export async function webhookReceiver(secret: string, port = 0) {
  const events: EventRecord[] = [];
  const ids: string[] = [];
  let badSignatures = 0;
  const state = { up: true };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (!state.up) {
        res.writeHead(503).end();
        return;
      }
      if (req.headers[SIGNATURE_HEADER] !== webhookSignature(secret, body)) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      ids.push(String(req.headers['x-coffer-event-id']));
      events.push(...recordsOf(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    port: (server.address() as AddressInfo).port,
    events,
    ids,
    state,
    badSignatures: () => badSignatures,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function readRedisStream(url: string, stream: string): Promise<EventRecord[]> {
  const redis = new Redis(url);
  try {
    const entries = await redis.xrange(stream, '-', '+');
    return entries.flatMap(([, fields]) => recordsOf(fields[fields.indexOf('event') + 1]!));
  } finally {
    redis.disconnect();
  }
}

export async function cleanRedisStream(url: string, stream: string): Promise<void> {
  const redis = new Redis(url);
  await redis.del(stream);
  redis.disconnect();
}

export async function readNatsStream(url: string, stream: string): Promise<EventRecord[]> {
  const u = new URL(url);
  const nc = await natsConnect({ servers: `${u.hostname}:${u.port}` });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const sc = StringCodec();
    const out: EventRecord[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      out.push(...recordsOf(sc.decode(m.data)));
    }
    return out;
  } finally {
    await nc.close();
  }
}

export async function deleteNatsStream(url: string, stream: string): Promise<void> {
  const u = new URL(url);
  const nc = await natsConnect({ servers: `${u.hostname}:${u.port}` });
  try {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

export async function readAmqpQueue(url: string, queue: string): Promise<EventRecord[]> {
  const model = await amqp.connect(url);
  try {
    const ch = await model.createChannel();
    const out: EventRecord[] = [];
    for (;;) {
      const msg = await ch.get(queue, { noAck: true });
      if (!msg) break;
      out.push(...recordsOf(msg.content.toString()));
    }
    await ch.deleteQueue(queue);
    return out;
  } finally {
    await model.close();
  }
}

/** Subscribes before the events happen (MQTT keeps nothing for absent subscribers without a session). */
export async function mqttCollector(url: string, topic: string) {
  const client = await mqtt.connectAsync(url);
  const events: EventRecord[] = [];
  client.on('message', (_t, payload) => events.push(...recordsOf(payload.toString())));
  await client.subscribeAsync(topic, { qos: 1 });
  return { events, close: () => client.endAsync() };
}
