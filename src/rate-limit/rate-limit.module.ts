import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RedisConnections } from '../redis/redis.module';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { RateLimitStore, rateLimits } from './rate-limit.store';
import { RedisRateLimitStore } from './redis-rate-limit.store';

/** One store for the whole process: in Redis (under redis.prefix) when backend.enable_redis, else in memory. */
@Module({
  providers: [
    {
      provide: RateLimitStore,
      inject: [APP_CONFIG, RedisConnections],
      useFactory: (config: AppConfig, redis: RedisConnections): RateLimitStore =>
        config.backend.enable_redis
          ? new RedisRateLimitStore(redis.command(), `${redis.prefix}rate:`)
          : new MemoryRateLimitStore(),
    },
  ],
  exports: [RateLimitStore],
})
class RateLimitStoreModule {}

/**
 * The per-IP rate limits: @nestjs/throttler configured from the typed config, on the one RateLimitStore. Routes opt
 * in with @RateLimited (rate-limit.guard.ts); services that count only some outcomes (the login's failures, the
 * webhook's refusals) call RateLimitStore themselves, with the same limits and keys.
 */
@Global()
@Module({
  imports: [
    RateLimitStoreModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStoreModule],
      inject: [APP_CONFIG, RateLimitStore],
      useFactory: (config: AppConfig, storage: RateLimitStore) => ({
        throttlers: Object.values(rateLimits(config)),
        storage,
        // the 429 carries Retry-After (the one error body); X-RateLimit-* would tell a stranger the limits
        setHeaders: false,
      }),
    }),
  ],
  exports: [RateLimitStoreModule],
})
export class RateLimitModule {}
