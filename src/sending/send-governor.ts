import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';

interface Lane {
  /** Tail of this robot's chain of sends: each send starts after the previous one finished. */
  tail: Promise<unknown>;
  last: number;
  /** Start times of the sends in the last 60 s. */
  window: number[];
  queued: number;
}

export interface ScheduleOptions {
  /** A typing delay in ms (capped at 30 s): see SendGovernor.schedule. */
  typingMs?: number;
}

const MAX_TYPING_MS = 30_000;

export interface GovernorStats {
  robotId: number;
  queued: number;
  sent: number;
  delayed: number;
  totalDelayMs: number;
}

/**
 * Every send of a robot waits its turn: at least `send_min_interval` plus random jitter after the previous one, and no
 * more than `send_max_per_minute` in any 60 s. Sends are queued, never dropped; each resolves with Gewe's answer.
 * Sending too fast is the most common way WeChat accounts get restricted.
 */
@Injectable()
export class SendGovernor {
  private readonly logger = new Logger(SendGovernor.name);
  private readonly lanes = new Map<number, Lane>();
  private readonly stats = new Map<number, GovernorStats>();

  /** Source of the jitter (replaceable in tests). */
  random: () => number = Math.random;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * Queues a send. `typingMs` (≤ 30 s) makes it start no earlier than that long after both its enqueueing and the end
   * of the robot's previous send, as a person typing it would: a plugin paces a long answer without sleeping.
   */
  schedule<T>(robotId: number, send: () => Promise<T>, options?: ScheduleOptions): Promise<T> {
    const lane = this.lanes.get(robotId) ?? { tail: Promise.resolve(), last: 0, window: [], queued: 0 };
    this.lanes.set(robotId, lane);
    const st = this.stat(robotId);
    lane.queued++;
    st.queued = lane.queued;
    const enqueued = Date.now();
    const run = lane.tail.then(async () => {
      const now = Date.now();
      const typing = Math.min(Math.max(0, options?.typingMs ?? 0), MAX_TYPING_MS);
      const wait = Math.max(this.waitFor(lane, now), typing ? Math.max(enqueued, lane.last) + typing - now : 0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const started = Date.now();
      lane.last = started;
      lane.window.push(started);
      const delay = started - enqueued;
      this.metrics?.governorWaited(delay);
      if (delay > 50) {
        st.delayed++;
        st.totalDelayMs += delay;
        this.logger.debug({ robotId, delayMs: delay, queued: lane.queued - 1 }, 'Send delayed by the governor');
      }
      let ok = false;
      try {
        const answer = await send();
        ok = true;
        return answer;
      } finally {
        this.metrics?.send(robotId, ok);
        lane.queued--;
        st.queued = lane.queued;
        st.sent++;
        // the next send is spaced from when this one finished, not when it started
        lane.last = Date.now();
      }
    });
    lane.tail = run.catch(() => undefined);
    return run;
  }

  /** Milliseconds to wait before the next send may start. */
  private waitFor(lane: Lane, now: number): number {
    const g = this.config.gewe;
    const gap = lane.last ? lane.last + g.send_min_interval + Math.floor(this.random() * g.send_jitter) - now : 0;
    lane.window = lane.window.filter((t) => t > now - 60_000);
    const cap =
      lane.window.length >= g.send_max_per_minute
        ? lane.window[lane.window.length - g.send_max_per_minute] + 60_000 - now
        : 0;
    return Math.max(0, gap, cap);
  }

  private stat(robotId: number): GovernorStats {
    let s = this.stats.get(robotId);
    if (!s) this.stats.set(robotId, (s = { robotId, queued: 0, sent: 0, delayed: 0, totalDelayMs: 0 }));
    return s;
  }

  /** What the governor did per robot (sends, how many were delayed and by how much in total). */
  report(): GovernorStats[] {
    return [...this.stats.values()].map((s) => ({ ...s }));
  }
}
