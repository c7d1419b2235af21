import { Queue } from 'bullmq';
import { loadConfig } from '../../src/config/app-config';
import { BullMqQueue, ENQUEUE_TIMEOUT } from '../../src/queue/bullmq.queue';
import type { CallbackJob } from '../../src/queue/callback-queue';
import { bullPrefix, producerConnection } from '../../src/redis/bullmq';
import { cleanRedis, describeWithRedis, REDIS, redisPrefix } from '../support/services';

describeWithRedis('BullMqQueue on the real Redis', () => {
  const prefix = redisPrefix('bullmq-int');
  const config = loadConfig({
    path: null,
    env: {},
    overrides: {
      redis: { host: REDIS.host, port: REDIS.port, prefix },
      queue: { queue_type: 'advanced', broker: `redis://${REDIS.host}:${REDIS.port}/0` },
    },
  }).config;
  const job = (id: string): CallbackJob => ({
    robotId: 1,
    payload: '{}',
    dedupKey: `1-${id}`,
    requestId: null,
    receivedAt: new Date().toISOString(),
  });
  afterAll(() => cleanRedis(prefix));

  it('stores a callback that arrives before its Redis connection is up (just after start-up), not a 503', async () => {
    // the queue as BullModule.forRootAsync + registerQueue build it (AppModule in advanced mode)
    const bull = new Queue<CallbackJob>(config.queue.name, {
      connection: producerConnection(config),
      prefix: bullPrefix(config),
    });
    // what is proved is that it waits for the connection, not how fast a busy machine connects
    ENQUEUE_TIMEOUT.ms = 120_000;
    const queue = new BullMqQueue(config, bull);
    try {
      // called in the same tick as the constructor: the producer has not connected yet
      const first = queue.enqueue(job('7700000000000000001'));
      expect(await first).toBe('queued');
      expect(await queue.enqueue(job('7700000000000000001'))).toBe('duplicate');
      expect(await queue.depth()).toMatchObject({ waiting: 1 });
    } finally {
      await queue.close();
      await bull.close();
      ENQUEUE_TIMEOUT.ms = 3000;
    }
  });
});
