/**
 * The upload task queue: each file is one SDK task (`uploadFile`: one PUT up to MULTIPART_THRESHOLD, else
 * sliceUploadFile's multipart upload), and the SDK's own queue runs FileParallelLimit at once and pauses,
 * restarts and cancels them ("Upload Queue" in https://intl.cloud.tencent.com/document/product/436/31710).
 * sliceUploadFile resumes an interrupted upload from the parts the server already has — also after the tab
 * was closed, since it looks the upload up by key.
 * This module only keeps what the panel shows, as an external store for useSyncExternalStore.
 */

import { type ApiError, toApiError } from '../../api/errors.js';
import { cos } from '../../api/session.js';

/** Files larger than this go up as multipart uploads. */
export const MULTIPART_THRESHOLD_BYTES = 8 * 1024 * 1024;
/** Part size of multipart uploads. */
export const PART_BYTES = 4 * 1024 * 1024;

export type UploadState = 'waiting' | 'uploading' | 'paused' | 'success' | 'error' | 'canceled';

export interface UploadTask {
  id: string;
  /** The SDK's task id, once queued. */
  taskId?: string;
  bucket: string;
  key: string;
  size: number;
  loaded: number;
  /** Bytes per second. */
  speed: number;
  state: UploadState;
  error?: ApiError;
  file: File;
  region: string;
}

let tasks: UploadTask[] = [];
const listeners = new Set<() => void>();
let counter = 0;
let subscribedTo: unknown;

function emit(): void {
  tasks = [...tasks];
  for (const l of listeners) l();
}

function update(id: string, change: Partial<UploadTask>): void {
  const i = tasks.findIndex((t) => t.id === id);
  if (i < 0) return;
  tasks[i] = { ...tasks[i]!, ...change };
  emit();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function snapshot(): UploadTask[] {
  return tasks;
}

/** Called when a task finishes (the file list refreshes). */
let onFinished: (bucket: string) => void = () => {};
export function setOnFinished(fn: (bucket: string) => void): void {
  onFinished = fn;
}

function watchStates(): void {
  const client = cos();
  if (subscribedTo === client) return;
  subscribedTo = client;
  // The SDK reports each task's state (waiting, checking, uploading, paused, success, error, canceled).
  client.on('list-update', (data) => {
    const list = (data as { list: { id: string; state: string }[] }).list;
    for (const item of list) {
      const task = tasks.find((t) => t.taskId === item.id);
      if (!task) continue;
      const state = (item.state === 'checking' ? 'uploading' : item.state) as UploadState;
      if (task.state !== state && !(task.state === 'error' && state !== 'uploading')) update(task.id, { state });
    }
  });
}

function start(task: UploadTask): void {
  watchStates();
  void cos().uploadFile({
    Bucket: task.bucket,
    Region: task.region,
    Key: task.key,
    Body: task.file,
    SliceSize: MULTIPART_THRESHOLD_BYTES,
    ChunkSize: PART_BYTES,
    onTaskReady: (taskId: string) => update(task.id, { taskId, state: 'waiting' }),
    onProgress: (p: { loaded: number; speed: number }) => update(task.id, { loaded: p.loaded, speed: p.speed }),
    onFileFinish: (err: unknown) => {
      const current = tasks.find((t) => t.id === task.id);
      if (!current) return;
      if (err) {
        const e = toApiError(err);
        // Pausing and cancelling abort the task's requests: not failures.
        if (current.state === 'paused' || current.state === 'canceled' || e.code === 'AbortError') return;
        update(task.id, { state: 'error', error: e });
      } else {
        update(task.id, { state: 'success', loaded: current.size });
        onFinished(task.bucket);
      }
    },
  });
}

/** Queues files; `relativePath` keeps a dropped folder's structure under `folder`. */
export function enqueue(
  bucket: string,
  region: string,
  folder: string,
  files: { file: File; relativePath: string }[],
): void {
  for (const { file, relativePath } of files) {
    const task: UploadTask = {
      id: `u${++counter}`,
      bucket,
      region,
      key: folder + relativePath.replace(/^\.?\/+/, ''),
      size: file.size,
      loaded: 0,
      speed: 0,
      state: 'waiting',
      file,
    };
    tasks.push(task);
    emit();
    start(task);
  }
}

export function pause(task: UploadTask): void {
  if (!task.taskId) return;
  update(task.id, { state: 'paused', speed: 0 });
  cos().pauseTask(task.taskId);
}

export function resume(task: UploadTask): void {
  if (!task.taskId) return;
  update(task.id, { state: 'uploading' });
  cos().restartTask(task.taskId);
}

export function cancel(task: UploadTask): void {
  if (task.taskId) cos().cancelTask(task.taskId);
  update(task.id, { state: 'canceled', speed: 0 });
}

/** A failed task runs again from the start of the queue; multipart resumes from the parts already stored. */
export function retry(task: UploadTask): void {
  const { error: _error, ...rest } = task;
  const fresh: UploadTask = { ...rest, id: `u${++counter}`, state: 'waiting', loaded: 0, speed: 0 };
  tasks = tasks.map((t) => (t.id === task.id ? fresh : t));
  emit();
  start(fresh);
}

export function clearFinished(): void {
  tasks = tasks.filter((t) => t.state !== 'success' && t.state !== 'canceled');
  emit();
}
