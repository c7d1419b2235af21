import { join } from 'node:path';
import { waitFor } from '../support/wait';
import {
  describeDrill,
  drillDir,
  readMessageLog,
  readRecord,
  recorderPlugin,
  removeDir,
  resultsOf,
  summary,
  writePlugin,
} from './support/drill';
import { countBy, duplicates, idSource, postCallback } from './support/load';
import { exitWithin, ServiceProcess, Settings } from './support/service';

const HANDLER_MS = 1500;

/**
 * Drill 6: SIGTERM while a slow plugin handles messages. The service drains — the handlers in flight finish and
 * their results are saved — and exits with code 0; the restarted service handles the rest and repeats nothing.
 */
describeDrill('fault drill: SIGTERM with work in flight', [], () => {
  const dir = drillDir('sigterm');
  const record = join(dir, 'handled.txt');
  const started: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    removeDir(dir);
  });

  it('drains the handlers in flight, exits 0, and the next start repeats none of them', async () => {
    writePlugin(join(dir, 'plugins'), 'Slow', recorderPlugin(record, { delayMs: HANDLER_MS, recordEnd: true }));
    const settings: Settings = {
      queue: { queue_type: 'simple', concurrency: 4, backoff: '100ms' },
      plugins: { enabled_plugins: ['Slow'], handler_timeout: '10s' },
    };
    const first = await ServiceProcess.start('first', dir, settings);
    started.push(first);
    const token = await first.login();
    const robot = await first.createRobot(token, 'wx_fault_sigterm');
    const target = { url: first.url, key: robot.key, appId: robot.appId };

    const nextId = idSource(6);
    const posted = await Promise.all(Array.from({ length: 12 }, () => postCallback(target, nextId())));
    await waitFor(() => readRecord(record).started.length >= 4, 60_000, 'four handlers running');
    const t0 = Date.now();
    first.kill('SIGTERM');
    // a guard against a hang, not a speed limit: the drain is proven below by what finished and what did not
    const exit = await exitWithin(first, 120_000);
    const exitMs = Date.now() - t0;
    const atExit = readRecord(record);
    const logAtExit = await readMessageLog({ sqlite: join(dir, 'opengewe.db') });
    const inFlight = atExit.started;

    const second = await ServiceProcess.start('second', dir, settings);
    started.push(second);
    const ids = posted.map((p) => p.id);
    const log = await waitFor(
      async () => {
        const l = await readMessageLog({ sqlite: join(dir, 'opengewe.db') });
        return ids.every((i) => resultsOf(l.get(i)) !== null) ? l : null;
      },
      120_000,
      'every callback handled after the restart',
    );
    const handled = readRecord(record);

    summary(
      `SIGTERM: ${inFlight.length} handlers in flight finished ${atExit.ended.length}, exit ${JSON.stringify(exit)} after ${exitMs} ms ` +
        `(handlers take ${HANDLER_MS} ms); results saved ${inFlight.filter((i) => resultsOf(logAtExit.get(i))?.[0]?.status === 'ok').length}; ` +
        `after the restart ${ids.filter((i) => log.has(i)).length}/${ids.length} handled, plugin calls ${handled.started.length} ` +
        `(repeats ${duplicates(handled.started).length})`,
    );
    expect(countBy(posted, (p) => p.status)).toEqual({ 200: 12 });
    // a clean exit, once the handlers in flight finished: none of the waiting callbacks was started meanwhile
    expect(exit).toEqual({ code: 0, signal: null });
    expect(inFlight.length).toBeGreaterThanOrEqual(4);
    expect(inFlight.length).toBeLessThan(12);
    // the handlers in flight finished, and their results were saved before the exit
    expect([...atExit.ended].sort()).toEqual([...inFlight].sort());
    for (const i of inFlight)
      expect(resultsOf(logAtExit.get(i))).toEqual([expect.objectContaining({ plugin: 'Slow', status: 'ok' })]);
    // the rest waited for the next start; nothing was handed to the plugin twice
    expect(duplicates(handled.started)).toEqual([]);
    expect([...handled.started].sort()).toEqual([...ids].sort());
    expect(ids.every((i) => resultsOf(log.get(i))![0].status === 'ok')).toBe(true);
  }, 600_000);
});
