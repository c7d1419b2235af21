import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import type { SessionService } from '../../src/auth/session.service';
import { EventBus, LiveEvent } from '../../src/live-events/event-bus';
import { EventRing } from '../../src/live-events/event-ring';
import { EventsService } from '../../src/live-events/events.service';
import type { RedisConnections } from '../../src/redis/redis.module';
import { MemoryRobotStateStore } from '../../src/coordination/memory-state.store';
import { liveMessage } from '../support/live-events';
import { waitFor } from '../support/wait';
const msg = (text: string): LiveEvent => ({ type: 'message', data: liveMessage(text) });

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

  it('cannot resume across a gap (events left out), but can from after it', () => {
    const ring = new EventRing(10, 100);
    ring.markGap(); // nothing published yet, then something left out: even the start is no resume point
    expect(ring.since(99)).toBeNull();
    for (const t of ['a', 'b']) ring.push(msg(t)); // 100, 101
    ring.markGap();
    ring.push(msg('c')); // 102
    expect(ring.since(100)).toBeNull();
    expect(ring.since(101)).toBeNull();
    expect(ring.since(102)).toEqual([]);
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
    expect(text).toMatch(/id: \d+\nevent: message\ndata: \{"id":5,.*"text":"hi"/);
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

  describe('messages while nobody watches', () => {
    const sent = (res: { out: string[] }, event: string) =>
      res.out.filter((t) => t.includes(`event: ${event}\n`)).map((t) => t.replace(/^id: \d+\n/, ''));
    const idOf = (res: { out: string[] }, text: string) =>
      /^id: (\d+)/.exec(res.out.find((t) => t.includes(`"text":"${text}"`))!)![1];
    let quiet: EventsService;
    let quietBus: EventBus;
    beforeEach(() => {
      quietBus = new EventBus(noRedis, { graceMs: 0 });
      quiet = new EventsService(quietBus, store, sessions, { heartbeatMs: 1_000, bufferSize: 10 });
      quiet.onModuleInit();
    });
    afterEach(() => quiet.onModuleDestroy());

    it('are not published, and a stream resuming from before them is told to resync', () => {
      expect(quietBus.listening).toBe(false);
      const a = fakeResponse();
      quiet.open(a, { user, expiresAt: null });
      expect(quietBus.listening).toBe(true);
      quietBus.publish('message', msg('seen').data as never);
      const lastSeen = idOf(a, 'seen');
      a.end();
      expect(quietBus.listening).toBe(false);
      quietBus.publish('message', msg('left out').data as never);

      const b = fakeResponse();
      quiet.open(b, { user, expiresAt: null, lastEventId: lastSeen });
      expect(sent(b, 'resync')).toEqual([
        'event: resync\ndata: {"code":"EVENTS_UNKNOWN","reason":"The events since Last-Event-ID are no longer known; reload the current state"}\n\n',
      ]);
      expect(b.out.join('')).not.toContain('left out');
      quietBus.publish('message', msg('after').data as never);
      expect(b.out.join('')).toContain('"text":"after"');

      // a stream that resumes from after the gap is not
      const lastAfter = idOf(b, 'after');
      const c = fakeResponse();
      quiet.open(c, { user, expiresAt: null, lastEventId: lastAfter });
      expect(sent(c, 'resync')).toEqual([]);
    });

    it('are published again within the grace after the last stream closed: a reconnect resumes', async () => {
      const graceBus = new EventBus(noRedis, { graceMs: 60_000 });
      const svc2 = new EventsService(graceBus, store, sessions, { heartbeatMs: 1_000, bufferSize: 10 });
      svc2.onModuleInit();
      const a = fakeResponse();
      svc2.open(a, { user, expiresAt: null });
      graceBus.publish('message', msg('seen').data as never);
      a.end();
      graceBus.publish('message', msg('while away').data as never);
      const b = fakeResponse();
      svc2.open(b, { user, expiresAt: null, lastEventId: idOf(a, 'seen') });
      expect(sent(b, 'resync')).toEqual([]);
      expect(b.out.join('')).toContain('"text":"while away"');
      await svc2.onModuleDestroy();
    });

    it('a gap another instance reports resyncs the streams that may have missed something', () => {
      const resumedFrom = fakeResponse();
      quiet.open(resumedFrom, { user, expiresAt: null });
      quietBus.publish('message', msg('x').data as never);
      const resumed = fakeResponse();
      quiet.open(resumed, { user, expiresAt: null, lastEventId: idOf(resumedFrom, 'x') });
      const before = fakeResponse();
      quiet.open(before, { user, expiresAt: null });
      // what another instance that left events out relays when it hears of this audience (through Redis)
      quietBus.relay('live-events.gap', { lastSkippedAt: Date.now() + 1 });
      expect(sent(resumed, 'resync')).toHaveLength(1);
      expect(sent(before, 'resync')).toEqual([
        'event: resync\ndata: {"code":"EVENTS_SKIPPED","reason":"Events were not published while nobody watched; reload the current state"}\n\n',
      ]);
      const later = fakeResponse();
      quiet.open(later, { user, expiresAt: null });
      quietBus.relay('live-events.gap', { lastSkippedAt: 0 });
      expect(sent(later, 'resync')).toEqual([]); // opened after the events were left out, and did not resume
    });
  });

  it('ends every stream at shutdown', async () => {
    const res = fakeResponse();
    svc.open(res, { user, expiresAt: null });
    await svc.onModuleDestroy();
    expect(res.out.join('')).toContain('"reason":"shutdown"');
    expect(svc.streams).toBe(0);
  });
});
