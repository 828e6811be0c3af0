/**
 * sliceUploadFile: a multipart upload that resumes ("Uploading an Object in Parts" in
 * https://intl.cloud.tencent.com/document/product/436/31710).
 *
 * 1. ListMultipartUploads(prefix=Key) → uploads of exactly this Key (and StorageClass) that no other upload of
 *    this client is using, newest first.
 * 2. For each: ListParts, then hash the local chunk of every listed part; the upload is reused when the part size
 *    matches and every part's ETag is the chunk's quoted MD5 with the same size. Otherwise InitiateMultipartUpload.
 * 3. UploadPart only the parts the server lacks (AsyncLimit at once), each read once: its CRC-64 is computed from the
 *    bytes as they are sent and compared with the server's x-cos-hash-crc64ecma (crc64-check.ts; a mismatched part
 *    is sent again). Content-MD5 only with UploadCheckContentMd5, as Tencent's SDK: hashing a file's part first
 *    reads it twice. Then Complete, whose whole-object CRC-64 is checked against the parts' combined.
 *
 * The server's state is the only record: a new process, a restartTask after pauseTask, or a retry after an error
 * all resume the same way. A stream Body cannot be re-read, so its parts are checked as they are read instead.
 */

import { crc64 as jsCrc64 } from '@coffer/protocol';
import { type Formatted, formatParams } from '../api/define.js';
import {
  type MultipartCompleteResult,
  multipartComplete,
  multipartInit,
  multipartList,
  multipartListPart,
  type PartEntry,
  type UploadEntry,
  uploadPart,
} from '../api/multipart.js';
import { putObject } from '../api/object.js';
import { hexToBase64 } from '../api/shared.js';
import type { ClientCore } from '../core.js';
import { S3ServiceError } from '../errors.js';
import type { UploadSource } from '../platform/types.js';
import { throttleProgress } from '../progress.js';
import type { ObjectParams, ProgressCallback, UploadBody } from '../types.js';
import { answeredCrc64, combinedCrc64, crc64MismatchError, SentCrc64 } from './crc64-check.js';
import { autoChunkSize, runPool } from './pool.js';

export interface SliceUploadFileParams extends ObjectParams {
  /** A File/Blob, bytes, a string or (Node) a stream. Node also takes FilePath. */
  Body?: UploadBody;
  /** Node: the file to upload; parts are streamed from disk. */
  FilePath?: string;
  /** The length of a stream Body. */
  ContentLength?: number;
  /** Part size in bytes (grown if the file would need more than MaxPartNumber parts). */
  SliceSize?: number;
  /** Same as SliceSize (Tencent's Node name). */
  ChunkSize?: number;
  /** Parts uploading at once (default ChunkParallelLimit, 3). */
  AsyncLimit?: number;
  StorageClass?: string;
  /** Extra query parameters of InitiateMultipartUpload. */
  Query?: Record<string, string>;
  onTaskReady?: (taskId: string) => void;
  /** Deprecated name of onTaskReady. */
  TaskReady?: (taskId: string) => void;
  /** This upload's CRC-64 function, instead of the client's `Crc64` option (a caller that loads one lazily). */
  Crc64?: (data: Uint8Array, prev?: bigint) => bigint;
  /** Progress of hashing the local chunks that a resumable upload already has. */
  onHashProgress?: ProgressCallback;
  onProgress?: ProgressCallback;
  SkipTask?: boolean;
  [header: `x-cos-${string}`]: string | undefined;
}

export interface SliceUploadFileResult extends MultipartCompleteResult {
  UploadId: string;
}

/** Unquoted, lower-case: ETags compare equal however a server quotes or cases them. */
function normalizeETag(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '').toLowerCase();
}

async function allUploads(core: ClientCore, p: ObjectParams, signal?: AbortSignal): Promise<UploadEntry[]> {
  const out: UploadEntry[] = [];
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    const page = await multipartList(
      core,
      formatParams({ Bucket: p.Bucket, Region: p.Region, Prefix: p.Key, ...markers }),
      signal,
    );
    out.push(...page.Upload);
    if (page.IsTruncated !== 'true') return out;
    markers = {
      ...(page.NextKeyMarker !== undefined ? { KeyMarker: page.NextKeyMarker } : {}),
      ...(page.NextUploadIdMarker !== undefined ? { UploadIdMarker: page.NextUploadIdMarker } : {}),
    };
  }
}

export async function allParts(
  core: ClientCore,
  p: ObjectParams & { UploadId: string },
  signal?: AbortSignal,
): Promise<PartEntry[]> {
  const out: PartEntry[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await multipartListPart(
      core,
      formatParams({
        Bucket: p.Bucket,
        Region: p.Region,
        Key: p.Key,
        UploadId: p.UploadId,
        ...(marker !== undefined ? { PartNumberMarker: marker } : {}),
      }),
      signal,
    );
    out.push(...page.Part);
    if (page.IsTruncated !== 'true') return out;
    marker = page.NextPartNumberMarker;
  }
}

interface Resumable {
  uploadId: string;
  /** Part number → ETag of the parts to keep. */
  done: Map<number, string>;
  /** Part number → CRC-64 of the local chunk, taken while hashing it (when CRC-64 checks are on). */
  crcs?: Map<number, bigint>;
}

/** Uploads of exactly this key and storage class that this client is not already using, newest first. */
async function candidateUploads(
  core: ClientCore,
  params: Formatted<SliceUploadFileParams>,
  signal?: AbortSignal,
): Promise<string[]> {
  const storageClass = params.StorageClass?.toUpperCase();
  const uploads = await allUploads(core, params, signal);
  return uploads
    .filter((u) => u.Key === params.Key && (!storageClass || (u.StorageClass ?? '').toUpperCase() === storageClass))
    .sort((a, b) => (b.Initiated ?? '').localeCompare(a.Initiated ?? ''))
    .map((u) => u.UploadId ?? (u as { UploadID?: string }).UploadID ?? '')
    .filter((id) => id !== '' && !core.uploadIdsInUse.has(id));
}

/** Step 2 for a source that can be re-read: the first candidate whose parts all match the local data. */
async function findResumable(
  core: ClientCore,
  params: Formatted<SliceUploadFileParams>,
  source: UploadSource,
  sizeBytes: number,
  chunkBytes: number,
  crc64: ((data: Uint8Array, prev?: bigint) => bigint) | undefined,
  signal?: AbortSignal,
): Promise<Resumable | undefined> {
  const sliceCount = Math.ceil(sizeBytes / chunkBytes);
  const localETags = new Map<number, string>();
  const localCrcs = new Map<number, bigint>();
  const reportHash = throttleProgress(core.options.ProgressInterval, sizeBytes, params.onHashProgress);
  let hashedBytes = 0;
  const chunkETag = async (partNumber: number) => {
    let etag = localETags.get(partNumber);
    if (etag === undefined) {
      const start = (partNumber - 1) * chunkBytes;
      const end = Math.min(start + chunkBytes, sizeBytes);
      let crc = 0n;
      etag = await source.md5(start, end, crc64 ? (chunk) => (crc = crc64(chunk, crc)) : undefined);
      localETags.set(partNumber, etag);
      if (crc64) localCrcs.set(partNumber, crc);
      hashedBytes += end - start;
      reportHash({ loaded: hashedBytes, total: sizeBytes });
    }
    return etag;
  };
  try {
    for (const uploadId of await candidateUploads(core, params, signal)) {
      const parts = await allParts(core, { ...params, UploadId: uploadId }, signal);
      if (parts.length > sliceCount) continue;
      if (parts.length > 1 && Math.max(Number(parts[0]!.Size), Number(parts[1]!.Size)) !== chunkBytes) continue;
      let usable = true;
      for (const part of parts) {
        signal?.throwIfAborted();
        const n = Number(part.PartNumber);
        const expectedSize = Math.min(chunkBytes, sizeBytes - (n - 1) * chunkBytes);
        if (n < 1 || n > sliceCount || Number(part.Size) !== expectedSize) {
          usable = false;
          break;
        }
        if (normalizeETag(part.ETag) !== (await chunkETag(n))) {
          usable = false;
          break;
        }
      }
      if (usable) return { uploadId, done: new Map(parts.map((p) => [Number(p.PartNumber), p.ETag])), crcs: localCrcs };
    }
    return undefined;
  } finally {
    reportHash(undefined, true);
  }
}

/** Headers of the parts: only the traffic limits apply to them. */
function partHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ['x-cos-traffic-limit', 'x-cos-mime-limit'])
    if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

/** The size sliceUploadFile reports before it starts (a stream of unknown length counts as 0). */
export async function sliceUploadSize(core: ClientCore, params: Formatted<SliceUploadFileParams>): Promise<number> {
  const info = await core.platform.describeBody(params.Body, params.FilePath, params.ContentLength);
  return info.sizeBytes ?? 0;
}

export async function sliceUploadFile(
  core: ClientCore,
  params: Formatted<SliceUploadFileParams>,
  signal: AbortSignal | undefined,
): Promise<SliceUploadFileResult> {
  const source = await core.platform.openSource(params.Body, params.FilePath, params.ContentLength);
  const sizeBytes = source.sizeBytes;
  if (sizeBytes === 0) {
    const put = await putObject(core, { ...params, Body: '', FilePath: undefined, ContentLength: 0 }, signal);
    return { ...put, UploadId: '' } as unknown as SliceUploadFileResult;
  }
  const o = core.options;
  const requested = params.ChunkSize || params.SliceSize || o.ChunkSize;
  const chunkBytes = Math.max(requested, autoChunkSize(sizeBytes ?? 0, o.MaxPartNumber));
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params.Headers))
    if (name.toLowerCase() !== 'content-length') headers[name] = value;
  const crc64 = o.UploadCheckCrc64 ? (params.Crc64 ?? o.Crc64 ?? jsCrc64) : undefined;

  // Step 1–2: an upload to resume, or a new one.
  let resumable: Resumable | undefined;
  let remoteParts = new Map<number, { etag: string; sizeBytes: number }>();
  if (!source.sequential && sizeBytes !== undefined) {
    resumable = await findResumable(core, params, source, sizeBytes, chunkBytes, crc64, signal);
  } else {
    // A stream: take the newest upload and check its parts as the stream is read.
    const [uploadId] = await candidateUploads(core, params, signal);
    if (uploadId !== undefined) {
      const parts = await allParts(core, { ...params, UploadId: uploadId }, signal);
      remoteParts = new Map(parts.map((p) => [Number(p.PartNumber), { etag: p.ETag, sizeBytes: Number(p.Size) }]));
      resumable = { uploadId, done: new Map() };
    }
  }
  let uploadId = resumable?.uploadId;
  if (uploadId === undefined) {
    const init = await multipartInit(
      core,
      formatParams({
        Bucket: params.Bucket,
        Region: params.Region,
        Key: params.Key,
        Headers: headers as Record<string, string>,
        ...(params.Query ? { Query: params.Query } : {}),
        Body: params.Body,
      }),
      signal,
    );
    uploadId = init.UploadId;
    if (!uploadId) throw new S3ServiceError({ code: 'NoSuchUpload', message: 'no such upload id' });
  }
  const done = resumable?.done ?? new Map<number, string>();
  core.uploadIdsInUse.add(uploadId);

  const total = sizeBytes ?? 0;
  const report = throttleProgress(o.ProgressInterval, total, params.onProgress);
  let finishedBytes = 0;
  const inFlight = new Map<number, number>();
  const progress = () => {
    let loaded = finishedBytes;
    for (const bytes of inFlight.values()) loaded += bytes;
    report({ loaded, total });
  };
  // Part number → CRC-64 of the local bytes (each one the server's answer matched, where it gave one).
  const partCrcs = new Map<number, { crc64: bigint; sizeBytes: number }>();
  try {
    // Step 3: the missing parts.
    const etags = new Map<number, string>(done);
    const uploadOne = async (n: number, part: { body: unknown; sizeBytes: number; md5?: string }) => {
      let res: Awaited<ReturnType<typeof uploadPart>>;
      for (let attempt = 0; ; attempt++) {
        inFlight.set(n, 0);
        const sent = crc64 ? new SentCrc64(crc64) : undefined;
        res = await uploadPart(core, {
          Bucket: params.Bucket,
          Region: params.Region,
          Key: params.Key,
          UploadId: uploadId,
          PartNumber: n,
          body: part.body as never,
          sizeBytes: part.sizeBytes,
          ...(o.UploadCheckContentMd5 && part.md5 ? { contentMd5: hexToBase64(part.md5) } : {}),
          headers: partHeaders(headers),
          ...(signal ? { signal } : {}),
          retries: o.ChunkRetryTimes,
          onUploadProgress: (loaded) => {
            inFlight.set(n, Math.min(loaded, part.sizeBytes));
            progress();
          },
          ...(sent ? { onBodyChunk: sent.update } : {}),
        });
        const local = sent?.value(part.sizeBytes);
        const answered = answeredCrc64(res.headers);
        if (local !== undefined && answered !== undefined && local !== answered) {
          // The bytes stored are not the bytes sent: sending the part again replaces them.
          if (attempt < o.ChunkRetryTimes) continue;
          throw crc64MismatchError(`part ${n}`, local, answered, res.headers);
        }
        if (local !== undefined) partCrcs.set(n, { crc64: local, sizeBytes: part.sizeBytes });
        break;
      }
      inFlight.delete(n);
      finishedBytes += part.sizeBytes;
      etags.set(n, res.ETag);
      progress();
    };
    const limit = Math.min(params.AsyncLimit || o.ChunkParallelLimit || 1, 256);
    let lastPart: number;
    if (!source.sequential && sizeBytes !== undefined) {
      lastPart = Math.ceil(sizeBytes / chunkBytes);
      for (const n of done.keys()) {
        const partBytes = Math.min(chunkBytes, sizeBytes - (n - 1) * chunkBytes);
        finishedBytes += partBytes;
        const crc = resumable?.crcs?.get(n);
        if (crc !== undefined) partCrcs.set(n, { crc64: crc, sizeBytes: partBytes });
      }
      report({ loaded: finishedBytes, total }, true);
      const todo: number[] = [];
      for (let n = 1; n <= lastPart; n++) if (!done.has(n)) todo.push(n);
      await runPool(limit, () => {
        const n = todo.shift();
        if (n === undefined) return undefined;
        return async () => {
          signal?.throwIfAborted();
          const start = (n - 1) * chunkBytes;
          await uploadOne(
            n,
            await source.read(start, Math.min(start + chunkBytes, sizeBytes), o.UploadCheckContentMd5),
          );
        };
      });
    } else {
      report({ loaded: 0, total }, true);
      let next = 1;
      let offset = 0;
      let ended = false;
      lastPart = 0;
      await runPool(limit, async () => {
        if (ended) return undefined;
        const n = next++;
        const start = offset;
        offset += chunkBytes;
        // The MD5 tells a part the newest upload already has (compared below), or is sent as Content-MD5.
        const part = await source.read(start, start + chunkBytes, o.UploadCheckContentMd5 || remoteParts.size > 0);
        if (part.sizeBytes < chunkBytes) ended = true;
        if (part.sizeBytes === 0 && n > 1) return undefined;
        lastPart = Math.max(lastPart, n);
        return async () => {
          const remote = remoteParts.get(n);
          if (remote && remote.sizeBytes === part.sizeBytes && normalizeETag(remote.etag) === part.md5) {
            etags.set(n, remote.etag);
            if (crc64) partCrcs.set(n, { crc64: crc64(part.body as Uint8Array), sizeBytes: part.sizeBytes });
            finishedBytes += part.sizeBytes;
            progress();
            return;
          }
          await uploadOne(n, part);
        };
      });
    }

    const metaHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (lower.startsWith('x-cos-meta-') || lower === 'pic-operations') metaHeaders[name] = String(value);
    }
    const parts = [];
    for (let n = 1; n <= lastPart; n++) parts.push({ PartNumber: n, ETag: etags.get(n)! });
    const completed = await multipartComplete(
      core,
      formatParams({
        Bucket: params.Bucket,
        Region: params.Region,
        Key: params.Key,
        UploadId: uploadId,
        Parts: parts,
        Headers: metaHeaders,
      }),
      signal,
    );
    // The whole object's CRC-64, when the server answers one and every part's is known here (all but parts a
    // browser sent): catches parts assembled out of order or from another upload, which no part check can.
    const answered = answeredCrc64(completed.headers);
    if (answered !== undefined && partCrcs.size === lastPart) {
      const local = combinedCrc64(parts.map((p) => partCrcs.get(p.PartNumber)!));
      if (local !== answered) throw crc64MismatchError('the completed object', local, answered, completed.headers);
    }
    report({ loaded: sizeBytes ?? finishedBytes, total: sizeBytes ?? finishedBytes }, true);
    return { UploadId: uploadId, ...completed };
  } catch (err) {
    report(undefined, true);
    if (err instanceof S3ServiceError) err.UploadId = uploadId;
    throw err;
  } finally {
    core.uploadIdsInUse.delete(uploadId);
  }
}
