import { PeriodicTask } from './periodic-task';

/** A promise the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets the promise callbacks queued so far run (no real time passes). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('PeriodicTask', () => {
  let tasks: PeriodicTask[];
  const make = (o: Partial<ConstructorParameters<typeof PeriodicTask>[0]> & { run: () => unknown }) => {
    const t = new PeriodicTask({ name: 'test task', intervalMs: 1000, onError: () => undefined, ...o });
    tasks.push(t);
    return t;
  };

  beforeEach(() => {
    tasks = [];
    jest.useFakeTimers();
  });
  afterEach(async () => {
    await Promise.all(tasks.map((t) => t.stop()));
    jest.useRealTimers();
  });

  it('runs every interval, the first one interval after start', async () => {
    let runs = 0;
    make({ run: () => runs++ }).start();
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(4);
  });

  it('runs at once with firstRunAfterMs 0, and after a chosen delay otherwise', async () => {
    let now = 0;
    let later = 0;
    make({ run: () => now++, firstRunAfterMs: 0 }).start();
    make({ run: () => later++, firstRunAfterMs: 300, intervalMs: 10_000 }).start();
    expect(now).toBe(1);
    await jest.advanceTimersByTimeAsync(299);
    expect(later).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(later).toBe(1);
    await jest.advanceTimersByTimeAsync(10_000 - 300);
    expect(later).toBe(2);
  });

  it('never overlaps: a tick that finds the previous run going is skipped', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    let concurrent = 0;
    let most = 0;
    make({
      run: async () => {
        concurrent++;
        most = Math.max(most, concurrent);
        const g = deferred();
        gates.push(g);
        await g.promise;
        concurrent--;
      },
    }).start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(gates).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(5000); // five ticks while the first run hangs
    expect(gates).toHaveLength(1);
    gates[0].resolve();
    await settle();
    await jest.advanceTimersByTimeAsync(1000);
    expect(gates).toHaveLength(2);
    gates[1].resolve();
    expect(most).toBe(1);
  });

  it('catches what a run throws or rejects with, reports it with the task name, and goes on', async () => {
    const errors: unknown[] = [];
    const lines: unknown[][] = [];
    let n = 0;
    make({
      run: () => {
        n++;
        if (n === 1) throw new Error('sync failure');
        if (n === 2) return Promise.reject(new Error('async failure'));
      },
      onError: (err) => errors.push(err),
    }).start();
    // without onError: the owner's logger gets the line, with the task's name
    const logged = new PeriodicTask({
      name: 'retention sweep',
      intervalMs: 1000,
      run: () => Promise.reject(new Error('db gone')),
      logger: { error: (...args: unknown[]) => lines.push(args) },
    });
    tasks.push(logged.start());
    await jest.advanceTimersByTimeAsync(3000);
    expect(n).toBe(3);
    expect(errors.map((e) => (e as Error).message)).toEqual(['sync failure', 'async failure']);
    expect(lines.length).toBe(3);
    expect(lines[0][0]).toMatchObject({
      task: 'retention sweep',
      err: expect.objectContaining({ message: 'db gone' }),
    });
    expect(lines[0][1]).toContain('retention sweep');
  });

  it('survives a reporter that throws', async () => {
    let n = 0;
    make({
      run: () => {
        n++;
        throw new Error('x');
      },
      onError: () => {
        throw new Error('reporter broken');
      },
    }).start();
    await jest.advanceTimersByTimeAsync(2000);
    expect(n).toBe(2);
  });

  it('stop() clears the timers and resolves only once the run in flight is over', async () => {
    const gate = deferred();
    let runs = 0;
    let finished = false;
    const t = make({
      run: async () => {
        runs++;
        await gate.promise;
        finished = true;
      },
    }).start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(t.busy).toBe(true);
    let stopped = false;
    const stopping = t.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(t.active).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stop() is safe to call twice, before start, and from inside a run', async () => {
    const idle = make({ run: () => undefined });
    await idle.stop();
    idle.start();
    await Promise.all([idle.stop(), idle.stop()]);
    let runs = 0;
    const self: PeriodicTask = make({
      run: () => {
        runs++;
        void self.stop();
      },
    }).start();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(1);
    expect(self.active).toBe(false);
  });

  it('a run that fails while stopping still lets stop() resolve', async () => {
    const gate = deferred();
    const t = make({ run: () => gate.promise }).start();
    await jest.advanceTimersByTimeAsync(1000);
    const stopping = t.stop();
    gate.reject(new Error('cut short'));
    await expect(stopping).resolves.toBeUndefined();
  });

  it('start() twice keeps one schedule; start() after stop() starts again', async () => {
    let runs = 0;
    const t = make({ run: () => runs++ });
    t.start();
    t.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    await t.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(1);
    t.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
  });

  it('trigger() runs now, or once more right after the run in flight; calls meanwhile share that run', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const t = make({
      intervalMs: 60_000,
      run: () => {
        const g = deferred();
        gates.push(g);
        return g.promise;
      },
    }).start();
    const first = t.trigger();
    expect(gates).toHaveLength(1);
    const a = t.trigger();
    const b = t.trigger();
    expect(a).toBe(b);
    expect(gates).toHaveLength(1);
    gates[0].resolve();
    await first;
    await settle();
    expect(gates).toHaveLength(2);
    gates[1].resolve();
    await a;
    expect(gates).toHaveLength(2);
  });

  it('trigger() does nothing when not started, and a rerun pending at stop() is dropped', async () => {
    let runs = 0;
    const gate = deferred();
    const t = make({ intervalMs: 60_000, run: () => (runs++, gate.promise) });
    await t.trigger();
    expect(runs).toBe(0);
    t.start();
    void t.trigger();
    void t.trigger(); // queued after the first
    const stopping = t.stop();
    gate.resolve();
    await stopping;
    expect(runs).toBe(1);
  });

  it('keeps no timer holding the process open', () => {
    const t = make({ run: () => undefined, firstRunAfterMs: 10 }).start();
    const timers = t as unknown as { interval: NodeJS.Timeout; first: NodeJS.Timeout };
    expect(timers.interval.hasRef()).toBe(false);
    expect(timers.first.hasRef()).toBe(false);
  });

  it('refuses an interval that is not positive', () => {
    expect(() => new PeriodicTask({ name: 'x', intervalMs: 0, run: () => undefined })).toThrow(/intervalMs/);
  });
});
