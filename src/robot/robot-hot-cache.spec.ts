import { HotRobot, HotRobotSource, RobotHotCache } from './robot-hot-cache';

interface Row extends HotRobot {
  name: string;
}

/** The robots table, counting what the cache asks of it. */
class Table implements HotRobotSource<Row> {
  rows = new Map<number, Row>();
  calls: string[] = [];
  fail = false;
  /** When set, byIds waits for this before answering. */
  gate: Promise<void> | null = null;

  put(id: number, appId: string | null, name = `r${id}`): void {
    this.rows.set(id, { id, appId, name });
  }
  private copy(r: Row | undefined): Row | null {
    return r ? { ...r } : null;
  }
  byId(id: number): Promise<Row | null> {
    this.calls.push(`id:${id}`);
    return Promise.resolve(this.copy(this.rows.get(id)));
  }
  byAppId(appId: string): Promise<Row | null> {
    this.calls.push(`app:${appId}`);
    return Promise.resolve(this.copy([...this.rows.values()].find((r) => r.appId === appId)));
  }
  async byIds(ids: number[]): Promise<Row[]> {
    this.calls.push(`ids:${ids.length}`);
    if (this.fail) throw new Error('database down');
    const read = ids.flatMap((id) => {
      const r = this.copy(this.rows.get(id));
      return r ? [r] : [];
    });
    if (this.gate) await this.gate; // answers what it read before the gate opened
    return read;
  }
}

describe('RobotHotCache', () => {
  let table: Table;
  let now: number;
  let cache: RobotHotCache<Row>;

  beforeEach(() => {
    table = new Table();
    now = 1_000_000;
    cache = new RobotHotCache(table, { ttlMs: 1000, max: 100, chunk: 2, now: () => now });
    for (let id = 1; id <= 5; id++) table.put(id, `wx_app_${id}`);
  });

  it('reads a robot once while it is fresh, under either key', async () => {
    expect((await cache.findByAppId('wx_app_1'))?.id).toBe(1);
    expect((await cache.findById(1))?.appId).toBe('wx_app_1');
    now += 999;
    expect((await cache.findByAppId('wx_app_1'))?.id).toBe(1);
    expect(table.calls).toEqual(['app:wx_app_1']);
  });

  it('reads every robot it holds again in one statement per chunk once they are older than the TTL', async () => {
    for (let id = 1; id <= 5; id++) await cache.findById(id);
    table.calls = [];
    table.put(3, 'wx_app_3', 'renamed');
    now += 1000;
    const [a, b, c] = await Promise.all([cache.findById(3), cache.findByAppId('wx_app_1'), cache.findById(5)]);
    expect([a?.name, b?.id, c?.id]).toEqual(['renamed', 1, 5]);
    // 5 robots, 2 per statement: 3 statements for the three concurrent lookups together, none per robot
    expect(table.calls).toEqual(['ids:2', 'ids:2', 'ids:1']);
  });

  it('sees a robot deleted or given another appId on another instance after the TTL', async () => {
    await cache.findByAppId('wx_app_1');
    await cache.findByAppId('wx_app_2');
    table.rows.delete(1);
    table.put(2, 'wx_app_2b');
    now += 1000;
    expect(await cache.findById(1)).toBeNull();
    expect(await cache.findByAppId('wx_app_2')).toBeNull();
    expect((await cache.findByAppId('wx_app_2b'))?.id).toBe(2);
  });

  it('reads a robot it does not hold once for concurrent lookups, and again after a write', async () => {
    const [a, b] = await Promise.all([cache.findByAppId('wx_app_1'), cache.findByAppId('wx_app_1')]);
    expect([a?.id, b?.id]).toEqual([1, 1]);
    expect(table.calls).toEqual(['app:wx_app_1']);
    table.calls = [];
    const before = cache.findById(2);
    cache.clear();
    await Promise.all([before, cache.findById(2)]);
    // the read begun before the write is not shared with a lookup after it
    expect(table.calls).toEqual(['id:2', 'id:2']);
  });

  it('keeps no robot that does not exist: one created meanwhile is found at once', async () => {
    expect(await cache.findByAppId('wx_new')).toBeNull();
    table.put(9, 'wx_new');
    expect((await cache.findByAppId('wx_new'))?.id).toBe(9);
    expect(table.calls).toEqual(['app:wx_new', 'app:wx_new']);
  });

  it('forgets everything on clear(), and does not keep a refresh that was under way', async () => {
    await cache.findById(1);
    now += 1000;
    let open!: () => void;
    table.gate = new Promise((resolve) => (open = resolve));
    const during = cache.findById(1);
    cache.clear(); // a write through this instance while the refresh reads
    table.put(1, 'wx_app_1', 'written');
    open();
    // the refresh read the robot before the write: not kept, the lookup reads it again
    expect((await during)?.name).toBe('written');
    table.gate = null;
    table.calls = [];
    expect((await cache.findById(1))?.name).toBe('written');
    expect(table.calls).toEqual([]);
  });

  it('fails the lookups waiting on a refresh that failed, and tries again on the next', async () => {
    await cache.findById(1);
    now += 1000;
    table.fail = true;
    await expect(cache.findById(1)).rejects.toThrow('database down');
    table.fail = false;
    table.put(1, 'wx_app_1', 'back');
    expect((await cache.findById(1))?.name).toBe('back');
  });

  it('starts again empty past `max` robots', async () => {
    const small = new RobotHotCache(table, { ttlMs: 1000, max: 3, chunk: 10, now: () => now });
    for (let id = 1; id <= 4; id++) await small.findById(id);
    expect(small.size).toBe(1);
    table.calls = [];
    await small.findById(4);
    await small.findById(1);
    expect(table.calls).toEqual(['id:1']);
  });
});
