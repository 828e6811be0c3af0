import type { BucketRecord, OutboxEntry, RecordEvents, WriteOutcome } from '../../stores/types.js';
import type { EngineContext } from '../context.js';
import { type EventName, matchingRules, type NotificationRule } from './rules.js';

/** The bucket configuration document kind the rules are kept under. */
export const NOTIFICATION_CONFIG = 'notification';

/** How an object came to be: the second half of its ObjectCreated event name. */
export type CreatedBy = 'Put' | 'Post' | 'Copy' | 'CompleteMultipartUpload' | 'Append';

/** Who and what caused an event, for the record's userIdentity / requestParameters. */
export interface EventSource {
  principalId: string;
  sourceIp?: string;
  requestId?: string;
}

/** The event source of a request's actor. */
export function sourceOf(actor: { ownerId: string; source?: { ip: string; requestId: string } }): EventSource {
  return {
    principalId: actor.ownerId,
    ...(actor.source ? { sourceIp: actor.source.ip, requestId: actor.source.requestId } : {}),
  };
}

export async function bucketNotificationRules(ctx: EngineContext, bucketId: number): Promise<NotificationRule[]> {
  const doc = await ctx.meta.getBucketConfig(bucketId, NOTIFICATION_CONFIG);
  return doc ? (JSON.parse(doc) as NotificationRule[]) : [];
}

/**
 * The S3 event key form: URL-encoded with spaces as '+', '/' kept, as S3 writes `s3.object.key`
 * (receivers decode it with decodeURIComponent(key.replace(/\+/g, ' '))).
 */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** The S3 `sequencer`: a hex number that orders the events of a key. */
function sequencer(seq: number): string {
  return seq.toString(16).toUpperCase().padStart(16, '0');
}

/**
 * A recorder for writes to `bucket` (undefined when no rule could fire, so the write pays
 * nothing). It runs inside the store transaction, so it only renders JSON.
 * Event format: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export async function eventRecorder(
  ctx: EngineContext,
  bucket: BucketRecord,
  source: EventSource,
  names: { created?: CreatedBy; lifecycle?: boolean },
): Promise<RecordEvents | undefined> {
  const rules = await bucketNotificationRules(ctx, bucket.id);
  if (rules.length === 0) return undefined;
  return (outcome: WriteOutcome): OutboxEntry[] => {
    const eventNames = namesOf(outcome, names);
    const key = outcome.kind === 'removed' ? outcome.key : outcome.version.key;
    const entries: OutboxEntry[] = [];
    for (const eventName of eventNames) {
      const seen = new Set<string>();
      for (const rule of matchingRules(rules, eventName, key)) {
        // One event per target, even when two of its rules match.
        if (seen.has(rule.target)) continue;
        seen.add(rule.target);
        entries.push({ target: rule.target, key, payload: render(ctx, bucket, source, rule, eventName, outcome) });
      }
    }
    // The worker reads the outbox once this synchronous transaction has committed.
    if (entries.length) ctx.notifier?.wake();
    return entries;
  };
}

function namesOf(outcome: WriteOutcome, names: { created?: CreatedBy; lifecycle?: boolean }): EventName[] {
  if (outcome.kind === 'created') return [`ObjectCreated:${names.created ?? 'Put'}`];
  if (outcome.kind === 'restored') return ['ObjectRestore:Post', 'ObjectRestore:Completed'];
  const group = names.lifecycle ? 'LifecycleExpiration' : 'ObjectRemoved';
  return [`${group}:${outcome.deleteMarkerCreated ? 'DeleteMarkerCreated' : 'Delete'}`];
}

function render(
  ctx: EngineContext,
  bucket: BucketRecord,
  source: EventSource,
  rule: NotificationRule,
  eventName: EventName,
  outcome: WriteOutcome,
): string {
  const object =
    outcome.kind === 'removed'
      ? {
          key: eventKey(outcome.key),
          ...(outcome.versionId !== undefined && outcome.versionId !== 'null' ? { versionId: outcome.versionId } : {}),
          sequencer: sequencer(outcome.seq),
        }
      : {
          key: eventKey(outcome.version.key),
          size: outcome.version.size,
          eTag: outcome.version.etag,
          ...(outcome.version.versionId !== 'null' ? { versionId: outcome.version.versionId } : {}),
          sequencer: sequencer(outcome.version.seq),
        };
  const record = {
    eventVersion: '2.1',
    eventSource: 'coffer:s3',
    awsRegion: ctx.region,
    eventTime: new Date().toISOString(),
    eventName,
    userIdentity: { principalId: source.principalId },
    requestParameters: { sourceIPAddress: source.sourceIp ?? '' },
    responseElements: { 'x-amz-request-id': source.requestId ?? '' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: rule.id,
      bucket: { name: bucket.name, ownerIdentity: { principalId: bucket.ownerId }, arn: `arn:aws:s3:::${bucket.name}` },
      object,
    },
    ...(outcome.kind === 'restored' && outcome.version.restoredUntilMs !== undefined
      ? {
          restoreEventData: { lifecycleRestorationExpiryTime: new Date(outcome.version.restoredUntilMs).toISOString() },
        }
      : {}),
  };
  return JSON.stringify({ Records: [record] });
}
