import type { Logger } from 'pino';

/**
 * Runs a job every `intervalMs` (and on demand with kick()), never two runs at once; stop() waits
 * for a run in progress. Workers call the engine. Nothing here coordinates between processes: a job
 * that must run on one gateway only checks its lease first (background.ts, lease-keeper.ts).
 */
export class PeriodicJob {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly job: () => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  start(): this {
    this.#schedule();
    return this;
  }

  /** Runs the job soon (again after the current run, if one is going). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.kick(), this.intervalMs);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.job();
      } while (this.#again && !this.#stopped);
    } catch (err) {
      this.log.error({ err, job: this.name }, 'background job failed');
    } finally {
      this.#running = undefined;
      this.#schedule();
    }
  }
}
