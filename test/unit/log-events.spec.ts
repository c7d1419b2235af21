import { EventBus, LiveEvent } from '../../src/live-events/event-bus';
import { LogEventsPublisher } from '../../src/live-events/log-events';
import type { RootLogger } from '../../src/logging/root-logger';
import type { RedisConnections } from '../../src/redis/redis.module';

/** A root logger whose lines the test writes by hand, as pino would (level label first). */
function fakeRoot() {
  let tapped: ((line: string) => void) | null = null;
  const root = {
    tap: (l: (line: string) => void) => {
      tapped = l;
      return () => (tapped = null);
    },
  } as unknown as RootLogger;
  const line = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
    tapped?.(`${JSON.stringify({ level, time: new Date(0).toISOString(), pid: 1, msg, ...extra })}\n`);
  return { root, line };
}

describe('LogEventsPublisher', () => {
  const redis = { enabled: false, prefix: 'x:' } as unknown as RedisConnections;
  let bus: EventBus;
  let seen: LiveEvent[];
  let logs: () => { message: string; level: string; dropped: number; details: Record<string, unknown> }[];
  let now: jest.SpyInstance<number, []>;

  beforeEach(() => {
    bus = new EventBus(redis);
    seen = [];
    bus.subscribe((e) => seen.push(e));
    logs = () => seen.flatMap((e) => (e.type === 'log' ? [e.data] : []));
    now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
  });
  afterEach(() => now.mockRestore());

  function start(options = {}) {
    const { root, line } = fakeRoot();
    const p = new LogEventsPublisher(root, bus, redis, 'instance-1', options);
    p.onModuleInit();
    return { p, line };
  }

  it('publishes nothing while no stream wants log lines', () => {
    const { line } = start();
    line('fatal', 'nobody listens');
    expect(seen).toEqual([]);
  });

  it('publishes the lines at or above the lowest level wanted, until the streams go', () => {
    const { p, line } = start();
    const stopWarn = p.want('warn');
    line('info', 'too low');
    line('warn', 'a warning', { context: 'RobotService', requestId: 'r-1', robotId: 3 });
    line('error', 'an error');
    expect(logs().map((l) => l.message)).toEqual(['a warning', 'an error']);
    expect(logs()[0]).toEqual({
      time: new Date(0).toISOString(),
      level: 'warn',
      message: 'a warning',
      source: 'RobotService',
      requestId: 'r-1',
      details: { robotId: 3 },
      dropped: 0,
    });
    const stopDebug = p.want('debug');
    line('info', 'now wanted');
    stopDebug();
    line('info', 'no longer wanted');
    stopWarn();
    line('error', 'nobody listens');
    expect(logs().map((l) => l.message)).toEqual(['a warning', 'an error', 'now wanted']);
  });

  it('leaves out the lines of the live events machinery itself (a failing publish must not feed itself)', () => {
    const { p, line } = start();
    p.want('info');
    line('warn', 'Live events: Redis publish failed', { context: 'EventBus' });
    expect(seen).toEqual([]);
  });

  it('cuts a flood to its rate and says how many lines it dropped', () => {
    const { p, line } = start({ perSecond: 2 });
    p.want('info');
    for (let i = 1; i <= 5; i++) line('info', `line ${i}`);
    now.mockReturnValue(1_001_000);
    line('info', 'next second');
    expect(logs().map((l) => [l.message, l.dropped])).toEqual([
      ['line 1', 0],
      ['line 2', 0],
      ['next second', 3],
    ]);
  });

  it('cuts large details', () => {
    const { p, line } = start({ maxDetails: 50 });
    p.want('info');
    line('info', 'big', { payload: 'x'.repeat(500) });
    const d = logs()[0].details;
    expect(d.truncated).toBe(true);
    expect(String(d.head)).toHaveLength(50);
  });
});
