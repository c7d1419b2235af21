import type { Response } from 'express';
import { EventEmitter } from 'node:events';
import { AuditTrail } from '../../src/audit/audit.service';
import type { AuditWriter } from '../../src/audit/audit-writer';
import type { SessionService } from '../../src/auth/session.service';
import type { AppConfig } from '../../src/config/app-config';
import type { EventBus } from '../../src/live-events/event-bus';
import { EventsService } from '../../src/live-events/events.service';
import { LogEventsPublisher } from '../../src/live-events/log-events';
import type { BlobStore } from '../../src/file/blob-store';
import { FileRetention } from '../../src/file/file-retention';
import type { RootLogger } from '../../src/logging/root-logger';
import { MessageLogService } from '../../src/message-log/message-log.service';
import type { CallbackQueue } from '../../src/queue/callback-queue';
import { QueueDepthPublisher } from '../../src/queue/queue-depth.publisher';
import type { RedisConnections } from '../../src/redis/redis.module';
import type { RobotStateStore } from '../../src/coordination/robot-state.store';

/**
 * Every periodic loop stops at shutdown without leaving work behind: the shutdown hook resolves only once the run in
 * flight is over (so nothing runs against a closed database or logs after the logger closed), and no run starts
 * after it. Fake timers: no real time passes.
 */

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Lets the promise callbacks queued so far run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Calls the shutdown hook, checks it waits for the held run, opens the gate and checks it resolves. */
async function expectShutdownWaits(hook: () => unknown, held: ReturnType<typeof gate>, calls: () => number) {
  let done = false;
  const stopping = Promise.resolve(hook()).then(() => (done = true));
  await settle();
  expect(done).toBe(false);
  held.open();
  await stopping;
  expect(done).toBe(true);
  const before = calls();
  await jest.advanceTimersByTimeAsync(10 * 3_600_000);
  expect(calls()).toBe(before);
}

describe('periodic loops at shutdown', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('message retention: the shutdown waits for the sweep under way', async () => {
    const held = gate();
    let calls = 0;
    const repo = { delete: () => (calls++, held.promise.then(() => ({ affected: 0 }))) };
    const config = { queue: { message_retention: 1000 } } as AppConfig;
    const svc = new MessageLogService(repo as never, config, {} as never, {} as never);
    svc.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toBe(1);
    await expectShutdownWaits(
      () => svc.onModuleDestroy(),
      held,
      () => calls,
    );
  });

  it('audit retention: the first sweep comes 10 s after the start; the shutdown waits for a sweep under way', async () => {
    const held = gate();
    let calls = 0;
    const repo = { delete: () => (calls++, held.promise.then(() => ({ affected: 0 }))) };
    const config = { audit: { retention_days: 30 } } as AppConfig;
    const svc = new AuditTrail(repo as never, config, {} as AuditWriter);
    svc.onModuleInit();
    await jest.advanceTimersByTimeAsync(9_999);
    expect(calls).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toBe(1);
    await expectShutdownWaits(
      () => svc.beforeApplicationShutdown(),
      held,
      () => calls,
    );
  });

  it('file retention: the shutdown waits for the sweep under way', async () => {
    const held = gate();
    let calls = 0;
    const repo = { find: () => (calls++, held.promise.then(() => [])) };
    const store = {
      // eslint-disable-next-line @typescript-eslint/require-await
      scan: async function* () {
        yield* [];
      },
      removeStaleTemps: () => Promise.resolve(0),
    } as unknown as BlobStore;
    const config = { backend: { role: 'all' }, files: { retention: 1000, max_total_size: 1 << 30 } } as AppConfig;
    const svc = new FileRetention(repo as never, config, store);
    svc.onApplicationBootstrap();
    await settle();
    expect(calls).toBe(1);
    await expectShutdownWaits(
      () => svc.onModuleDestroy(),
      held,
      () => calls,
    );
  });

  it('queue depth events: the shutdown waits for the read under way', async () => {
    const held = gate();
    let calls = 0;
    const queue = {
      type: 'inbox',
      depth: () => (calls++, held.promise.then(() => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }))),
    } as unknown as CallbackQueue;
    const bus = {
      audience: 1,
      subscribe: () => () => undefined,
      onWatch: () => () => undefined,
      publish: () => undefined,
    } as unknown as EventBus;
    const svc = new QueueDepthPublisher(queue, bus, 1000);
    svc.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(1);
    await expectShutdownWaits(
      () => svc.onModuleDestroy(),
      held,
      () => calls,
    );
  });

  it('live log levels: the shutdown waits for the Redis sync under way', async () => {
    const held = gate();
    let calls = 0;
    const command = {
      hset: () => Promise.resolve(1),
      hdel: () => Promise.resolve(1),
      hgetall: () => (calls++, held.promise.then(() => ({}))),
    };
    const redis = { enabled: true, prefix: 't:', command: () => command } as unknown as RedisConnections;
    const root = { tap: () => () => undefined } as unknown as RootLogger;
    const bus = { publish: () => undefined } as unknown as EventBus;
    const svc = new LogEventsPublisher(root, bus, redis, 'i-1', { syncMs: 1000 });
    svc.onModuleInit();
    await settle();
    expect(calls).toBe(1);
    await expectShutdownWaits(
      () => svc.onModuleDestroy(),
      held,
      () => calls,
    );
  });

  it('live events: the shutdown waits for a heartbeat checking its session', async () => {
    const held = gate();
    let calls = 0;
    const sessions = {
      findLive: () => (calls++, held.promise.then(() => ({ user: { isActive: true } }))),
    } as unknown as SessionService;
    const store = { onStatus: () => () => undefined } as unknown as RobotStateStore;
    const bus = {
      subscribe: () => () => undefined,
      watch: () => () => undefined,
      onGap: () => () => undefined,
    } as unknown as EventBus;
    const svc = new EventsService(bus, store, sessions, { heartbeatMs: 1000 });
    svc.onModuleInit();
    const res = Object.assign(new EventEmitter(), {
      writableEnded: false,
      destroyed: false,
      writableLength: 0,
      status: () => res,
      setHeader: () => undefined,
      flushHeaders: () => undefined,
      write: () => true,
      end: () => {
        res.writableEnded = true;
        res.emit('close');
      },
    });
    svc.open(res as unknown as Response, {
      user: { id: 1, username: 'a', isAdmin: false, sessionId: 's' },
      expiresAt: null,
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(1);
    await expectShutdownWaits(
      () => svc.onModuleDestroy(),
      held,
      () => calls,
    );
    expect(res.writableEnded).toBe(true);
  });
});
