import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { INSTANCE_ID } from '../common/instance-id';
import { PeriodicTask } from '../common/periodic-task';
import { LOG_LEVELS, LogLevel } from '../config/config-schema';
import { ROOT_LOGGER } from '../logging/logging.tokens';
import type { RootLogger } from '../logging/root-logger';
import { RedisConnections } from '../redis/redis.module';
import { parseLogLine } from '../logging/log-reader';
import { EventBus } from './event-bus';

const RANK: Record<string, number> = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i]));
const NONE = Number.POSITIVE_INFINITY;

export interface LogEventsOptions {
  /** At most this many lines per second become events on one instance; the rest are counted as dropped. */
  perSecond: number;
  /** How often instances tell each other (through Redis) which level their streams want. */
  syncMs: number;
  /** `details` longer than this (as JSON) are cut. */
  maxDetails: number;
}
export const LOG_EVENTS_OPTIONS = Symbol('LOG_EVENTS_OPTIONS');
const DEFAULTS: LogEventsOptions = { perSecond: 50, syncMs: 5_000, maxDetails: 4_000 };

/** Components whose lines are not turned into events: a failing publish would log, and that log be published… */
const SILENT_SOURCES = new Set(['EventBus', 'EventsService', 'LogEventsPublisher']);

/**
 * Turns log lines into `log` live events, only while some stream asked for them (`?logLevel=` of an admin) and only
 * at or above the lowest level asked for. The lines are taken from the root logger as they are written to the file:
 * already redacted. With Redis on, every instance advertises the level its streams want in one hash
 * (`<prefix>live-log-levels`, entries expire unless refreshed), so an instance publishes its lines when a browser
 * connected to another instance wants them; they reach it through the EventBus. A flood of lines is cut to
 * `perSecond` per instance, the next event saying how many were dropped.
 */
@Injectable()
export class LogEventsPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly options: LogEventsOptions;
  private readonly wishes = new Map<number, LogLevel>();
  private nextWish = 1;
  private localFloor = NONE;
  private remoteFloor = NONE;
  private untap?: () => void;
  /** With Redis: advertise this instance's wish and read the others', every syncMs and when the wish changes. */
  private readonly syncTask: PeriodicTask;
  private advertised = false;
  private busy = false;
  private windowStart = 0;
  private inWindow = 0;
  private dropped = 0;

  constructor(
    @Inject(ROOT_LOGGER) private readonly root: RootLogger,
    private readonly bus: EventBus,
    private readonly redis: RedisConnections,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Optional() @Inject(LOG_EVENTS_OPTIONS) options?: Partial<LogEventsOptions>,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.syncTask = new PeriodicTask({
      name: 'Live log levels sync',
      intervalMs: this.options.syncMs,
      firstRunAfterMs: 0,
      // a line about it would feed the lines it is about (sync() catches Redis failures itself)
      onError: () => undefined,
      run: () => this.sync(),
    });
  }

  private get key(): string {
    return `${this.redis.prefix}live-log-levels`;
  }

  /** The lowest level any stream (of any instance, as last heard) wants; NONE when no stream wants logs. */
  private get floor(): number {
    return Math.min(this.localFloor, this.remoteFloor);
  }

  onModuleInit(): void {
    this.untap = this.root.tap((line) => this.onLine(line));
    if (this.redis.enabled) this.syncTask.start();
  }

  /** A stream of this instance wants log lines at or above `level` until the returned function is called. */
  want(level: LogLevel): () => void {
    const id = this.nextWish++;
    this.wishes.set(id, level);
    const before = this.localFloor;
    this.recompute();
    if (this.localFloor !== before) void this.syncTask.trigger();
    return () => {
      if (!this.wishes.delete(id)) return;
      const was = this.localFloor;
      this.recompute();
      if (this.localFloor !== was) void this.syncTask.trigger();
    };
  }

  private recompute(): void {
    let floor = NONE;
    for (const l of this.wishes.values()) floor = Math.min(floor, RANK[l]);
    this.localFloor = floor;
  }

  /** Advertises this instance's wish and reads the others'. A Redis failure keeps the last known state. */
  private async sync(): Promise<void> {
    const r = this.redis.command();
    const now = Date.now();
    try {
      if (this.localFloor !== NONE) {
        const level = LOG_LEVELS[this.localFloor];
        await r.hset(this.key, this.instanceId, `${level} ${now + this.options.syncMs * 3}`);
        this.advertised = true;
      } else if (this.advertised) {
        await r.hdel(this.key, this.instanceId);
        this.advertised = false;
      }
      const all = await r.hgetall(this.key);
      let floor = NONE;
      const expired: string[] = [];
      for (const [instance, value] of Object.entries(all)) {
        const [level, until] = value.split(' ');
        if (!(Number(until) > now) || !(level in RANK)) expired.push(instance);
        else if (instance !== this.instanceId) floor = Math.min(floor, RANK[level]);
      }
      if (expired.length) await r.hdel(this.key, ...expired);
      this.remoteFloor = floor;
    } catch {
      // Redis unavailable: logging that here would feed the lines it is about; the queue and robots report it
    }
  }

  private onLine(line: string): void {
    const floor = this.floor;
    if (floor === NONE || this.busy) return;
    // pino writes the level label first: a cheap look before parsing the whole line
    const m = /"level":"(\w+)"/.exec(line.slice(0, 40));
    if (!m || !(RANK[m[1]] >= floor)) return;
    const e = parseLogLine(line.trimEnd());
    if (!e || (e.source !== null && SILENT_SOURCES.has(e.source))) return;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow > this.options.perSecond) {
      this.dropped++;
      return;
    }
    let details = e.details;
    const json = JSON.stringify(details);
    if (json.length > this.options.maxDetails)
      details = { truncated: true, head: json.slice(0, this.options.maxDetails) };
    const dropped = this.dropped;
    this.dropped = 0;
    this.busy = true;
    try {
      this.bus.publish('log', { ...e, details, dropped });
    } finally {
      this.busy = false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.untap?.();
    // a sync under way would advertise this instance again after the hdel below
    await this.syncTask.stop();
    if (this.advertised) {
      this.advertised = false;
      await this.redis
        .command()
        .hdel(this.key, this.instanceId)
        .catch(() => undefined);
    }
  }
}
