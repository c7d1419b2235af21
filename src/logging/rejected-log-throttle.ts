import { PeriodicTask } from '../common/periodic-task';

/** What was left out of the access log in one window, for one key. */
export interface SuppressedLines {
  /** `401 POST /api/auth/login`: status, method and route pattern (never the raw path: its values are unbounded). */
  key: string;
  suppressed: number;
  windowMs: number;
}

interface Window {
  start: number;
  count: number;
  suppressed: number;
}

/** More keys than this in one window share one: a flood of distinct routes cannot grow the map. */
const MAX_KEYS = 1000;
const OVERFLOW_KEY = '(other)';

/**
 * Lets at most `limit` access-log lines per key through in each window of `windowMs`; the rest are counted, and one
 * summary per key and window is reported when the window ends. Refused requests (4xx) are cheap to send in
 * floods, and each wrote a line: without this, a client could fill the disk with them. `limit` 0: no limit.
 * A timer runs only while some window has suppressed lines (and never holds the process open).
 */
export class RejectedLogThrottle {
  private readonly windows = new Map<string, Window>();
  /** Reports the windows that ended; runs only while some window has suppressed lines. */
  private summaries?: PeriodicTask;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly report: (s: SuppressedLines) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** true: write this line; false: it was counted for the summary instead. */
  admit(key: string): boolean {
    if (this.limit <= 0) return true;
    const now = this.now();
    let w = this.windows.get(key);
    if (w && now - w.start >= this.windowMs) {
      this.end(key, w);
      w = undefined;
    }
    if (!w) {
      if (this.windows.size >= MAX_KEYS) this.flush();
      if (this.windows.size >= MAX_KEYS && key !== OVERFLOW_KEY) return this.admit(OVERFLOW_KEY);
      w = { start: now, count: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (++w.count <= this.limit) return true;
    w.suppressed++;
    this.summaries ??= new PeriodicTask({
      name: 'Access-log summaries',
      intervalMs: this.windowMs,
      run: () => this.flush(),
    });
    this.summaries.start();
    return false;
  }

  /** Reports and closes every window that has ended (all of them with `all`); called by the timer and at shutdown. */
  flush(all = false): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (all || now - w.start >= this.windowMs) this.end(key, w);
    if (this.summaries?.active && ![...this.windows.values()].some((w) => w.suppressed > 0)) void this.summaries.stop(); // never awaited: flush() is synchronous, and may be the task's own run
  }

  private end(key: string, w: Window): void {
    this.windows.delete(key);
    if (w.suppressed > 0) this.report({ key, suppressed: w.suppressed, windowMs: this.windowMs });
  }
}
