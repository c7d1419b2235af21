import { Logger } from '@nestjs/common';

export interface PeriodicTaskOptions {
  /** Names the task in the line logged when a run fails. */
  name: string;
  /** Time between two runs. A run still going when the next is due makes that one skipped (runs never overlap). */
  intervalMs: number;
  /** The work of one run. What it throws or rejects with is caught and reported; the task goes on. */
  run: () => unknown;
  /** The first run after start(): 0 runs at once (inside start()); default: one interval after start(). */
  firstRunAfterMs?: number;
  /** Where a failed run is reported (default: `error` on the given logger, or on a Nest Logger `PeriodicTask`). */
  onError?: (err: unknown) => void;
  /** The logger the default onError writes to (pass the owner's, so the line carries its context). */
  logger?: Pick<Logger, 'error'>;
}

/**
 * One way to run background work every `intervalMs`: runs never overlap (a tick that finds the previous run still
 * going is skipped), timers never hold the process open (`unref`), a failing run is logged with the task's name and
 * never becomes an unhandled rejection, and `stop()` clears the timers and waits for the run in flight, so nothing of
 * the task runs or logs after its owner's shutdown hook returned. Owners start it in a Nest bootstrap hook and await
 * `stop()` in `onModuleDestroy` / `beforeApplicationShutdown`. start() after stop() starts it again.
 *
 * Foundation code: imports nothing of the domain.
 */
export class PeriodicTask {
  private interval?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private inFlight: Promise<void> | null = null;
  /** A trigger() came while a run was in flight: one more run follows it. */
  private again: Promise<void> | null = null;
  private started = false;

  constructor(private readonly options: PeriodicTaskOptions) {
    if (!(options.intervalMs > 0)) throw new Error(`PeriodicTask ${options.name}: intervalMs must be positive`);
  }

  get name(): string {
    return this.options.name;
  }

  /** Started and not stopped. */
  get active(): boolean {
    return this.started;
  }

  /** A run is under way. */
  get busy(): boolean {
    return this.inFlight !== null;
  }

  /** Starts the timers (once: a second call does nothing until stop()). */
  start(): this {
    if (this.started) return this;
    this.started = true;
    const { intervalMs, firstRunAfterMs = intervalMs } = this.options;
    this.interval = setInterval(() => void this.tick(), intervalMs);
    this.interval.unref();
    if (firstRunAfterMs <= 0) void this.tick();
    else if (firstRunAfterMs !== intervalMs) {
      this.first = setTimeout(() => void this.tick(), firstRunAfterMs);
      this.first.unref();
    }
    return this;
  }

  /**
   * Runs now (outside the schedule), or, when a run is in flight, once more right after it (calls meanwhile share
   * that one run). Resolves when that run is over; never rejects. Does nothing once stopped.
   */
  trigger(): Promise<void> {
    if (!this.started) return Promise.resolve();
    if (!this.inFlight) return this.tick();
    this.again ??= this.inFlight.then(() => {
      this.again = null;
      return this.started ? this.tick() : undefined;
    });
    return this.again;
  }

  /**
   * Clears the timers and resolves once the run in flight (if any) is over. Safe to call more than once, and from
   * inside a run (then do not await it there: the run would wait for itself).
   */
  async stop(): Promise<void> {
    this.started = false;
    if (this.interval) clearInterval(this.interval);
    if (this.first) clearTimeout(this.first);
    this.interval = this.first = undefined;
    await this.again;
    await this.inFlight;
  }

  /** One scheduled run, unless one is in flight (or the task was stopped). */
  private tick(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (!this.started) return Promise.resolve();
    const run = (async () => {
      try {
        await this.options.run();
      } catch (err) {
        this.report(err);
      }
    })();
    const tracked: Promise<void> = run.finally(() => {
      if (this.inFlight === tracked) this.inFlight = null;
    });
    this.inFlight = tracked;
    return tracked;
  }

  private report(err: unknown): void {
    try {
      if (this.options.onError) this.options.onError(err);
      else (this.options.logger ?? new Logger('PeriodicTask')).error({ err, task: this.name }, `${this.name} failed`);
    } catch {
      // a failing reporter must not turn into an unhandled rejection
    }
  }
}
