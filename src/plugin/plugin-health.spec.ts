import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { EventBus } from '../live-events/event-bus';
import { MetricsService } from '../metrics/metrics.service';
import { PluginHealth } from './plugin-health';
import type { PluginSettingsStore } from './plugin-settings.store';
import type { HandlerOutcome } from './plugin.dispatcher';

describe('PluginHealth', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const from = { robotId: 1, messageId: 7, requestId: 'req-1' };
  const ok = (over: Partial<HandlerOutcome> = {}): HandlerOutcome => ({
    plugin: 'P',
    handler: 'h',
    status: 'ok',
    durationMs: 10,
    ...over,
  });
  const failed = (over: Partial<HandlerOutcome> = {}) => ok({ status: 'error', error: 'boom', ...over });

  function make(max = 3) {
    const setEnabled = jest.fn((_name: string, _on: boolean, _reason?: string) => Promise.resolve());
    const published: { type: string; payload: { kind: string; handler: string; reason: string } }[] = [];
    const events = {
      publish: (type: string, payload: { kind: string; handler: string; reason: string }) =>
        published.push({ type, payload }),
    } as unknown as EventBus;
    const metrics = new MetricsService('test');
    const config = { plugins: { max_consecutive_failures: max } } as AppConfig;
    const health = new PluginHealth(config, { setEnabled } as unknown as PluginSettingsStore, metrics, events);
    return { health, setEnabled, published, metrics };
  }

  it('keeps calls, failures, timeouts, the average duration and the last error of a plugin', async () => {
    const { health } = make(100);
    await health.record(ok({ durationMs: 10 }), from);
    await health.record(failed({ durationMs: 20, error: 'first' }), from);
    await health.record(ok({ status: 'timeout', durationMs: 30, error: 'timed out' }), from);
    expect(health.statsOf('P')).toEqual({ calls: 3, failures: 1, timeouts: 1, avgMs: 20, lastError: 'timed out' });
    expect(health.statsOf('Other')).toEqual({ calls: 0, failures: 0, timeouts: 0, avgMs: 0, lastError: null });
  });

  it('disables a plugin at max_consecutive_failures in a row, with the reason, and a success resets the run', async () => {
    const { health, setEnabled, published } = make(3);
    expect(await health.record(failed(), from)).toBe(false);
    expect(await health.record(failed(), from)).toBe(false);
    expect(await health.record(ok(), from)).toBe(false);
    expect(await health.record(failed(), from)).toBe(false);
    expect(await health.record(failed(), from)).toBe(false);
    expect(setEnabled).not.toHaveBeenCalled();
    expect(await health.record(failed({ error: 'third' }), from)).toBe(true);
    expect(setEnabled).toHaveBeenCalledWith('P', false, 'disabled automatically after 3 consecutive failures: third');
    expect(published.map((p) => p.payload.kind)).toEqual(['error', 'error', 'error', 'error', 'error', 'disabled']);
  });

  it("counts deferred work's failures and timeouts in the same run as the handlers', but not as calls", async () => {
    const { health, setEnabled, published } = make(3);
    await health.record(failed(), from);
    await health.record(failed({ deferred: true, handler: 'h/answer', durationMs: 5000 }), from);
    expect(setEnabled).not.toHaveBeenCalled();
    expect(
      await health.record(ok({ deferred: true, status: 'timeout', handler: 'h/answer', error: 'late' }), from),
    ).toBe(true);
    expect(setEnabled).toHaveBeenCalledWith('P', false, 'disabled automatically after 3 consecutive failures: late');
    expect(health.statsOf('P')).toMatchObject({ calls: 1, failures: 2, timeouts: 1, avgMs: 10, lastError: 'late' });
    expect(published[1].payload).toMatchObject({ kind: 'error', handler: 'h/answer' });
  });

  it('a successful deferred run resets the run of failures like a handler success', async () => {
    const { health, setEnabled } = make(2);
    await health.record(failed(), from);
    await health.record(ok({ deferred: true }), from);
    expect(await health.record(failed(), from)).toBe(false);
    expect(setEnabled).not.toHaveBeenCalled();
  });

  it('records a failure from Gewe without counting it toward auto-disable', async () => {
    const { health, setEnabled } = make(1);
    expect(await health.record(failed({ gewe: true }), from)).toBe(false);
    expect(await health.record(failed({ gewe: true, deferred: true }), from)).toBe(false);
    expect(setEnabled).not.toHaveBeenCalled();
    expect(health.statsOf('P').failures).toBe(2);
  });

  it('forgets the run when the plugin is enabled again', async () => {
    const { health, setEnabled } = make(2);
    await health.record(failed(), from);
    health.resetFailures('P');
    expect(await health.record(failed(), from)).toBe(false);
    expect(setEnabled).not.toHaveBeenCalled();
  });

  it('counts only handler calls in the handler metrics', async () => {
    const { health, metrics } = make(100);
    await health.record(ok(), from);
    await health.record(ok({ deferred: true }), from);
    const text = await metrics.text();
    expect(text).toMatch(/opengewe_plugin_handler_calls_total\{[^}]*plugin="P"[^}]*result="ok"[^}]*\} 1\n/);
  });
});
