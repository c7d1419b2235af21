import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import type { SessionService } from '../../src/auth/session.service';
import { EventBus, LiveEvent } from '../../src/live-events/event-bus';
import { EventRing } from '../../src/live-events/event-ring';
import { EventsService } from '../../src/live-events/events.service';
import type { RedisConnections } from '../../src/redis/redis.module';
import { MemoryRobotStateStore } from '../../src/coordination/memory-state.store';
import { waitFor } from '../support/wait';
const msg = (text: string): LiveEvent => ({
  type: 'message',
  data: {
    id: 1,
    robotId: 1,
    kind: 'text',
    chatId: 'c',
    isGroup: false,
    senderWxid: 's',
    isSelf: false,
    text,
    newMsgId: '1',
    receivedAt: new Date(0).toISOString(),
  },
});

describe('EventRing', () => {
  it('numbers events from its start and replays those after an id it still holds', () => {
    const ring = new EventRing(3, 100);
    expect(ring.lastId).toBe(99);
    expect(ring.since(99)).toEqual([]);
    for (const t of ['a', 'b', 'c']) ring.push(msg(t));
    expect(ring.lastId).toBe(102);
    expect(ring.since(100)?.map((e) => e.id)).toEqual([101, 102]);
    expect(ring.since(99)?.map((e) => e.id)).toEqual([100, 101, 102]);
    expect(ring.since(102)).toEqual([]);
  });

  it('cannot resume from an id it dropped, an id from the future or another instance', () => {
    const ring = new EventRing(2, 100);
    for (const t of ['a', 'b', 'c']) ring.push(msg(t)); // 100 dropped
    expect(ring.since(100)?.map((e) => e.id)).toEqual([101, 102]);
    expect(ring.since(99)).toBeNull();
    expect(ring.since(103)).toBeNull();
    expect(ring.since(5)).toBeNull();
    expect(ring.since(Number.NaN)).toBeNull();
  });
});

/** A writable stand-in for the express response of one stream. */
function fakeResponse() {
  const res = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const out: string[] = [];
  Object.assign(res, {
    out,
    headers: {},
    writableEnded: false,
    destroyed: false,
    writableLength: 0,
    status: () => res,
    setHeader: (k: string, v: string) => ((res.headers as Record<string, string>)[k] = v),
    flushHeaders: () => undefined,
    write: (s: string) => (out.push(s), true),
    end: () => {
      res.writableEnded = true;
      res.emit('close');
    },
    destroy: () => {
      res.destroyed = true;
      res.emit('close');
    },
  });
  return res as unknown as Response & { out: string[]; writableEnded: boolean; writableLength: number };
}

describe('EventsService', () => {
  const noRedis = { enabled: false } as RedisConnections;
  let live: { isActive: boolean } | null;
  const sessions = { findLive: () => Promise.resolve(live ? { user: live } : null) } as unknown as SessionService;
  const user = { id: 1, username: 'a', isAdmin: true, sessionId: 's1' };
  let bus: EventBus;
  let store: MemoryRobotStateStore;
  let svc: EventsService;
  beforeEach(() => {
    live = { isActive: true };
    bus = new EventBus(noRedis);
    store = new MemoryRobotStateStore();
    svc = new EventsService(bus, store, sessions, { heartbeatMs: 20, bufferSize: 10 });
    svc.onModuleInit();
  });
  afterEach(() => svc.onModuleDestroy());

  it('sends the SSE headers, retry, ready, then robot status changes and bus events with ids', async () => {
    const res = fakeResponse();
    svc.open(res, { user, expiresAt: null });
    expect((res as unknown as { headers: Record<string, string> }).headers).toMatchObject({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
    });
    await store.update(7, { status: 'awaiting_scan' });
    await store.update(7, { reason: 'no status change: no event' });
    bus.publish('message', msg('hi').data as never);
    const text = res.out.join('');
    expect(text).toMatch(/^retry: 3000\n\nevent: ready\ndata: \{"lastEventId":"\d+","replayed":0\}\n\n/);
    expect(text).toMatch(/id: \d+\nevent: robot\.status\ndata: \{"robotId":7,"status":"awaiting_scan",/);
    expect(text).toMatch(/id: \d+\nevent: message\ndata: \{"id":1,.*"text":"hi"/);
    expect(text.match(/event: robot\.status/g)).toHaveLength(1);
  });

  it('writes a heartbeat comment while the session lives, and ends the stream when it is revoked', async () => {
    const res = fakeResponse();
    svc.open(res, { user, expiresAt: null });
    await waitFor(() => res.out.filter((l) => l.startsWith(': heartbeat ')).length >= 2, 3000, 'two heartbeats');
    expect(svc.streams).toBe(1);
    live = null;
    await waitFor(() => res.writableEnded, 3000, 'the end of the stream');
    expect(res.out.join('')).toContain('event: end\ndata: {"reason":"session_ended"}');
    expect(res.writableEnded).toBe(true);
    expect(svc.streams).toBe(0);
  });

  it('ends the stream of a deactivated user and of an expired access token', async () => {
    const a = fakeResponse();
    const b = fakeResponse();
    svc.open(a, { user, expiresAt: Date.now() + 30 });
    await waitFor(() => a.writableEnded, 3000, 'the end of the expired stream');
    expect(a.out.join('')).toContain('"reason":"token_expired"');
    svc.open(b, { user, expiresAt: null });
    live = { isActive: false };
    await waitFor(() => b.writableEnded, 3000, 'the end of the deactivated stream');
    expect(b.out.join('')).toContain('"reason":"session_ended"');
  });

  it('disconnects a client that stopped reading instead of buffering without end', () => {
    const res = fakeResponse();
    svc.open(res, { user, expiresAt: null });
    res.writableLength = 2 << 20;
    bus.publish('message', msg('x').data as never);
    expect(svc.streams).toBe(0);
  });

  it('ends every stream at shutdown', async () => {
    const res = fakeResponse();
    svc.open(res, { user, expiresAt: null });
    await svc.onModuleDestroy();
    expect(res.out.join('')).toContain('"reason":"shutdown"');
    expect(svc.streams).toBe(0);
  });
});
