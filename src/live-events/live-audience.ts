import type Redis from 'ioredis';
import { Logger } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';

export interface AudienceOptions {
  /**
   * After the last stream of an instance closed, it still counts as an audience this long: a browser reconnecting
   * (EventSource retries after 3 s; a page reload, a flaky network) resumes without a gap.
   */
  graceMs: number;
  /** How often an instance with an audience says so in Redis, and every instance reads who does. */
  announceMs: number;
}
export const LIVE_AUDIENCE_OPTIONS = Symbol('LIVE_AUDIENCE_OPTIONS');
export const DEFAULT_AUDIENCE_OPTIONS: AudienceOptions = { graceMs: 60_000, announceMs: 5_000 };

/** Where the instances of one deployment note their audience: a sorted set, member → until when (ms epoch). */
export interface AudienceRedis {
  command: Redis;
  key: string;
  member: string;
}

/**
 * Whether any live-event stream may be open, on this instance or (with Redis) on any instance sharing the server:
 * the events nobody would see (a message each callback) are then not produced at all.
 *
 * Locally it is exact: the open streams, plus the grace after the last one closed. Across instances each one with an
 * audience writes `member → now + 3 × announceMs` to a sorted set every `announceMs` (and at once when its first
 * stream opens, followed by a notice on the live-events channel that reaches the others within a round trip); every
 * instance reads the set's highest score at the same pace. Until the first read answered, or while Redis fails, the
 * answer is yes: an event published needlessly costs a little, one skipped wrongly is missed by a browser.
 */
export class LiveAudience {
  private readonly logger = new Logger(LiveAudience.name);
  private readonly options: AudienceOptions;
  private local = 0;
  /** When the last local stream closed (ms epoch); null: none opened since the start. */
  private lastLocalAt: number | null = null;
  /** The latest `until` another instance (or this one) announced. */
  private remoteUntil = 0;
  /** Without Redis there are no other instances; with it: the set was read once and Redis answers. */
  private known: boolean;
  private readonly task?: PeriodicTask;

  constructor(
    private readonly redis: AudienceRedis | null,
    options: Partial<AudienceOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_AUDIENCE_OPTIONS, ...options };
    this.known = redis === null;
    if (redis) {
      this.task = new PeriodicTask({
        name: 'Live events audience',
        intervalMs: this.options.announceMs,
        firstRunAfterMs: 0,
        logger: this.logger,
        run: () => this.refresh(),
      });
    }
  }

  /** Starts announcing and reading the set (with Redis; until the first read answers, listening() says yes). */
  start(): void {
    this.task?.start();
  }

  /** The score an announcement made now carries. */
  get announcedUntil(): number {
    return this.now() + 3 * this.options.announceMs;
  }

  /** True when an event published now may reach a stream. */
  listening(): boolean {
    return this.localListening() || !this.known || this.now() < this.remoteUntil;
  }

  /** This instance has a stream open, or had one within the grace. */
  localListening(): boolean {
    if (this.local > 0) return true;
    return this.lastLocalAt !== null && this.now() - this.lastLocalAt < this.options.graceMs;
  }

  /**
   * One more stream on this instance. Returns true when this instance had no audience before (the caller tells the
   * other instances: see noticed()); the announcement in Redis is written here.
   */
  opened(): boolean {
    const arrived = !this.localListening();
    this.local++;
    if (arrived && this.redis) void this.announce();
    return arrived;
  }

  closed(): void {
    this.local = Math.max(0, this.local - 1);
    if (this.local === 0) this.lastLocalAt = this.now();
  }

  /** Another instance (or this one) said it has an audience until `until`. */
  noticed(until: number): void {
    if (until > this.remoteUntil) this.remoteUntil = until;
  }

  private async announce(): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.command.zadd(this.redis.key, this.announcedUntil, this.redis.member);
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'Live events: audience not announced');
    }
  }

  /** Announces this instance's audience (if any), forgets expired entries and reads the latest one. */
  private async refresh(): Promise<void> {
    if (!this.redis) return;
    const { command, key, member } = this.redis;
    const now = this.now();
    try {
      const pipeline = command.multi();
      if (this.localListening()) pipeline.zadd(key, this.announcedUntil, member);
      else pipeline.zrem(key, member);
      pipeline.zremrangebyscore(key, '-inf', now);
      pipeline.zrevrangebyscore(key, '+inf', `(${now}`, 'WITHSCORES', 'LIMIT', 0, 1);
      pipeline.pexpire(key, 10 * this.options.announceMs);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0] as Error;
      const top = results[2][1] as string[];
      this.remoteUntil = top.length === 2 ? Number(top[1]) : 0;
      this.known = true;
    } catch (err) {
      if (this.known) this.logger.warn({ error: (err as Error).message }, 'Live events: audience unknown');
      this.known = false;
    }
  }

  /** Stops announcing, and takes this instance's entry out at once (publishers elsewhere need not wait for it). */
  async stop(): Promise<void> {
    await this.task?.stop();
    if (this.redis && this.redis.command.status === 'ready')
      await this.redis.command.zrem(this.redis.key, this.redis.member).catch(() => undefined);
  }
}
