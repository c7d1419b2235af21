import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

export interface ProbeResult {
  status: 'up' | 'down' | 'disabled';
  latencyMs?: number;
  error?: string;
}

/**
 * Health of the Redis servers this service is configured to use. One lazily opened connection per target, kept and
 * reconnected in the background; a probe never waits on a dead server longer than the timeout.
 */
@Injectable()
export class RedisProbe implements OnModuleDestroy {
  /** One connection per target; `ready` settles once the first connection attempt is over (either way). */
  private readonly clients = new Map<string, { client: Redis; ready: Promise<void> }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  redis(): Promise<ProbeResult> {
    if (!this.config.backend.enable_redis) return Promise.resolve({ status: 'disabled' });
    const r = this.config.redis;
    return this.ping(`redis://${r.host}:${r.port}/${r.db}`, r.password || undefined);
  }

  broker(): Promise<ProbeResult> {
    return this.ping(this.config.queue.broker);
  }

  private async ping(url: string, password?: string, timeoutMs = 2000): Promise<ProbeResult> {
    let entry = this.clients.get(url);
    if (!entry) {
      const client = new Redis(url, {
        password,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: timeoutMs,
        retryStrategy: (times) => Math.min(times * 500, 5000),
      });
      client.on('error', () => undefined); // reported through ping(); avoid unhandled 'error' events
      const ready = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        client.connect().then(
          () => (clearTimeout(t), resolve()),
          () => (clearTimeout(t), resolve()),
        );
      });
      entry = { client, ready };
      this.clients.set(url, entry);
    }
    await entry.ready;
    const client = entry.client;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.ping(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs))),
      ]);
      return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (err) {
      return { status: 'down', error: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  onModuleDestroy(): void {
    for (const { client } of this.clients.values()) client.disconnect();
    this.clients.clear();
  }
}
