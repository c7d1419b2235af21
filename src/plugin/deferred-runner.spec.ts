import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { DeferredRunner, DeferredTask } from './deferred-runner';
import { PluginHealth } from './plugin-health';
import { PluginPorts } from './plugin-ports';
import type { PluginSettingsStore } from './plugin-settings.store';
import type { HandlerOutcome } from './plugin.dispatcher';
import type { DeferredContext } from './plugin.types';

/** A promise the test settles. */
function control<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('DeferredRunner', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  function make(max = 5) {
    const config = { plugins: { deferred_timeout: 2000, max_consecutive_failures: max } } as AppConfig;
    const setEnabled = jest.fn((_name: string, _on: boolean, _reason?: string) => Promise.resolve());
    const metrics = new MetricsService('test');
    const health = new PluginHealth(config, { setEnabled } as unknown as PluginSettingsStore, metrics);
    const ports = new PluginPorts();
    const appended: { messageId: number; outcome: HandlerOutcome }[] = [];
    const appendedOne = control();
    ports.laterResults = {
      append: (messageId, outcome) => {
        appended.push({ messageId, outcome });
        appendedOne.resolve();
        return Promise.resolve();
      },
    };
    const runner = new DeferredRunner(config, ports, health, metrics);
    const inFlight = async () =>
      (await metrics.registry.getSingleMetric('opengewe_plugin_deferred_in_flight')!.get()).values.find(
        (v) => v.labels.plugin === 'P',
      )?.value ?? 0;
    return { runner, ports, appended, appendedOne, setEnabled, health, inFlight };
  }

  function task(work: DeferredTask['work'], over: Partial<DeferredTask> = {}): DeferredTask {
    const notes: Record<string, unknown>[] = [];
    const ctx = {
      note: (d: Record<string, unknown>) => notes.push(d),
      log: { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() },
    } as unknown as DeferredContext;
    return {
      plugin: 'P',
      handler: 'onText',
      name: 'answer',
      robotId: 1,
      messageId: 42,
      requestId: 'req-1',
      ctx,
      notes,
      work,
      ...over,
    };
  }

  it("adds the outcome, with the work's own notes, to the message's record when the work ends", async () => {
    const { runner, appended, appendedOne, inFlight } = make();
    const gate = control();
    runner.start(
      task(async (ctx) => {
        ctx.note({ model: 'm1', tokens: 12 });
        await gate.promise;
      }),
    );
    await flush();
    expect(runner.running).toBe(1);
    expect(await inFlight()).toBe(1);
    expect(appended).toEqual([]);
    gate.resolve();
    await appendedOne.promise;
    await runner.idle();
    expect(appended).toEqual([
      {
        messageId: 42,
        outcome: expect.objectContaining({
          plugin: 'P',
          handler: 'onText/answer',
          status: 'ok',
          deferred: true,
          notes: [{ model: 'm1', tokens: 12 }],
        }) as HandlerOutcome,
      },
    ]);
    expect(appended[0].outcome).not.toHaveProperty('error');
    expect(runner.running).toBe(0);
    expect(await inFlight()).toBe(0);
  });

  it('records a failure as an error outcome that counts toward auto-disable like a handler failure', async () => {
    const { runner, appended, setEnabled, health } = make(2);
    await health.record(
      { plugin: 'P', handler: 'onText', status: 'error', durationMs: 1, error: 'x' },
      {
        robotId: 1,
        messageId: 41,
        requestId: null,
      },
    );
    runner.start(task(() => Promise.reject(new Error('model refused'))));
    await runner.idle();
    expect(appended[0].outcome).toMatchObject({ status: 'error', error: 'model refused', deferred: true });
    expect(setEnabled).toHaveBeenCalledWith(
      'P',
      false,
      'disabled automatically after 2 consecutive failures: model refused',
    );
    expect(health.statsOf('P')).toMatchObject({ calls: 1, failures: 2 });
  });

  it('abandons work past [plugins].deferred_timeout with a timeout outcome', async () => {
    jest.useFakeTimers();
    const { runner, appended, appendedOne, health } = make();
    const never = control();
    runner.start(
      task(async (ctx) => {
        ctx.note({ step: 'asked' });
        await never.promise;
      }),
    );
    await jest.advanceTimersByTimeAsync(1999);
    expect(appended).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await appendedOne.promise;
    expect(appended[0].outcome).toMatchObject({
      status: 'timeout',
      error: 'timed out after 2000 ms',
      deferred: true,
      notes: [{ step: 'asked' }],
    });
    expect(health.statsOf('P').timeouts).toBe(1);
    expect(runner.running).toBe(0);
  });

  it('only logs the outcome of work of an event with no message log row, and survives a failing sink', async () => {
    const { runner, appended, ports } = make();
    runner.start(task(() => Promise.resolve(), { messageId: null }));
    await runner.idle();
    expect(appended).toEqual([]);
    ports.laterResults = { append: () => Promise.reject(new Error('database gone')) };
    runner.start(task(() => Promise.resolve()));
    await runner.idle();
    expect(runner.running).toBe(0);
  });

  it('waits at shutdown for the deferred work in flight, which still records its outcome', async () => {
    const { runner, appended } = make();
    const gate = control();
    runner.start(task(() => gate.promise));
    let destroyed = false;
    const destroy = runner.onModuleDestroy().then(() => (destroyed = true));
    await flush();
    expect(destroyed).toBe(false);
    gate.resolve();
    await destroy;
    expect(appended.map((a) => a.outcome.status)).toEqual(['ok']);
  });

  it('gives up waiting at shutdown after a few seconds and logs the work it abandoned', async () => {
    jest.useFakeTimers();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { runner, appended } = make();
    runner.drainMs = 1000; // below deferred_timeout: the work is still running
    runner.start(task(() => control().promise));
    let destroyed = false;
    const destroy = runner.onModuleDestroy().then(() => (destroyed = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(destroyed).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await destroy;
    expect(appended).toEqual([]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ abandoned: [expect.objectContaining({ handler: 'onText/answer', messageId: 42 })] }),
      'Deferred plugin work still running at shutdown abandoned',
    );
    warn.mockRestore();
  });

  it('returns at once at shutdown when nothing is running', async () => {
    const { runner } = make();
    await expect(runner.onModuleDestroy()).resolves.toBeUndefined();
  });
});
