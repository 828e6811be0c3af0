#!/usr/bin/env node
/**
 * A thumbnail service for Coffer, the example COS's FAQ answers with a cloud function
 * (https://intl.cloud.tencent.com/document/product/583/9734): a webhook receiver for Coffer's bucket
 * notifications that reads each new image with @coffer/sdk, resizes it with sharp, and writes the
 * thumbnail under the same key to another bucket.
 *
 * Run it (docs/notifications.md has the server side):
 *
 *   COFFER_ENDPOINT=http://127.0.0.1:9000 COFFER_SECRET_ID=… COFFER_SECRET_KEY=… \
 *   THUMBNAIL_BUCKET=thumbs-1250000000 WEBHOOK_SECRET=… PORT=8080 node examples/thumbnails/thumbnails.js
 *
 * and start Coffer with COFFER_NOTIFY_WEBHOOK_thumbs=http://127.0.0.1:8080/ and
 * COFFER_NOTIFY_WEBHOOK_thumbs_SECRET=<the same secret>; then name `arn:coffer:sqs::thumbs:webhook` in
 * the source bucket's notification configuration (prefix images/, events s3:ObjectCreated:*).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import COS from '@coffer/sdk';
import sharp from 'sharp';

/** Largest notification body read (one event per request; keys are at most 1 KiB). */
const MAX_EVENT_BYTES = 64 * 1024;

/** True when `signature` is `sha256=<hex HMAC-SHA256(secret, body)>`, compared in constant time. */
export function signatureValid(secret, body, signature) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(String(signature ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** S3 event keys are URL-encoded with '+' for spaces. */
function decodeKey(key) {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * Makes the thumbnail of one object: the original streams from Coffer into sharp (never whole in
 * memory); the thumbnail, small by construction, is written in one PUT.
 */
export async function makeThumbnail({ cos, region, bucket, key, targetBucket, width }) {
  const resizer = sharp().resize({ width, withoutEnlargement: true });
  const [thumbnail] = await Promise.all([
    resizer.toBuffer(),
    cos.getObject({ Bucket: bucket, Region: region, Key: key, Output: resizer }),
  ]);
  await cos.putObject({ Bucket: targetBucket, Region: region, Key: key, Body: thumbnail });
}

/**
 * The webhook handler. It answers 204 only once every thumbnail of the request is written, so a
 * failure (Coffer unreachable, a corrupt image) is a non-2xx answer and Coffer delivers the event
 * again later: nothing is lost, and writing the same thumbnail twice is harmless.
 */
export function createThumbnailService({ cos, region, secret, targetBucket, width = 200, log = () => {} }) {
  return http.createServer(async (req, res) => {
    try {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const chunks = [];
      let size = 0;
      for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_EVENT_BYTES) {
          res.writeHead(413).end();
          return;
        }
        chunks.push(chunk);
      }
      const body = Buffer.concat(chunks);
      if (!signatureValid(secret, body, req.headers['x-coffer-signature-256'])) {
        res.writeHead(401).end();
        return;
      }
      const { Records = [] } = JSON.parse(body.toString('utf8'));
      for (const record of Records) {
        if (!record.eventName?.startsWith('ObjectCreated:')) continue;
        const bucket = record.s3.bucket.name;
        const key = decodeKey(record.s3.object.key);
        // A thumbnail bucket that notified this service too would loop: never read from it.
        if (bucket === targetBucket) continue;
        await makeThumbnail({ cos, region, bucket, key, targetBucket, width });
        log(`thumbnail of ${bucket}/${key} → ${targetBucket}/${key}`);
      }
      res.writeHead(204).end();
    } catch (err) {
      log(`failed: ${err.message}`);
      res.writeHead(500).end();
    }
  });
}

function main() {
  const env = process.env;
  const endpoint = new URL(env.COFFER_ENDPOINT ?? 'http://127.0.0.1:9000');
  const cos = new COS({
    SecretId: env.COFFER_SECRET_ID,
    SecretKey: env.COFFER_SECRET_KEY,
    Protocol: endpoint.protocol,
    Domain: endpoint.host,
    ForcePathStyle: true,
  });
  if (!env.THUMBNAIL_BUCKET || !env.WEBHOOK_SECRET) {
    console.error('set THUMBNAIL_BUCKET and WEBHOOK_SECRET (and COFFER_ENDPOINT, COFFER_SECRET_ID, COFFER_SECRET_KEY)');
    process.exit(2);
  }
  const server = createThumbnailService({
    cos,
    region: env.COFFER_REGION ?? 'ap-guangzhou',
    secret: env.WEBHOOK_SECRET,
    targetBucket: env.THUMBNAIL_BUCKET,
    width: Number(env.THUMB_WIDTH ?? 200),
    log: (line) => console.log(line),
  });
  const port = Number(env.PORT ?? 8080);
  server.listen(port, () => console.log(`thumbnail service listening on :${port}`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
