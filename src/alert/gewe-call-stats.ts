import { Inject, Injectable, Logger } from '@nestjs/common';
import { INSTANCE_ID } from '../common/instance-id';
import { CallBucket, MetricsService } from '../metrics/metrics.service';
import { RedisConnections } from '../redis/redis.module';

/** A report older than this is from an instance that stopped: ignored and removed. */
const STALE_MS = 10 * 60_000;

/**
 * Gewe calls and failures of every instance, for the gewe_error_rate rule. Each instance counts its own calls per
 * minute (MetricsService); with Redis on, each one writes its last hour into the hash `<prefix>alerts:gewe-calls`
 * (one field per instance, the whole window each time, so a repeated write changes nothing), and the evaluator adds
 * the fields up. Without Redis there is one instance, and its own counts are the whole picture.
 */
@Injectable()
export class GeweCallStats {
  private readonly logger = new Logger(GeweCallStats.name);

  constructor(
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly metrics: MetricsService,
    private readonly redis: RedisConnections,
  ) {}

  private get key(): string {
    return `${this.redis.prefix}alerts:gewe-calls`;
  }

  /** Shares this instance's counts (every instance, every evaluation interval). */
  async publish(): Promise<void> {
    if (!this.redis.enabled) return;
    const report = JSON.stringify({ at: Date.now(), buckets: this.metrics.geweCallWindow() });
    await this.redis.command().multi().hset(this.key, this.instanceId, report).pexpire(this.key, 3_600_000).exec();
  }

  /** Calls and failures of all instances in the last `windowMs` (whole minutes, the current one included). */
  async window(windowMs: number): Promise<{ calls: number; errors: number }> {
    const fromMinute = Math.floor(this.metrics.now() / 60_000) - Math.max(1, Math.round(windowMs / 60_000));
    const sum = (buckets: CallBucket[], into: { calls: number; errors: number }) => {
      for (const b of buckets)
        if (b.minute > fromMinute) {
          into.calls += b.calls;
          into.errors += b.errors;
        }
      return into;
    };
    if (!this.redis.enabled) return sum(this.metrics.geweCallWindow(), { calls: 0, errors: 0 });
    const all = await this.redis.command().hgetall(this.key);
    const total = { calls: 0, errors: 0 };
    const stale: string[] = [];
    for (const [instance, text] of Object.entries(all)) {
      try {
        const r = JSON.parse(text) as { at: number; buckets: CallBucket[] };
        if (Date.now() - r.at > STALE_MS) stale.push(instance);
        else sum(r.buckets, total);
      } catch {
        stale.push(instance);
      }
    }
    if (stale.length)
      await this.redis
        .command()
        .hdel(this.key, ...stale)
        .catch((err: Error) => this.logger.debug({ error: err.message }, 'Could not drop stale Gewe call reports'));
    return total;
  }
}
