import type { Logger } from 'pino';
import type { Lease, LeaseStore } from '../stores/lease-store.js';

export interface LeaseKeeperOptions {
  leases: LeaseStore;
  /** The job's lease name: `gc`, `lifecycle`, … */
  name: string;
  /** This gateway's holder id, unique per process start (host:pid:random). */
  holder: string;
  ttlMs: number;
  /** Real time in ms (not the engine's shifted clock): lease expiry is compared across gateways. */
  nowMs: () => number;
  log: Logger;
}

/**
 * Keeps one job's lease for this gateway: tries to acquire it, and once held renews it every third of
 * the TTL, so two renewals can fail before it lapses. `held()` is true only while this process is sure
 * of it: the lease is counted from the moment the renewal was *sent* (the store counts from a later
 * moment), so a gateway whose event loop stalls stops believing it holds the lease no later than the
 * store lets another take it. A job checks held() before it starts and watches `signal` (aborted when
 * the lease is lost) while it runs.
 */
export class LeaseKeeper {
  #lease: Lease | undefined;
  #validUntilMs = 0;
  #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;
  readonly #onAcquired: ((lease: Lease) => void)[] = [];

  constructor(private readonly options: LeaseKeeperOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** True while this gateway holds the lease and its TTL (counted conservatively) has not run out. */
  held(): boolean {
    return this.#lease !== undefined && this.options.nowMs() < this.#validUntilMs;
  }

  /**
   * True while the lease is held for at least `marginMs` more (counted as held() counts): a step that
   * may take up to `marginMs` (one notification sent with its timeout) starts only if it will end
   * before another gateway can take the lease, so two holders never send at the same time.
   */
  heldFor(marginMs: number): boolean {
    return this.#lease !== undefined && this.options.nowMs() + marginMs < this.#validUntilMs;
  }

  /** The lease as last seen by this holder (for its epoch and lastRunMs), while held. */
  get lease(): Lease | undefined {
    return this.held() ? this.#lease : undefined;
  }

  /** Aborted when the lease is lost or released; a fresh signal after each acquisition. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Calls `fn` each time this holder gains the lease (at start, or taking over from a dead gateway). */
  whenAcquired(fn: (lease: Lease) => void): this {
    this.#onAcquired.push(fn);
    return this;
  }

  /** Records a completed run of the job (LeaseStore.markLeaseRun); false if the lease was lost meanwhile. */
  markRun(runMs: number): Promise<boolean> {
    const { leases, name, holder, nowMs } = this.options;
    return leases.markLeaseRun(name, holder, runMs, nowMs());
  }

  /** Acquires or renews now, then every ttl/3 until stop(). */
  start(): this {
    this.#loop();
    return this;
  }

  /**
   * One acquire-or-renew round (what the timer runs; tests call it with a fake clock). A failed renewal
   * means the lease lapsed or moved: the job is told (signal) and a new acquire is tried at once.
   */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  /** Stops renewing and releases the lease, so another gateway need not wait for the TTL. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    if (this.#lease) {
      const { leases, name, holder } = this.options;
      this.#lost('released');
      await leases.releaseLease(name, holder).catch(() => {});
    }
  }

  #loop(): void {
    void this.tick().finally(() => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#loop(), Math.max(1, Math.floor(this.options.ttlMs / 3)));
      this.#timer.unref();
    });
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    const { leases, name, holder, ttlMs, nowMs, log } = this.options;
    try {
      if (this.#lease) {
        const sentMs = nowMs();
        const renewed = await leases.renewLease(name, holder, ttlMs, sentMs);
        if (renewed) {
          this.#lease = renewed;
          this.#validUntilMs = sentMs + ttlMs;
          return;
        }
        log.warn({ lease: name, holder }, 'lease lost (it lapsed before it was renewed); the job stops here');
        this.#lost('lost');
      }
      const sentMs = nowMs();
      const acquired = await leases.acquireLease(name, holder, ttlMs, sentMs);
      if (!acquired || this.#stopped) return;
      this.#lease = acquired;
      this.#validUntilMs = sentMs + ttlMs;
      log.info({ lease: name, holder, epoch: acquired.epoch }, 'lease acquired: this gateway runs the job');
      for (const fn of this.#onAcquired) fn(acquired);
    } catch (err) {
      // The database is unreachable: keep believing only until the TTL we had runs out.
      log.warn({ err, lease: name }, 'lease store call failed');
      if (this.#lease && !this.held()) this.#lost('lost');
    }
  }

  #lost(why: string): void {
    this.#lease = undefined;
    this.#validUntilMs = 0;
    this.#controller.abort(new Error(`lease ${this.options.name} ${why}`));
    this.#controller = new AbortController();
  }
}
