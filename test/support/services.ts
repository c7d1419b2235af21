import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';

/** Synchronous TCP probe (jest needs to know while collecting tests whether a suite can run). */
export function reachable(host: string, port: number): boolean {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const s=require('net').connect(${port},${JSON.stringify(host)});s.setTimeout(2000);` +
        `s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1));`,
    ],
    { timeout: 5000 },
  );
  return probe.status === 0;
}

export const REDIS = {
  host: process.env.TEST_REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_REDIS_PORT ?? 6379),
};

/**
 * describe() for a suite that needs a server or tool this machine may lack; `missing` says what is missing (null:
 * nothing). Under CI=true a missing need fails the suite; on a laptop the suite is skipped with a loud warning — the
 * one place a suite may be skipped.
 */
export function describeNeeding(name: string, missing: string | null, fn: () => void): void {
  if (!missing) return describe(name, fn);
  if (process.env.CI === 'true')
    return describe(name, () => {
      it(`needs what is missing (CI=true): ${missing}`, () => {
        throw new Error(`${missing}: this suite cannot run`);
      });
    });
  console.warn(`\n!!! ${missing}: SKIPPING "${name}". !!!\n`);
  describe.skip(name, fn);
}

/** describe() for suites that need the real Redis server (see describeNeeding). */
export function describeWithRedis(name: string, fn: () => void): void {
  if (process.env.TEST_REDIS_AVAILABLE === undefined)
    process.env.TEST_REDIS_AVAILABLE = reachable(REDIS.host, REDIS.port) ? '1' : '0';
  const missing =
    process.env.TEST_REDIS_AVAILABLE === '1'
      ? null
      : `Redis is not reachable at ${REDIS.host}:${REDIS.port} (start redis-server to run it)`;
  describeNeeding(name, missing, fn);
}

/** A unique Redis key prefix for one test run; `cleanRedis` removes its keys. */
export function redisPrefix(name: string): string {
  return `og-test:${name}:${process.pid}:${Date.now().toString(36)}:`;
}

/** Deletes every key under a test's prefix (SCAN, not KEYS: the Redis server is shared). */
export async function cleanRedis(prefix: string): Promise<void> {
  const r = new Redis({ host: REDIS.host, port: REDIS.port, lazyConnect: true });
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export type QueueMode = 'simple' | 'advanced';

/** Config overrides for one queue mode: the in-process inbox, or BullMQ on the real Redis under `prefix`. */
export function queueOverrides(mode: QueueMode, prefix: string): Record<string, Record<string, unknown>> {
  return mode === 'simple'
    ? { queue: { queue_type: 'simple', backoff: '50ms' } }
    : {
        backend: { enable_redis: true },
        redis: { host: REDIS.host, port: REDIS.port, prefix },
        queue: { queue_type: 'advanced', broker: `redis://${REDIS.host}:${REDIS.port}/0`, backoff: '50ms' },
      };
}
