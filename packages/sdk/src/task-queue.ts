/**
 * The upload queue of putObject, sliceUploadFile and uploadFile(s) ("Upload Queue" in
 * https://intl.cloud.tencent.com/document/product/436/31710; Tencent's sdk/task.js):
 * at most FileParallelLimit tasks run; pauseTask / cancelTask abort a task's requests; restartTask runs it again
 * from the start, which for sliceUploadFile means resuming from what the server already has.
 */
import { isAbortError, type S3ServiceError } from './errors.js';
import { isReadableLike } from './source.js';
import type { Callback, ProgressInfo } from './types.js';

export type TaskState = 'waiting' | 'checking' | 'uploading' | 'paused' | 'canceled' | 'success' | 'error';

/** A task as getTaskList and 'list-update' show it. */
export interface TaskInfo {
  id: string;
  Bucket: string;
  Region: string;
  Key: string;
  FilePath: string;
  state: TaskState;
  /** Bytes uploaded. */
  loaded: number;
  /** Bytes in all. */
  size: number;
  speed: number;
  percent: number;
  hashPercent: number;
  error: S3ServiceError | null;
}

/** What a queued API needs from its parameters. */
export interface TaskParams {
  Bucket: string;
  Region: string;
  Key: string;
  FilePath?: string;
  TaskId?: string;
  onTaskReady?: (taskId: string) => void;
  /** Deprecated name of onTaskReady (Tencent's JS SDK docs still use it). */
  TaskReady?: (taskId: string) => void;
  onTaskStart?: (task: TaskInfo) => void;
  onProgress?: (info: ProgressInfo) => void;
  onHashProgress?: (info: ProgressInfo) => void;
}

/** Runs one attempt of a task; aborting `signal` (pause, cancel) must make it stop sending. */
export type TaskRun<R> = (signal: AbortSignal) => Promise<R>;

interface Task extends TaskInfo {
  run: TaskRun<unknown>;
  callback: Callback<unknown> | undefined;
  controller?: AbortController;
  params: TaskParams;
}

function uuid(): string {
  const s4 = () => (((1 + Math.random()) * 0x10000) | 0).toString(16).substring(1);
  return `${s4()}${s4()}-${s4()}-${s4()}-${s4()}-${s4()}${s4()}${s4()}`;
}

const ACTIVE: ReadonlySet<TaskState> = new Set(['waiting', 'checking', 'uploading']);

export class TaskQueue {
  readonly #queue: Task[] = [];
  readonly #tasks = new Map<string, Task>();
  #running = 0;
  #nextIndex = 0;
  #emitTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly limits: () => { parallel: number; keep: number },
    private readonly emit: (event: string, data: unknown) => void,
  ) {}

  /**
   * Queues a task and returns its id at once (before its size is known). `prepare` runs first (e.g. to stat a
   * file); if it fails the task is not queued and `callback` gets the error.
   */
  add<R>(
    params: TaskParams,
    prepare: () => Promise<number>,
    run: TaskRun<R>,
    callback: Callback<R> | undefined,
  ): string {
    const id = uuid();
    params.TaskId = id;
    params.onTaskReady?.(id);
    params.TaskReady?.(id);
    const task: Task = {
      id,
      Bucket: params.Bucket,
      Region: params.Region,
      Key: params.Key,
      FilePath: params.FilePath ?? '',
      state: 'waiting',
      loaded: 0,
      size: 0,
      speed: 0,
      percent: 0,
      hashPercent: 0,
      error: null,
      run: run as TaskRun<unknown>,
      callback: callback as Callback<unknown> | undefined,
      params,
    };
    const onHashProgress = params.onHashProgress;
    params.onHashProgress = (info) => {
      if (!this.isRunning(id)) return;
      task.hashPercent = info.percent;
      onHashProgress?.(info);
      this.#listChanged();
    };
    const onProgress = params.onProgress;
    params.onProgress = (info) => {
      if (!this.isRunning(id)) return;
      if (task.state === 'checking') task.state = 'uploading';
      task.loaded = info.loaded;
      task.speed = info.speed;
      task.percent = info.percent;
      onProgress?.(info);
      this.#listChanged();
    };
    prepare().then(
      (size) => {
        task.size = size;
        this.#tasks.set(id, task);
        this.#queue.push(task);
        this.#listChanged();
        this.#startNext();
        this.#trim();
      },
      (err: unknown) => callback?.(err as S3ServiceError, undefined as R),
    );
    return id;
  }

  isRunning(id: string): boolean {
    const state = this.#tasks.get(id)?.state;
    return state === 'checking' || state === 'uploading';
  }

  list(): TaskInfo[] {
    return this.#queue.map(format);
  }

  pause(id: string): void {
    this.#kill(id, 'paused');
  }

  cancel(id: string): void {
    this.#kill(id, 'canceled');
  }

  restart(id: string): void {
    const task = this.#tasks.get(id);
    if (!task || (task.state !== 'paused' && task.state !== 'error')) return;
    task.state = 'waiting';
    this.#listChanged();
    this.#nextIndex = Math.min(this.#nextIndex, this.#queue.indexOf(task));
    this.#startNext();
  }

  /** Whether any task is running or waiting. */
  isUploadRunning(): boolean {
    return this.#running > 0 || this.#queue.slice(this.#nextIndex).some((t) => t.state === 'waiting');
  }

  #startNext(): void {
    const { parallel } = this.limits();
    while (this.#running < parallel) {
      while (this.#nextIndex < this.#queue.length && this.#queue[this.#nextIndex]!.state !== 'waiting') {
        this.#nextIndex++;
      }
      if (this.#nextIndex >= this.#queue.length) return;
      this.#launch(this.#queue[this.#nextIndex++]!);
    }
  }

  #launch(task: Task): void {
    this.#running++;
    task.state = 'checking';
    task.error = null;
    task.params.onTaskStart?.(format(task));
    const controller = new AbortController();
    task.controller = controller;
    this.#listChanged();
    task.run(controller.signal).then(
      (data) => this.#finish(task, controller, null, data),
      (err: unknown) => this.#finish(task, controller, err as S3ServiceError, undefined),
    );
  }

  #finish(task: Task, controller: AbortController, err: S3ServiceError | null, data: unknown): void {
    // A paused or cancelled attempt ends with an abort; its outcome belongs to no one.
    if (task.controller !== controller || (task.state !== 'checking' && task.state !== 'uploading')) return;
    if (err && isAbortError(err) && controller.signal.aborted) return;
    task.state = err ? 'error' : 'success';
    task.error = err;
    task.controller = undefined;
    this.#running--;
    this.#listChanged();
    this.#startNext();
    const callback = task.callback;
    if (task.state === 'success') task.callback = undefined;
    callback?.(err, data);
    this.#trim();
  }

  #kill(id: string, to: 'paused' | 'canceled'): void {
    const task = this.#tasks.get(id);
    if (!task) return;
    const running = task.state === 'checking' || task.state === 'uploading';
    const allowed = to === 'canceled' ? task.state !== 'canceled' : task.state === 'waiting' || running;
    if (!allowed) return;
    // A stream cannot be read again, so a task uploading one cannot resume: it is not paused (as in Tencent's SDK).
    if (to === 'paused' && isReadableLike((task.params as { Body?: unknown }).Body)) return;
    task.state = to;
    task.controller?.abort();
    task.controller = undefined;
    if (running) this.#running--;
    // As in Tencent's SDK, a cancelled task never calls back.
    if (to === 'canceled') task.callback = undefined;
    this.#listChanged();
    this.#startNext();
    this.#trim();
  }

  /** Drops finished tasks beyond UploadQueueSize, oldest first. */
  #trim(): void {
    const { keep } = this.limits();
    for (let i = 0; i < this.#nextIndex && i < this.#queue.length && this.#queue.length > keep; ) {
      const task = this.#queue[i]!;
      if (ACTIVE.has(task.state)) {
        i++;
        continue;
      }
      this.#tasks.delete(task.id);
      this.#queue.splice(i, 1);
      this.#nextIndex--;
    }
  }

  /** 'list-update' is emitted once per turn of the event loop, however many tasks changed. */
  #listChanged(): void {
    if (this.#emitTimer !== undefined) return;
    this.#emitTimer = setTimeout(() => {
      this.#emitTimer = undefined;
      const list = this.list();
      this.emit('task-list-update', { list });
      this.emit('list-update', { list });
    });
  }
}

function format(task: Task): TaskInfo {
  return {
    id: task.id,
    Bucket: task.Bucket,
    Region: task.Region,
    Key: task.Key,
    FilePath: task.FilePath,
    state: task.state,
    loaded: task.loaded,
    size: task.size,
    speed: task.speed,
    percent: task.percent,
    hashPercent: task.hashPercent,
    error: task.error,
  };
}
