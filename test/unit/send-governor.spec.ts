import { loadConfig } from '../../src/config/app-config';
import { SendGovernor } from '../../src/sending/send-governor';

function governor(gewe: Record<string, unknown>) {
  const { config } = loadConfig({ path: null, env: {}, overrides: { gewe } });
  const g = new SendGovernor(config);
  g.random = () => 0.5;
  return g;
}

describe('SendGovernor', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('spaces the sends of one robot by the minimum interval plus jitter, in order, dropping none', async () => {
    const g = governor({ send_min_interval: '1s', send_jitter: '200ms', send_max_per_minute: 100 });
    const started: number[] = [];
    const sends = [1, 2, 3].map((n) =>
      g.schedule(1, () => {
        started.push(Date.now());
        return Promise.resolve(n);
      }),
    );
    await jest.advanceTimersByTimeAsync(5000);
    expect(await Promise.all(sends)).toEqual([1, 2, 3]);
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    expect(started.map((t) => t - t0)).toEqual([0, 1100, 2200]);
    expect(g.report()).toEqual([{ robotId: 1, queued: 0, sent: 3, delayed: 2, totalDelayMs: 1100 + 2200 }]);
  });

  it('keeps robots independent', async () => {
    const g = governor({ send_min_interval: '1s', send_jitter: '0ms', send_max_per_minute: 100 });
    const started: Record<number, number> = {};
    const a = g.schedule(1, () => Promise.resolve((started[1] = Date.now())));
    const b = g.schedule(2, () => Promise.resolve((started[2] = Date.now())));
    await jest.advanceTimersByTimeAsync(10);
    await Promise.all([a, b]);
    expect(started[1]).toBe(started[2]);
  });

  it('holds sends beyond the per-minute cap until the oldest leaves the window', async () => {
    const g = governor({ send_min_interval: '0ms', send_jitter: '0ms', send_max_per_minute: 2 });
    const started: number[] = [];
    const t0 = Date.now();
    const sends = [1, 2, 3].map(() => g.schedule(7, () => Promise.resolve(void started.push(Date.now() - t0))));
    await jest.advanceTimersByTimeAsync(59_000);
    expect(started).toEqual([0, 0]);
    await jest.advanceTimersByTimeAsync(2_000);
    await Promise.all(sends);
    expect(started).toEqual([0, 0, 60_000]);
  });

  it('passes a failed send to its caller and goes on with the next one', async () => {
    const g = governor({ send_min_interval: '0ms', send_jitter: '0ms', send_max_per_minute: 100 });
    const failing = g.schedule(1, () => Promise.reject(new Error('Gewe said no')));
    const next = g.schedule(1, () => Promise.resolve('sent'));
    await jest.advanceTimersByTimeAsync(10);
    await expect(failing).rejects.toThrow('Gewe said no');
    await expect(next).resolves.toBe('sent');
  });
});
