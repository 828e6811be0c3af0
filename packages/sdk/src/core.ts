/**
 * A client's internal state, kept off the public object: the API functions in `api/` and `advanced/` take it as
 * their first argument.
 */
import type { ResolvedOptions } from './options.js';
import type { Platform } from './platform/types.js';
import type { TaskQueue } from './task-queue.js';
import type { Credentials } from './types.js';

/** Temporary keys cached from getAuthorization / getSTS, with the scope they were issued for. */
export interface CachedCredentials extends Credentials {
  scopeKey: string;
}

export type Listener = (data: unknown) => void;

/** A minimal event emitter (node:events is not available in browsers). */
export class Emitter {
  readonly #listeners = new Map<string, Set<Listener>>();

  on(event: string, listener: Listener): void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off(event: string, listener?: Listener): void {
    if (listener) this.#listeners.get(event)?.delete(listener);
    else this.#listeners.delete(event);
  }

  emit(event: string, data?: unknown): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) listener(data);
  }
}

export interface ClientCore {
  /** The live options object (also `cos.options`): SystemClockOffset changes when clock skew is corrected. */
  options: ResolvedOptions;
  platform: Platform;
  stsCache: CachedCredentials[];
  /** UploadIds a running sliceUploadFile of this client owns: another one must not resume them. */
  uploadIdsInUse: Set<string>;
  emitter: Emitter;
  tasks: TaskQueue;
}

const cores = new WeakMap<object, ClientCore>();

export function attachCore(client: object, core: ClientCore): void {
  cores.set(client, core);
}

/** The internal state of a client (throws for anything that is not one). */
export function coreOf(client: object): ClientCore {
  const core = cores.get(client);
  if (!core) throw new TypeError('Not a COS client: call the method on an instance created with new COS()');
  return core;
}
