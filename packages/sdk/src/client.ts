/**
 * The client class both entry points export as `COS`. Its API methods come from the `api/` and `advanced/`
 * modules (declared on the interface below, installed on the prototype at the end); the class itself holds the
 * options, the upload queue and the events.
 */

import { type AdvancedMethods, advancedMethods } from './advanced/index.js';
import { type AclMethods, aclMethods } from './api/acl.js';
import { type BucketMethods, bucketMethods } from './api/bucket.js';
import { type BucketConfigMethods, bucketConfigMethods } from './api/bucket-config.js';
import { type BucketLoggingInventoryMethods, bucketLoggingInventoryMethods } from './api/bucket-logging-inventory.js';
import { type MultipartMethods, multipartMethods } from './api/multipart.js';
import { type ObjectMethods, objectMethods } from './api/object.js';
import { type GetObjectUrlParams, getObjectUrl } from './api/object-url.js';
import { getAuthorization } from './auth.js';
import { attachCore, coreOf, Emitter, type Listener } from './core.js';
import type { S3ServiceError } from './errors.js';
import { type CosOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { Platform } from './platform/types.js';
import { type TaskInfo, TaskQueue } from './task-queue.js';
import { hostOf, objectUrl, signedPathname } from './url.js';

/** Parameters of `cos.getAuth`: sign a request the way this client would. */
export interface GetAuthParams {
  Bucket?: string;
  Region?: string;
  Key?: string;
  Method?: string;
  Query?: Record<string, string>;
  Headers?: Record<string, string>;
  Expires?: number;
}

// The API methods are declared here and installed on the prototype below, so each lives (with its docs) in its own
// module.
export interface CosClient
  extends BucketMethods,
    BucketConfigMethods,
    BucketLoggingInventoryMethods,
    AclMethods,
    ObjectMethods,
    MultipartMethods,
    AdvancedMethods {}

export class CosClient {
  /** The options in effect (Tencent's SDK exposes them too; SystemClockOffset is updated on clock skew). */
  readonly options: ResolvedOptions;

  constructor(options: CosOptions, platform: Platform) {
    if (options.SecretId?.includes(' ') || options.SecretKey?.includes(' ')) {
      throw new TypeError('SecretId/SecretKey must not contain spaces');
    }
    this.options = resolveOptions(options);
    const emitter = new Emitter();
    attachCore(this, {
      options: this.options,
      platform,
      stsCache: [],
      uploadIdsInUse: new Set(),
      emitter,
      tasks: new TaskQueue(
        () => ({ parallel: this.options.FileParallelLimit, keep: this.options.UploadQueueSize }),
        (event, data) => emitter.emit(event, data),
      ),
    });
  }

  /**
   * Upload tasks (putObject, sliceUploadFile, uploadFile(s)) with their state and progress.
   *
   * @example
   * for (const task of cos.getTaskList()) console.log(task.id, task.state, task.percent);
   */
  getTaskList(): TaskInfo[] {
    return coreOf(this).tasks.list();
  }

  /**
   * Pauses a task: its requests are aborted; restartTask resumes it.
   *
   * @example
   * cos.pauseTask(taskId);
   */
  pauseTask(taskId: string): void {
    coreOf(this).tasks.pause(taskId);
  }

  /**
   * Restarts a paused or failed task; sliceUploadFile resumes from the parts already uploaded.
   *
   * @example
   * cos.restartTask(taskId);
   */
  restartTask(taskId: string): void {
    coreOf(this).tasks.restart(taskId);
  }

  /**
   * Cancels a task; its callback is never called (as in Tencent's SDK). Its parts stay until aborted.
   *
   * @example
   * cos.cancelTask(taskId);
   */
  cancelTask(taskId: string): void {
    coreOf(this).tasks.cancel(taskId);
  }

  /**
   * Whether any upload task is running or waiting.
   *
   * @example
   * if (!cos.isUploadRunning()) console.log('idle');
   */
  isUploadRunning(): boolean {
    return coreOf(this).tasks.isUploadRunning();
  }

  /**
   * Subscribes to an event: 'list-update' (and 'task-list-update') with `{ list }` whenever a task changes.
   *
   * @example
   * cos.on('list-update', ({ list }) => render(list));
   */
  on(event: string, listener: Listener): void {
    coreOf(this).emitter.on(event, listener);
  }

  /**
   * Unsubscribes (every listener of the event when none is given).
   *
   * @example
   * cos.off('list-update', render);
   */
  off(event: string, listener?: Listener): void {
    coreOf(this).emitter.off(event, listener);
  }

  /**
   * Emits an event to this client's listeners.
   *
   * @example
   * cos.emit('list-update', { list: cos.getTaskList() });
   */
  emit(event: string, data?: unknown): void {
    coreOf(this).emitter.emit(event, data);
  }

  /**
   * An object's URL: presigned (default) or plain with `Sign: false`. Returns it at once when permanent keys sign
   * it; with getAuthorization, pass a callback (it also gets `{ Url }` in the other cases).
   *
   * @example
   * const url = cos.getObjectUrl({ Bucket, Region, Key: 'picture.jpg', Expires: 60 });
   * cos.getObjectUrl({ Bucket, Region, Key: 'picture.jpg', Sign: false }, (err, data) => console.log(data.Url));
   */
  getObjectUrl(
    params: GetObjectUrlParams,
    callback?: (err: S3ServiceError | null, data: { Url: string }) => void,
  ): string {
    return getObjectUrl(coreOf(this), params, callback);
  }

  /**
   * The Authorization this client would send for a request (permanent keys only; synchronous).
   *
   * @example
   * const authorization = cos.getAuth({ Method: 'get', Bucket, Region, Key: 'a.txt' });
   */
  getAuth(params: GetAuthParams): string {
    const core = coreOf(this);
    const o = core.options;
    const headers: Record<string, string> = { ...params.Headers };
    if (params.Bucket && params.Region && !Object.keys(headers).some((h) => h.toLowerCase() === 'host')) {
      headers.Host = hostOf(
        objectUrl(o, core.platform.defaultProtocol(), params.Bucket, params.Region, params.Key ?? ''),
      );
    }
    return getAuthorization(
      {
        SecretId: o.SecretId,
        SecretKey: o.SecretKey,
        Method: params.Method ?? 'get',
        Pathname: signedPathname(o, params.Bucket, params.Key),
        Query: { ...params.Query },
        Headers: headers,
        ...(params.Expires !== undefined ? { Expires: params.Expires } : {}),
        SystemClockOffset: o.SystemClockOffset,
        ForceSignHost: o.ForceSignHost,
      },
      core.platform.crypto,
    );
  }
}

Object.assign(
  CosClient.prototype,
  bucketMethods,
  bucketConfigMethods,
  bucketLoggingInventoryMethods,
  aclMethods,
  objectMethods,
  multipartMethods,
  advancedMethods,
);
