import { Global, Inject, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

/**
 * Connections to the [redis] server, opened only when `backend.enable_redis` is on. `command()` is shared; each
 * subscriber gets its own connection (a subscribed connection cannot run commands). Keys are prefixed by callers
 * with `prefix` (ioredis' keyPrefix does not apply to pub/sub channels, so one explicit rule is clearer).
 */
@Injectable()
export class RedisConnections implements OnModuleDestroy {
  private shared?: Redis;
  private readonly opened: Redis[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.backend.enable_redis;
  }

  get prefix(): string {
    return this.config.redis.prefix;
  }

  command(): Redis {
    this.shared ??= this.open('commands');
    return this.shared;
  }

  subscriber(): Redis {
    return this.open('subscriber');
  }

  private open(role: string): Redis {
    if (!this.enabled) throw new Error('Redis is disabled (backend.enable_redis = false)');
    const r = this.config.redis;
    const client = new Redis({
      host: r.host,
      port: r.port,
      db: r.db,
      password: r.password || undefined,
      connectionName: `opengewe-${role}`,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      retryStrategy: (times) => Math.min(times * 200, 5000),
    });
    client.on('error', () => undefined); // ioredis reconnects by itself; failures surface on the commands
    this.opened.push(client);
    return client;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.opened.map((c) => c.quit().catch(() => c.disconnect())));
    this.opened.length = 0;
    this.shared = undefined;
  }
}

@Global()
@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisModule {}
