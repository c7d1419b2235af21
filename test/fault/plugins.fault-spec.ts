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
import { countBy, duplicates, idSource, steadyLoad } from './support/load';
import { ServiceProcess } from './support/service';

/** Throws on every message, synchronously or from a rejected promise. */
const THROWER = `'use strict';
let n = 0;
module.exports = { handlers: [{ name: 'throw', on: 'any', priority: 10, handle() {
  if (n++ % 2) throw new Error('thrower fails synchronously');
  return Promise.reject(new Error('thrower fails asynchronously'));
} }] };
`;

/**
 * Never answers in time: half its calls never settle, the others fail long after handler_timeout (long: timers of
 * different durations fire list by list, so after an event-loop stall a short margin could let the failure win).
 */
const HANGER = `'use strict';
let n = 0;
module.exports = { handlers: [{ name: 'hang', on: 'any', priority: 20, handle() {
  if (n++ % 2) return new Promise(() => {});
  return new Promise((_, reject) => setTimeout(() => reject(new Error('hanger fails after its timeout')), 2000));
} }] };
`;

/** Returns at once, leaving work behind: rejections nobody handles, a store write nobody awaits, a failing task. */
const LEAKER = `'use strict';
module.exports = { handlers: [{ name: 'leak', on: 'any', priority: 30, handle(ctx) {
  Promise.reject(new Error('leaked rejection'));
  setTimeout(() => { Promise.reject(new Error('leaked rejection from a timer')); }, 5);
  ctx.store.set('last', ctx.event.newMsgId);
  (async () => {
    await new Promise((r) => setTimeout(r, 20));
    throw new Error('background task of a finished handler failed');
  })();
} }] };
`;

/**
 * Drill 4: three misbehaving plugins run before a well-behaved one, under load. The well-behaved plugin handles every
 * message exactly once and the service survives (unhandled rejections from plugin code are logged, not fatal).
 */
describeDrill('fault drill: plugins misbehaving under load', [], () => {
  const dir = drillDir('plugins');
  const record = join(dir, 'handled.txt');
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    removeDir(dir);
  });

  it('keeps the well-behaved plugin handling every message, and the process alive', async () => {
    const plugins = join(dir, 'plugins');
    writePlugin(plugins, 'Thrower', THROWER);
    writePlugin(plugins, 'Hanger', HANGER);
    writePlugin(plugins, 'Leaker', LEAKER);
    writePlugin(plugins, 'Good', recorderPlugin(record, { priority: 90 }));
    service = await ServiceProcess.start('service', dir, {
      queue: { queue_type: 'simple', concurrency: 16, backoff: '100ms' },
      plugins: {
        enabled_plugins: ['Thrower', 'Hanger', 'Leaker', 'Good'],
        handler_timeout: '100ms',
        // they must keep misbehaving for the whole drill, not be switched off after 5 failures
        max_consecutive_failures: 1000,
      },
    });
    const token = await service.login();
    const robot = await service.createRobot(token, 'wx_fault_plugins');

    const posted = await steadyLoad(
      { url: service.url, key: robot.key, appId: robot.appId },
      { rate: 100, durationMs: 3000, nextId: idSource(4) },
    );
    const accepted = posted.filter((p) => p.status === 200).map((p) => p.id);
    const log = await waitFor(
      async () => {
        if (!service!.alive)
          throw new Error(`the service died: ${JSON.stringify(service!.exit)}\n${service!.output()}`);
        const l = await readMessageLog({ sqlite: join(dir, 'opengewe.db') });
        return accepted.every((id) => resultsOf(l.get(id)) !== null) ? l : null;
      },
      120_000,
      'every accepted callback handled',
    );
    // the hangers' late failures land after their 2 s; wait for them rather than for a duration
    const unhandledLines = () => service!.logLines().filter((l) => l.msg === 'Unhandled promise rejection (ignored)');
    const lateLines = () => service!.logLines().filter((l) => l.msg === 'Abandoned handler failed after its timeout');
    await waitFor(
      () =>
        unhandledLines().length >= accepted.length * 3 && lateLines().length >= Math.floor(accepted.length / 2) - 20,
      120_000,
      'the leaked rejections and the hangers’ late failures logged',
    );
    const handled = readRecord(record);
    const outcome = (id: string) =>
      resultsOf(log.get(id))!
        .map((r) => `${r.plugin}:${r.status}`)
        .join(' ');
    const outcomes = countBy(accepted, outcome);
    const health = await service.api('GET', '/api/health');
    const unhandled = unhandledLines().length;
    const late = lateLines().length;
    const listed = (await service.api<{ items: { name: string; enabled: boolean }[] }>('GET', '/api/plugins', token))
      .body.items;

    summary(
      `misbehaving plugins: posted ${posted.length}, accepted ${accepted.length}, logged ${accepted.filter((id) => log.has(id)).length}, ` +
        `good plugin handled ${new Set(handled.started).size} (repeats ${duplicates(handled.started).length}); ` +
        `outcomes ${JSON.stringify(outcomes)}; ${unhandled} unhandled rejections and ${late} late failures logged; ` +
        `process ${service.alive ? 'alive' : `dead ${JSON.stringify(service.exit)}`}`,
    );
    expect(service.alive).toBe(true);
    expect(health.status).toBe(200);
    expect(countBy(posted, (p) => p.status)).toEqual({ 200: posted.length });
    expect(accepted.filter((id) => !log.has(id))).toEqual([]);
    // the well-behaved plugin saw every message, once
    expect(duplicates(handled.started)).toEqual([]);
    expect(new Set(handled.started).size).toBe(accepted.length);
    // each message: the thrower's error, the hanger's timeout, the leaker and the good plugin ok
    const expected = 'Thrower:error Hanger:timeout Leaker:ok Good:ok';
    expect(accepted.filter((id) => outcome(id) !== expected).map((id) => log.get(id)!.results)).toEqual([]);
    // the leaks were logged, not fatal; nobody was switched off
    expect(unhandled).toBeGreaterThanOrEqual(accepted.length * 3);
    expect(late).toBeGreaterThanOrEqual(Math.floor(accepted.length / 2) - 20);
    expect(listed.map((p) => [p.name, p.enabled])).toEqual([
      ['Good', true],
      ['Hanger', true],
      ['Leaker', true],
      ['Thrower', true],
    ]);
  }, 600_000);
});
