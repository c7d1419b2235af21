import { loadConfig } from '../../src/config/app-config';
import { webhookKey } from '../../src/robot/callback-url';
import type { KeyedRobot } from '../../src/robot/callback-keys';
import type { RobotService } from '../../src/robot/robot.service';
import { hashCallbackKey } from '../../src/webhook/callback-key';
import type { WebhookClock } from '../../src/webhook/webhook-clock';
import type { EndpointKeys, WebhookEndpointStore } from '../../src/webhook/webhook-endpoint.store';
import { WebhookKeyIndex } from '../../src/webhook/webhook-key-index';

const { config } = loadConfig({ path: null, env: {}, overrides: { backend: { secret_key: 'k'.repeat(40) } } });
const keyOf = (token: string) => webhookKey(config.backend.secret_key, token);

/** A RobotService with only what the index reads: the robots' tokens and the write counter. */
class FakeRobots {
  revision = 0;
  loads = 0;
  fail = false;
  constructor(public robots: KeyedRobot[]) {}
  keyedRobots(): Promise<KeyedRobot[]> {
    this.loads++;
    return this.fail ? Promise.reject(new Error('database down')) : Promise.resolve(this.robots.map((r) => ({ ...r })));
  }
}

/** The endpoint store: keys by robot; a robot without one gets its pre-endpoint key (HMAC of its token). */
class FakeEndpoints {
  revision = 0;
  keys = new Map<number, EndpointKeys>();
  legacy = 0;
  allKeys(): Promise<EndpointKeys[]> {
    return Promise.resolve([...this.keys.values()].map((k) => ({ ...k })));
  }
  ensureLegacy(robots: readonly KeyedRobot[]): Promise<number> {
    let n = 0;
    for (const r of robots)
      if (!this.keys.has(r.id)) {
        n++;
        this.legacy++;
        this.set(r.id, keyOf(r.token ?? ''));
      }
    return Promise.resolve(n);
  }
  set(robotId: number, key: string, previous?: { key: string; until: number }) {
    this.keys.set(robotId, {
      robotId,
      keyHash: hashCallbackKey(key),
      previousKeyHash: previous ? hashCallbackKey(previous.key) : null,
      previousKeyUntil: previous?.until ?? null,
    });
  }
}

const robotsWith = (tokens: string[]) => new FakeRobots(tokens.map((token, n) => ({ id: n + 1, token })));

function index(robots: FakeRobots, endpoints = new FakeEndpoints()) {
  let wall = 1_700_000_000_000;
  const clock: WebhookClock = { now: () => wall };
  const i = new WebhookKeyIndex(robots as unknown as RobotService, endpoints as unknown as WebhookEndpointStore, clock);
  let now = 1_000_000;
  i.clock = () => now;
  return {
    i,
    endpoints,
    advance: (ms: number) => (now += ms),
    advanceWall: (ms: number) => (wall += ms),
    wall: () => wall,
    ids: async (key: string) => (await i.ownersOf(key)).map((o) => o.robotId),
  };
}

describe('WebhookKeyIndex', () => {
  it('finds the robots of a known key, and nothing for a wrong, shortened or empty one', async () => {
    const robots = robotsWith(['tok-a', 'tok-b']);
    const { i, ids } = index(robots);
    expect(await i.ownersOf(keyOf('tok-a'))).toEqual([{ robotId: 1, token: 'tok-a' }]);
    expect(await ids(keyOf('tok-b'))).toEqual([2]);
    expect(await ids(keyOf('tok-a').slice(0, -1))).toEqual([]);
    expect(await ids('x'.repeat(32))).toEqual([]);
    expect(await ids('')).toEqual([]);
  });

  it('gives robots from before the endpoints the key their callback URL had (HMAC of the token), once', async () => {
    const robots = robotsWith(['tok-a', 'tok-a', 'tok-b']);
    const { ids, endpoints } = index(robots);
    expect(await ids(keyOf('tok-a'))).toEqual([1, 2]); // they shared a URL, and still do
    expect(await ids(keyOf('tok-b'))).toEqual([3]);
    expect(endpoints.legacy).toBe(3);
    endpoints.set(3, 'rotated');
    endpoints.revision++;
    expect(await ids('rotated')).toEqual([3]);
    expect(endpoints.legacy).toBe(3);
  });

  it('serves known keys from memory: no database read per callback', async () => {
    const robots = robotsWith(['tok-a']);
    const { i, advance } = index(robots);
    for (let n = 0; n < 5; n++) {
      expect((await i.ownersOf(keyOf('tok-a'))).length).toBe(1);
      advance(10_000);
    }
    expect(robots.loads).toBe(1);
  });

  it('reads the database again for unknown keys at most once a second', async () => {
    const robots = robotsWith(['tok-a']);
    const { i, advance, ids } = index(robots);
    await Promise.all(Array.from({ length: 20 }, (_, n) => i.ownersOf(`wrong-${n}`)));
    expect(robots.loads).toBe(1);
    advance(999);
    expect(await ids('wrong')).toEqual([]);
    expect(robots.loads).toBe(1);
    advance(1);
    expect(await ids('wrong')).toEqual([]);
    expect(robots.loads).toBe(2);
  });

  it('knows a robot added (or a key rotated) on another instance once a second has passed since the last read', async () => {
    const robots = robotsWith(['tok-a']);
    const { i, advance, ids, endpoints } = index(robots);
    await i.ownersOf(keyOf('tok-a'));
    robots.robots.push({ id: 2, token: 'tok-new' });
    endpoints.set(2, 'random-key-of-2');
    advance(1000);
    expect(await ids('random-key-of-2')).toEqual([2]);
  });

  it('is rebuilt at once after a robot or key write through this instance (a replaced key stops opening)', async () => {
    const robots = robotsWith(['tok-a']);
    const { ids, endpoints } = index(robots);
    expect(await ids(keyOf('tok-a'))).toEqual([1]);
    endpoints.set(1, 'key-c');
    endpoints.revision++;
    expect(await ids(keyOf('tok-a'))).toEqual([]);
    expect(await ids('key-c')).toEqual([1]);
    robots.robots = [];
    robots.revision++;
    expect(await ids('key-c')).toEqual([]); // the robot was deleted
  });

  it('opens with the previous key until its grace period ends, then not', async () => {
    const robots = robotsWith(['tok-a']);
    const { ids, endpoints, advance, advanceWall, wall } = index(robots);
    endpoints.set(1, 'new-key', { key: 'old-key', until: wall() + 60_000 });
    expect(await ids('old-key')).toEqual([1]);
    expect(await ids('new-key')).toEqual([1]);
    advanceWall(59_999);
    expect(await ids('old-key')).toEqual([1]);
    advanceWall(1);
    advance(1000);
    expect(await ids('old-key')).toEqual([]);
    expect(await ids('new-key')).toEqual([1]);
  });

  it('passes a database failure on (the webhook answers 503), and recovers', async () => {
    const robots = robotsWith(['tok-a']);
    robots.fail = true;
    const { i, ids } = index(robots);
    await expect(i.ownersOf(keyOf('tok-a'))).rejects.toThrow('database down');
    robots.fail = false;
    expect(await ids(keyOf('tok-a'))).toEqual([1]);
  });
});
