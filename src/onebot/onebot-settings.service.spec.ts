import { Logger } from '@nestjs/common';
import { FakeIdTable } from '../../test/support/fake-onebot-ids';
import { FakeRepository } from '../../test/support/fake-repository';
import type { AuthUser } from '../common/auth.decorators';
import { DomainError, notFound } from '../common/domain-error';
import type { EventBus } from '../live-events/event-bus';
import type { RobotService } from '../robot/robot.service';
import type { OneBotSettingsUpdateDto } from './dto/onebot-settings.dto';
import { OneBotIdStore } from './onebot-ids.service';
import type { OneBotSettingsEntity } from './onebot-settings.entity';
import { OneBotSettingsService } from './onebot-settings.service';
import type { OneBotSettings } from './onebot.types';

const ACTOR = { id: 1, username: 'admin', isAdmin: true, sessionId: 's' } as AuthUser;

/** The event bus's relay between instances: every instance's listeners get every message (this one's too). */
class FakeBus {
  readonly relayed: { topic: string; data: unknown }[] = [];
  private readonly listeners: { topic: string; fn: (data: unknown) => void }[] = [];
  relay(topic: string, data: unknown): void {
    this.relayed.push({ topic, data });
    for (const l of this.listeners) if (l.topic === topic) l.fn(structuredClone(data));
  }
  onRelay(topic: string, fn: (data: unknown) => void): () => void {
    const entry = { topic, fn };
    this.listeners.push(entry);
    return () => this.listeners.splice(this.listeners.indexOf(entry), 1);
  }
}

/** One instance's RobotService over the shared robots: deleting one tells this instance's listeners only. */
class FakeRobots {
  constructor(
    readonly robots = new Map<number, { id: number; wxid: string | null }>([
      [1, { id: 1, wxid: 'wxid_robot' }],
      [2, { id: 2, wxid: null }],
    ]),
  ) {}

  private readonly removed = new Set<(id: number) => void>();
  entity(id: number) {
    const r = this.robots.get(id);
    return r ? Promise.resolve(r) : Promise.reject(notFound('ROBOT_NOT_FOUND', `Robot ${id} does not exist`, { id }));
  }
  onRemoved(fn: (id: number) => void): () => void {
    this.removed.add(fn);
    return () => this.removed.delete(fn);
  }
  remove(id: number): void {
    this.robots.delete(id);
    for (const fn of this.removed) fn(id);
  }
}

function world() {
  const rows = new FakeRepository<OneBotSettingsEntity>();
  const bus = new FakeBus();
  const robots = new FakeRobots();
  const table = new FakeIdTable();
  const instance = (own = new FakeRobots(robots.robots)) =>
    new OneBotSettingsService(
      rows as never,
      own as unknown as RobotService,
      bus as unknown as EventBus,
      new OneBotIdStore(table.asTable()),
    );
  return { rows, bus, robots, table, service: instance(robots), instance };
}

const put = (dto: OneBotSettingsUpdateDto) => dto;

describe('OneBotSettingsService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('answers the defaults for a robot without settings, with its paths and its alias as selfId', async () => {
    const { service, rows } = world();
    const view = await service.view(1);
    expect(view).toEqual({
      robotId: 1,
      enabled: false,
      idMode: 'alias',
      forwardWs: true,
      reverseWs: [],
      httpPost: [],
      postSelf: false,
      heartbeatIntervalMs: 15_000,
      wsPath: '/onebot/v11/1',
      httpPath: '/onebot/v11/1',
      selfId: expect.any(Number) as number,
    });
    expect((await service.view(2)).selfId).toBeNull(); // no wxid yet
    expect(rows.rows).toEqual([]); // a read writes nothing
  });

  it('refuses an unknown robot with 404', async () => {
    const { service } = world();
    await expect(service.view(9)).rejects.toMatchObject({ code: 'ROBOT_NOT_FOUND', status: 404 });
    await expect(service.update(9, { enabled: true }, ACTOR)).rejects.toMatchObject({ code: 'ROBOT_NOT_FOUND' });
  });

  it('merges a PUT: the fields given change, the rest stay; secrets are stored but never answered', async () => {
    const { service } = world();
    const first = await service.update(
      1,
      put({
        enabled: true,
        reverseWs: [{ url: 'ws://nb:8080/onebot/v11/ws', accessToken: 'tok-1' }],
        httpPost: [{ url: 'http://nb:8080/post', secret: 'sec-1', timeoutMs: 2000 }],
      }),
      ACTOR,
    );
    expect(first).toMatchObject({
      enabled: true,
      reverseWs: [{ url: 'ws://nb:8080/onebot/v11/ws', accessTokenSet: true, reconnectIntervalMs: 3000 }],
      httpPost: [{ url: 'http://nb:8080/post', secretSet: true, timeoutMs: 2000 }],
    });
    expect(JSON.stringify(first)).not.toMatch(/tok-1|sec-1/);
    const second = await service.update(1, put({ idMode: 'string', heartbeatIntervalMs: 0 }), ACTOR);
    expect(second).toMatchObject({ enabled: true, idMode: 'string', heartbeatIntervalMs: 0, selfId: 'wxid_robot' });
    const s = await service.get(1);
    expect(s.reverseWs[0].accessToken).toBe('tok-1');
    expect(s.httpPost[0].secret).toBe('sec-1');
  });

  it('keeps a target’s stored secret when the PUT leaves it out, clears it on null, and drops it with the URL', async () => {
    const { service } = world();
    await service.update(
      1,
      put({
        reverseWs: [
          { url: 'ws://a/ws', accessToken: 'A' },
          { url: 'ws://b/ws', accessToken: 'B' },
        ],
        httpPost: [{ url: 'http://a/post', secret: 'S' }],
      }),
      ACTOR,
    );
    await service.update(
      1,
      put({
        reverseWs: [
          { url: 'ws://a/ws', reconnectIntervalMs: 1000 },
          { url: 'ws://b/ws', accessToken: null },
          { url: 'ws://c/ws' },
        ],
        httpPost: [{ url: 'http://a/post' }],
      }),
      ACTOR,
    );
    const s = await service.get(1);
    expect(s.reverseWs).toEqual([
      { url: 'ws://a/ws', accessToken: 'A', reconnectIntervalMs: 1000 },
      { url: 'ws://b/ws', accessToken: null, reconnectIntervalMs: 3000 },
      { url: 'ws://c/ws', accessToken: null, reconnectIntervalMs: 3000 },
    ]);
    expect(s.httpPost).toEqual([{ url: 'http://a/post', secret: 'S', timeoutMs: 5000 }]);
    await service.update(1, put({ httpPost: [{ url: 'http://other/post' }] }), ACTOR);
    expect((await service.get(1)).httpPost).toEqual([{ url: 'http://other/post', secret: null, timeoutMs: 5000 }]);
  });

  it('refuses a heartbeat between 0 and 1000 ms and a target listed twice, naming the field', async () => {
    const { service } = world();
    const short = await service.update(1, put({ heartbeatIntervalMs: 500 }), ACTOR).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(DomainError);
    expect(short).toMatchObject({
      code: 'ONEBOT_HEARTBEAT_TOO_SHORT',
      status: 400,
      params: { field: 'heartbeatIntervalMs' },
    });
    const twice = await service
      .update(1, put({ reverseWs: [{ url: 'ws://a/ws' }, { url: 'ws://a/ws' }] }), ACTOR)
      .catch((e: unknown) => e);
    expect(twice).toMatchObject({ code: 'ONEBOT_TARGET_DUPLICATE', params: { field: 'reverseWs', url: 'ws://a/ws' } });
    expect((await service.get(1)).heartbeatIntervalMs).toBe(15_000); // nothing was written
  });

  it('tells every instance of a change: the other instance reads the row again and tells its listeners', async () => {
    const { service, instance, bus } = world();
    const other = instance();
    expect((await other.get(1)).enabled).toBe(false); // cached there
    const told = new Promise<[number, OneBotSettings | null]>((resolve) =>
      other.onChange((robotId, s) => resolve([robotId, s])),
    );
    await service.update(1, put({ enabled: true }), ACTOR);
    expect(bus.relayed).toEqual([{ topic: 'onebot.settings', data: { robotId: 1 } }]);
    expect(await told).toEqual([1, expect.objectContaining({ robotId: 1, enabled: true }) as OneBotSettings]);
    expect((await other.get(1)).enabled).toBe(true);
  });

  it('reads the row again after a while, so a change whose relay was lost still arrives', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { service, rows } = world();
      await service.update(1, put({ enabled: true }), ACTOR);
      expect((await service.get(1)).enabled).toBe(true);
      rows.rows[0].enabled = false; // written by an instance whose relay never came
      jest.advanceTimersByTime(5_000);
      expect((await service.get(1)).enabled).toBe(true);
      jest.advanceTimersByTime(6_000);
      expect((await service.get(1)).enabled).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lists the robots whose OneBot is enabled', async () => {
    const { service, robots } = world();
    robots.robots.set(3, { id: 3, wxid: null });
    await service.update(3, put({ enabled: true }), ACTOR);
    await service.update(2, put({ enabled: false, postSelf: true }), ACTOR);
    await service.update(1, put({ enabled: true }), ACTOR);
    expect((await service.enabled()).map((s) => s.robotId)).toEqual([1, 3]);
  });

  it('tells the listeners of every instance `null` when the robot is deleted, and forgets its copy', async () => {
    const { service, instance, robots, rows } = world();
    const other = instance();
    await service.update(1, put({ enabled: true }), ACTOR);
    const seen: [number, OneBotSettings | null][] = [];
    other.onChange((robotId, s) => seen.push([robotId, s]));
    robots.remove(1);
    rows.rows.splice(0); // the foreign key's cascade
    expect(seen).toEqual([[1, null]]);
    expect((await service.get(1)).enabled).toBe(false);
  });

  it('stops listening when the module is destroyed', async () => {
    const { service, instance } = world();
    const other = instance();
    const seen: number[] = [];
    other.onChange((robotId) => seen.push(robotId));
    other.onModuleDestroy();
    await service.update(1, put({ enabled: true }), ACTOR);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
