/**
 * Several files and folders downloaded as one zip, streamed: client-zip (`makeZip`) pulls one object at a
 * time from an async generator (a folder is listed a page of 1,000 keys at a time, each object fetched by
 * presigned URL only when the zip reaches it) and its output is piped to a file the user picked
 * (File System Access API: `showSaveFilePicker`), so neither the archive nor any object is held in memory.
 * A browser without the picker (Firefox, Safari) gets the archive assembled as a Blob instead: in memory,
 * which the dialog says before it starts.
 */
import { makeZip } from 'client-zip';
import { AdminError } from '../../api/errors.js';
import { cos } from '../../api/session.js';
import { shareUrl } from './hooks.js';

export type ZipItem = { kind: 'file'; key: string; size: number } | { kind: 'folder'; prefix: string };

export interface ZipProgress {
  files: number;
  bytes: number;
  current?: string;
}

interface SaveHandle {
  createWritable(): Promise<WritableStream<Uint8Array>>;
}

type SavePicker = (options: {
  suggestedName: string;
  types?: { description: string; accept: Record<string, string[]> }[];
}) => Promise<SaveHandle>;

/** True when the archive can be streamed to disk (Chromium's File System Access API). */
export function canStreamToDisk(): boolean {
  return typeof (window as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker === 'function';
}

/**
 * Asks where to save (must run in the click's own task: the picker needs the user's gesture). Undefined
 * when the browser has no picker; throws AbortError when the user cancels it.
 */
export async function pickZipFile(name: string): Promise<SaveHandle | undefined> {
  const picker = (window as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (!picker) return undefined;
  return picker({
    suggestedName: name,
    types: [{ description: 'Zip archive', accept: { 'application/zip': ['.zip'] } }],
  });
}

/** Every key under `prefix`, a page of 1,000 at a time (never the whole folder in memory). */
async function* keysUnder(bucket: string, region: string, prefix: string, signal: AbortSignal) {
  let marker: string | undefined;
  for (;;) {
    if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    const page = await cos().getBucket({
      Bucket: bucket,
      Region: region,
      Prefix: prefix,
      MaxKeys: 1000,
      ...(marker ? { Marker: marker } : {}),
    });
    const contents = page.Contents ?? [];
    for (const c of contents) yield { key: c.Key, size: Number(c.Size), lastModified: c.LastModified };
    if (page.IsTruncated !== 'true' || contents.length === 0) return;
    marker = page.NextMarker || contents.at(-1)!.Key;
  }
}

/**
 * The zip's entries, produced as the archive is written: names are relative to `base` (the folder the
 * File List shows), folders keep their structure, a folder marker becomes a directory entry.
 */
async function* entries(
  bucket: string,
  region: string,
  base: string,
  items: ZipItem[],
  progress: (p: ZipProgress) => void,
  state: ZipProgress,
  signal: AbortSignal,
) {
  const one = async (key: string, lastModified?: string) => {
    const res = await fetch(shareUrl(bucket, region, key, 3600), { signal });
    if (!res.ok) {
      // The server's XML error: its Code, Message and RequestId, like every other failure in the console.
      const text = await res.text();
      const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
      throw new AdminError(
        tag('Code') ?? String(res.status),
        `${key}: ${tag('Message') ?? res.statusText}`,
        tag('RequestId') ?? res.headers.get('x-cos-request-id') ?? undefined,
        res.status,
      );
    }
    state.files++;
    state.current = key;
    progress({ ...state });
    return {
      name: key.slice(base.length),
      input: res,
      ...(lastModified ? { lastModified: new Date(lastModified) } : {}),
    };
  };
  for (const item of items) {
    if (item.kind === 'file') {
      yield await one(item.key);
      continue;
    }
    for await (const k of keysUnder(bucket, region, item.prefix, signal)) {
      if (k.key.endsWith('/')) {
        yield { name: k.key.slice(base.length) };
        continue;
      }
      yield await one(k.key, k.lastModified);
    }
  }
}

/**
 * Writes the zip of `items` to `handle` (or, without one, builds a Blob and hands it to the browser's
 * download). Reports files started and bytes written; `signal` cancels (the partial file is discarded).
 */
export async function downloadZip(input: {
  bucket: string;
  region: string;
  base: string;
  items: ZipItem[];
  name: string;
  handle: SaveHandle | undefined;
  onProgress: (p: ZipProgress) => void;
  signal: AbortSignal;
}): Promise<ZipProgress> {
  const state: ZipProgress = { files: 0, bytes: 0 };
  const zip = makeZip(
    entries(input.bucket, input.region, input.base, input.items, input.onProgress, state, input.signal),
  );
  const counted = zip.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        state.bytes += chunk.byteLength;
        input.onProgress({ ...state });
        controller.enqueue(chunk);
      },
    }),
  );
  if (input.handle) {
    const writable = await input.handle.createWritable();
    // pipeTo aborts the writable on a failure or cancel, which discards what was written.
    await counted.pipeTo(writable, { signal: input.signal });
    return state;
  }
  const blob = await new Response(counted).blob();
  if (input.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = input.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return state;
}
