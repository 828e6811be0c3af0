/**
 * abortUploadTask (Tencent's SDK, advance.js): aborts incomplete multipart uploads at one of three levels —
 * 'task' (one UploadId of a Key, the default), 'file' (every upload of a Key) or 'bucket' (every upload in the
 * bucket) — AsyncLimit at a time, and reports which aborts succeeded and which failed.
 */
import { type Formatted, formatParams } from '../api/define.js';
import { multipartAbort, multipartList, type UploadEntry } from '../api/multipart.js';
import type { ClientCore } from '../core.js';
import { invalidParameter } from '../errors.js';
import type { GeneralResult, Headers } from '../types.js';
import { runPool } from './pool.js';

export interface AbortUploadTaskParams {
  Bucket: string;
  Region: string;
  /** Required for 'task' and 'file'. */
  Key?: string;
  /** Required for 'task'. */
  UploadId?: string;
  Level?: 'task' | 'file' | 'bucket';
  /** Aborts at a time (default 1). */
  AsyncLimit?: number;
  Headers?: Headers;
}

export interface AbortedTask {
  Bucket: string;
  Region: string;
  Key: string;
  UploadId: string;
}

export interface AbortUploadTaskResult extends Partial<GeneralResult> {
  successList: AbortedTask[];
  errorList: AbortedTask[];
}

/** Every incomplete upload whose key starts with `prefix`, through as many ListMultipartUploads pages as it takes. */
async function allUploads(core: ClientCore, bucket: string, region: string, prefix: string): Promise<UploadEntry[]> {
  const uploads: UploadEntry[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await multipartList(
      core,
      formatParams({
        Bucket: bucket,
        Region: region,
        Prefix: prefix,
        ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
      }),
    );
    uploads.push(...page.Upload);
    if (page.IsTruncated !== 'true') return uploads;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

export async function abortUploadTask(
  core: ClientCore,
  params: Formatted<AbortUploadTaskParams>,
): Promise<AbortUploadTaskResult> {
  const { Bucket, Region, Key } = params;
  const level = params.Level ?? 'task';
  let targets: { Key: string; UploadId: string }[];
  if (level === 'task') {
    if (!params.UploadId) throw invalidParameter('abort_upload_task_no_id');
    if (!Key) throw invalidParameter('abort_upload_task_no_key');
    targets = [{ Key, UploadId: params.UploadId }];
  } else if (level === 'file') {
    if (!Key) throw invalidParameter('abort_upload_task_no_key');
    // Listed by prefix: uploads of longer keys are left alone.
    targets = (await allUploads(core, Bucket, Region, Key)).filter((u) => u.Key === Key);
  } else if (level === 'bucket') {
    targets = await allUploads(core, Bucket, Region, '');
  } else {
    throw invalidParameter('abort_unknown_level');
  }
  const outcomes: { task: AbortedTask; ok: boolean }[] = targets.map((u) => ({
    task: { Bucket, Region, Key: u.Key, UploadId: u.UploadId },
    ok: false,
  }));
  let next = 0;
  await runPool(params.AsyncLimit || 1, () => {
    const outcome = outcomes[next++];
    if (!outcome) return undefined;
    return async () => {
      try {
        await multipartAbort(
          core,
          formatParams({
            Bucket,
            Region,
            Key: outcome.task.Key,
            UploadId: outcome.task.UploadId,
            Headers: params.Headers,
          }),
        );
        outcome.ok = true;
      } catch {
        // Reported in errorList, as Tencent's SDK does; the other aborts go on.
      }
    };
  });
  return {
    successList: outcomes.filter((o) => o.ok).map((o) => o.task),
    errorList: outcomes.filter((o) => !o.ok).map((o) => o.task),
  };
}
