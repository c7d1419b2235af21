import Redis from 'ioredis';
import { MemoryRobotStateStore } from '../../src/coordination/memory-state.store';
import { RedisRobotStateStore } from '../../src/coordination/redis-state.store';
import { RobotStateStore, RobotStatusEvent } from '../../src/coordination/robot-state.store';
import { describeWithRedis, REDIS } from '../support/services';
import { waitFor } from '../support/wait';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The contract every adapter must keep; run against each of them. */
function behavesLikeARobotStateStore(make: () => Promise<{ a: RobotStateStore; b: RobotStateStore }>) {
  let a: RobotStateStore;
  let b: RobotStateStore;
  beforeEach(async () => ({ a, b } = await make()));
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('returns null for an unknown robot and a full state after the first update', async () => {
    expect(await a.get(1)).toBeNull();
    const s = await a.update(1, { status: 'awaiting_scan', qrcodeUrl: 'http://weixin.qq.com/x/abc' });
    expect(s).toMatchObject({
      robotId: 1,
      status: 'awaiting_scan',
      qrcodeUrl: 'http://weixin.qq.com/x/abc',
      reason: null,
    });
    expect(await b.get(1)).toMatchObject({
      status: 'awaiting_scan',
      qrcodeUrl: 'http://weixin.qq.com/x/abc',
      lastSeenAt: null,
    });
  });

  it('merges updates and keeps fields it was not given', async () => {
    await a.update(2, { status: 'scanned', scannedNickname: '小明' });
    const s = await b.update(2, { captchaCode: '123456' });
    expect(s).toMatchObject({ status: 'scanned', scannedNickname: '小明', captchaCode: '123456' });
    await a.update(2, { captchaCode: null });
    expect((await b.get(2))!.captchaCode).toBeNull();
  });

  it('announces status changes to every subscriber, once per change', async () => {
    const seen: RobotStatusEvent[] = [];
    const off = b.onStatus((e) => seen.push(e));
    // the subscription is live once a change of another robot reaches it (not after a fixed pause)
    let flip: 'online' | 'offline' = 'offline';
    await waitFor(
      async () => {
        flip = flip === 'online' ? 'offline' : 'online';
        await a.update(30, { status: flip });
        return seen.some((e) => e.robotId === 30);
      },
      30_000,
      'the status subscription live',
    );
    await a.update(3, { status: 'awaiting_scan' });
    await a.update(3, { qrcodeUrl: 'x' }); // no status change
    await a.update(3, { status: 'online', reason: null });
    const of3 = () => seen.filter((e) => e.robotId === 3);
    await waitFor(() => of3().length >= 2, 30_000, 'both status changes announced');
    off();
    expect(of3().map((e) => [e.robotId, e.previous, e.status])).toEqual([
      [3, null, 'awaiting_scan'],
      [3, 'awaiting_scan', 'online'],
    ]);
  });

  it('gives a lock to one owner at a time, lets the owner extend it, and frees it on release or expiry', async () => {
    expect(await a.acquire('login:7', 'instance-a', 5000)).toBe(true);
    expect(await b.acquire('login:7', 'instance-b', 5000)).toBe(false);
    expect(await b.holder('login:7')).toBe('instance-a');
    expect(await a.acquire('login:7', 'instance-a', 5000)).toBe(true);
    await b.release('login:7', 'instance-b'); // not the owner: no effect
    expect(await a.holder('login:7')).toBe('instance-a');
    await a.release('login:7', 'instance-a');
    expect(await b.acquire('login:7', 'instance-b', 100)).toBe(true);
    await sleep(250);
    expect(await a.holder('login:7')).toBeNull();
    expect(await a.acquire('login:7', 'instance-a', 1000)).toBe(true);
  });

  it('forgets a removed robot', async () => {
    await a.update(9, { status: 'online' });
    await b.remove(9);
    expect(await a.get(9)).toBeNull();
  });
}

describe('MemoryRobotStateStore', () => {
  behavesLikeARobotStateStore(() => {
    const store = new MemoryRobotStateStore();
    // one process: both "instances" share the store
    return Promise.resolve({ a: store, b: store });
  });
});

describeWithRedis('RedisRobotStateStore (real Redis)', () => {
  const prefix = `og-test:${process.pid}:${Date.now().toString(36)}:`;
  const conns: Redis[] = [];
  const open = () => {
    const r = new Redis({ host: REDIS.host, port: REDIS.port, maxRetriesPerRequest: 1 });
    conns.push(r);
    return r;
  };
  afterAll(async () => {
    const r = open();
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    await Promise.all(conns.map((c) => c.quit()));
  });

  behavesLikeARobotStateStore(() => {
    // two instances: separate connections, same prefix
    const a = new RedisRobotStateStore(open(), open(), prefix, 60_000);
    const b = new RedisRobotStateStore(open(), open(), prefix, 60_000);
    return Promise.resolve({ a, b });
  });

  it('expires a robot hash that is no longer updated (heartbeat TTL)', async () => {
    const s = new RedisRobotStateStore(open(), open(), prefix, 2000);
    await s.update(42, { status: 'online' });
    expect(await s.get(42)).not.toBeNull();
    await waitFor(async () => (await s.get(42)) === null, 30_000, 'the robot hash expired');
    await s.close();
  });

  it('keeps 64 concurrent updates from two instances consistent', async () => {
    const a = new RedisRobotStateStore(open(), open(), prefix, 60_000);
    const b = new RedisRobotStateStore(open(), open(), prefix, 60_000);
    await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        (i % 2 ? a : b).update(77, { reconnectAttempts: i, status: 'reconnecting' }),
      ),
    );
    const s = (await a.get(77))!;
    expect(s.status).toBe('reconnecting');
    expect(s.lastSeenAt).toBeNull(); // defaults never overwrote a value, and nothing is missing
    expect(typeof s.reconnectAttempts).toBe('number');
    await a.close();
    await b.close();
  });
});
