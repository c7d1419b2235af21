import type { Provider } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RedisConnections } from '../redis/redis.module';
import { MemoryRobotStateStore } from './memory-state.store';
import { RedisRobotStateStore } from './redis-state.store';
import { RobotStateStore } from './robot-state.store';

/** In-memory state by default; Redis (shared by every instance) when `backend.enable_redis` is on. */
export const robotStateStoreProvider: Provider = {
  provide: RobotStateStore,
  inject: [APP_CONFIG, RedisConnections],
  useFactory: (config: AppConfig, redis: RedisConnections): RobotStateStore => {
    if (!config.backend.enable_redis) return new MemoryRobotStateStore();
    // A robot nobody has touched for a day (no health check, no login) loses its live state; the DB keeps its status.
    const ttl = Math.max(86_400_000, config.gewe.health_check_interval * 10);
    return new RedisRobotStateStore(redis.command(), redis.subscriber(), redis.prefix, ttl);
  },
};
