import { TablePump, TablePumpOptions } from './table-pump';

/** A promise the test settles by hand. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** Lets the promise callbacks queued so far run (no real time passes). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const logger = { error: jest.fn(), warn: jest.fn() };

/** A fake table: `due` keys wait; a fill takes up to `free` of them and runs each as a job the test finishes by hand. */
function fakeTable(concurrency: number, extra: Partial<TablePumpOptions<number>> = {}) {
  const due: number[] = [];
  const jobs = new Map<number, () => void>();
  let running = 0;
  let maxRunning = 0;
  let fills = 0;
  let fillGate: Promise<void> | undefined;
  const pump = new TablePump<number>({
    name: 'test pump',
    intervalMs: 1000,
    concurrency,
    logger,
    ...extra,
    fill: async (free, p) => {
      fills++;
      if (fillGate) await fillGate;
      const take = due.splice(0, free);
      for (const key of take)
        p.launch(key, () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          const d = deferred();
          jobs.set(key, d.resolve);
          return d.promise.then(() => {
            running--;
            jobs.delete(key);
          });
        });
      return take.length > 0;
    },
  });
  return {
    pump,
    due,
    jobs,
    finish: (key: number) => jobs.get(key)!(),
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
    get fills() {
      return fills;
    },
    gate(g: Promise<void> | undefined) {
      fillGate = g;
    },
  };
}

describe('TablePump', () => {
  let pumps: TablePump<number>[];
  let tables: ReturnType<typeof fakeTable>[];
  beforeEach(() => {
    pumps = [];
    tables = [];
    jest.useFakeTimers();
  });
  afterEach(async () => {
    const closing = Promise.all(pumps.map((p) => p.close()));
    for (const t of tables) for (const finish of t.jobs.values()) finish();
    await closing;
    jest.useRealTimers();
  });
  const make = (concurrency: number, extra?: Partial<TablePumpOptions<number>>) => {
    const t = fakeTable(concurrency, extra);
    pumps.push(t.pump);
    tables.push(t);
    return t;
  };

  it('does nothing before start()', async () => {
    const t = make(2);
    t.due.push(1);
    t.pump.wake();
    await settle();
    expect(t.fills).toBe(0);
    expect(t.pump.consuming).toBe(false);
  });

  it('never runs more than `concurrency` jobs, and fills freed slots as jobs end', async () => {
    const t = make(3);
    t.due.push(1, 2, 3, 4, 5, 6, 7);
    t.pump.start();
    await settle();
    expect([...t.jobs.keys()]).toEqual([1, 2, 3]);
    expect(t.pump.active).toBe(3);
    expect(t.pump.running(2)).toBe(true);
    t.pump.wake(); // a wake with every slot taken starts nothing
    await settle();
    expect(t.running).toBe(3);
    t.finish(2);
    await settle();
    expect(t.pump.running(2)).toBe(false);
    expect([...t.jobs.keys()].sort()).toEqual([1, 3, 4]);
    t.finish(1);
    t.finish(3);
    await settle();
    expect([...t.jobs.keys()].sort()).toEqual([4, 5, 6]);
    for (const k of [4, 5, 6]) t.finish(k);
    await settle();
    t.finish(7);
    await settle();
    expect(t.running).toBe(0);
    expect(t.due).toEqual([]);
    expect(t.maxRunning).toBe(3);
  });

  it('a wake during a pump makes exactly one more pump follow it', async () => {
    const t = make(10);
    const gate = deferred();
    t.gate(gate.promise);
    t.pump.start(); // the first pump waits in its fill
    await settle();
    expect(t.fills).toBe(1);
    t.due.push(1);
    t.pump.wake();
    t.pump.wake();
    t.pump.wake();
    await settle();
    expect(t.fills).toBe(1); // no second pump while one runs
    t.gate(undefined);
    gate.resolve();
    await settle();
    // pump 1 takes row 1 and fills again (nothing); the wakes it missed give one more pump (one fill, nothing)
    expect(t.fills).toBe(3);
    expect([...t.jobs.keys()]).toEqual([1]);
  });

  it('the poll wakes the pump every interval (after onPoll)', async () => {
    const order: string[] = [];
    const t = make(2, { onPoll: () => order.push('poll') });
    t.pump.start();
    await settle();
    expect(t.fills).toBe(1);
    t.due.push(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(order).toEqual(['poll']);
    expect([...t.jobs.keys()]).toEqual([1]);
  });

  it('runs prepare at the start of each pump, and reports a failed pump without stopping', async () => {
    const prepare = jest.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(undefined);
    const onError = jest.fn();
    const t = make(2, { prepare, onError });
    t.pump.start();
    await settle();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'boom' }));
    expect(t.fills).toBe(0);
    t.due.push(1);
    t.pump.wake();
    await settle();
    expect(prepare).toHaveBeenCalledTimes(2);
    expect([...t.jobs.keys()]).toEqual([1]);
  });

  it('close() waits for the jobs in flight, runs its hook after the poll stopped, and starts nothing new', async () => {
    const t = make(2);
    t.due.push(1, 2, 3);
    t.pump.start();
    await settle();
    expect([...t.jobs.keys()]).toEqual([1, 2]);
    const hook = jest.fn();
    let closed = false;
    const closing = t.pump.close(hook).then(() => (closed = true));
    await settle();
    expect(t.pump.closed).toBe(true);
    expect(hook).toHaveBeenCalledTimes(1);
    expect(closed).toBe(false);
    t.finish(1);
    await settle();
    expect(closed).toBe(false);
    expect([...t.jobs.keys()]).toEqual([2]); // the slot freed is not filled
    t.pump.wake();
    await jest.advanceTimersByTimeAsync(5000); // nor by a wake or the poll
    expect([...t.jobs.keys()]).toEqual([2]);
    t.finish(2);
    await closing;
    expect(closed).toBe(true);
    expect(t.due).toEqual([3]);
    const fills = t.fills;
    t.pump.wake();
    await settle();
    expect(t.fills).toBe(fills);
  });

  it('a close() during a pump ends that pump after its fill (no further fill)', async () => {
    const t = make(5);
    const gate = deferred();
    t.gate(gate.promise);
    t.due.push(1, 2);
    t.pump.start();
    await settle();
    expect(t.fills).toBe(1);
    const closing = t.pump.close();
    gate.resolve();
    await settle();
    expect(t.fills).toBe(1);
    for (const finish of t.jobs.values()) finish();
    await closing;
  });

  it('a job that rejects is logged, leaves the in-flight map and frees its slot', async () => {
    const pump = new TablePump<number>({
      name: 'test pump',
      intervalMs: 1000,
      concurrency: 1,
      logger,
      fill: (_free, p) => {
        if (p.running(1) || started) return Promise.resolve(false);
        started = true;
        p.launch(1, () => Promise.reject(new Error('job broke')));
        return Promise.resolve(true);
      },
    });
    let started = false;
    pumps.push(pump);
    pump.start();
    await settle();
    expect(pump.active).toBe(0);
    expect(logger.warn).toHaveBeenCalledWith({ error: 'job broke' }, 'test pump: a job failed');
  });
});
