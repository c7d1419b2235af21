import type { Logger } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';

export interface TablePumpOptions<K> {
  /** Names the poll task (in the line logged when a poll fails). */
  name: string;
  /** Time between two polls, each of which wakes the pump. */
  intervalMs: number;
  /** At most this many jobs run at a time. */
  concurrency: number;
  logger: Pick<Logger, 'error' | 'warn'>;
  /**
   * The table-specific part of one pass: find/claim due rows and start up to `free` of them with `pump.launch`.
   * Resolves whether it started any (false ends the pump until the next wake).
   */
  fill: (free: number, pump: TablePump<K>) => Promise<boolean>;
  /** Runs once at the start of every pump, before the first fill (e.g. reclaiming stale claims). */
  prepare?: () => Promise<void>;
  /** Runs at each poll tick, before the wake. */
  onPoll?: () => void;
  /** A pump rejected (default: it is left to the caller's fill to catch its errors; logged as a warning). */
  onError?: (err: Error) => void;
}

/**
 * The shared mechanics of a database-backed queue (the callback inbox, the media downloads): a `wake()` that runs
 * one pump at a time (a wake during a pump makes one more pump follow it), the concurrency window and the map of
 * jobs in flight, a PeriodicTask poll that wakes it, and `close()`, which stops the poll, starts nothing new and
 * waits for the jobs in flight. How rows are found and claimed and what a job does are the owner's (`fill`).
 *
 * Foundation code: imports only src/common.
 */
export class TablePump<K> {
  private readonly inFlight = new Map<K, Promise<void>>();
  private poll?: PeriodicTask;
  private started = false;
  private pumping = false;
  private again = false;
  private stopped = false;

  constructor(private readonly options: TablePumpOptions<K>) {}

  /** start() was called: wakes pump. */
  get consuming(): boolean {
    return this.started;
  }

  /** close() was called: nothing new starts. */
  get closed(): boolean {
    return this.stopped;
  }

  /** How many jobs run now. */
  get active(): number {
    return this.inFlight.size;
  }

  /** Whether the job of `key` runs now. */
  running(key: K): boolean {
    return this.inFlight.has(key);
  }

  /** Starts the poll and pumps at once. */
  start(): void {
    this.started = true;
    this.poll = new PeriodicTask({
      name: this.options.name,
      intervalMs: this.options.intervalMs,
      logger: this.options.logger,
      run: () => {
        this.options.onPoll?.();
        this.wake();
      },
    }).start();
    this.wake();
  }

  /** Looks for due rows now, or right after the pump under way. Does nothing before start() or after close(). */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: Error) =>
        this.options.onError
          ? this.options.onError(err)
          : this.options.logger.warn({ error: err.message }, `${this.options.name} failed; retrying shortly`),
      )
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Runs `job` as the job of `key` (for `fill`). Once it is over, `after` runs, the key leaves the in-flight map and
   * the pump is woken. `job` is expected to settle its own errors; a rejection is logged.
   */
  launch(key: K, job: () => Promise<void>, after?: () => void): void {
    const run = job()
      .catch((err: Error) => this.options.logger.warn({ error: err?.message }, `${this.options.name}: a job failed`))
      .then(() => {
        this.inFlight.delete(key);
        after?.();
        this.wake();
      });
    this.inFlight.set(key, run);
  }

  private async pump(): Promise<void> {
    await this.options.prepare?.();
    const { concurrency } = this.options;
    for (;;) {
      const free = concurrency - this.inFlight.size;
      if (free <= 0 || this.stopped) return;
      if (!(await this.options.fill(free, this))) return;
    }
  }

  /**
   * Stops the poll and starts nothing new; `stopped` runs once the poll is over (e.g. aborting the jobs), then this
   * resolves once the jobs in flight are over.
   */
  async close(stopped?: () => void): Promise<void> {
    this.stopped = true;
    await this.poll?.stop();
    stopped?.();
    await Promise.allSettled([...this.inFlight.values()]);
  }
}
