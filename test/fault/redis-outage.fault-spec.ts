import { join } from 'node:path';
import { waitFor } from '../support/wait';
import {
  cleanRedis,
  describeDrill,
  drillDir,
  readMessageLog,
  readRecord,
  recorderPlugin,
  redisPrefix,
  REDIS,
  removeDir,
  resultsOf,
  summary,
  writePlugin,
} from './support/drill';
import { countBy, duplicates, idSource, LiveLoad, percentile, postCallback, Posted } from './support/load';
import { ServiceProcess } from './support/service';
import { TcpProxy } from './support/tcp-proxy';

/**
 * Drill 2: Redis goes away under load (advanced queue, the service reaches Redis through a proxy that is cut, then
 * restored). The webhook answers 503 at once instead of a false 200, and the service recovers by itself.
 */
describeDrill('fault drill: Redis goes away', ['redis'], () => {
  const dir = drillDir('redis');
  const prefix = redisPrefix('redis');
  const record = join(dir, 'handled.txt');
  const proxy = new TcpProxy(REDIS);
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    proxy.stop();
    await cleanRedis(prefix);
    removeDir(dir);
  });

  it('answers 503 while Redis is away, then recovers without a restart and loses nothing accepted', async () => {
    const port = await proxy.start();
    writePlugin(join(dir, 'plugins'), 'Recorder', recorderPlugin(record));
    service = await ServiceProcess.start('service', dir, {
      backend: { enable_redis: true },
      redis: { host: '127.0.0.1', port, prefix },
      queue: {
        queue_type: 'advanced',
        broker: `redis://127.0.0.1:${port}/0`,
        concurrency: 8,
        attempts: 10,
        backoff: '100ms',
        lock_duration: '3s',
        stalled_interval: '500ms',
      },
      plugins: { enabled_plugins: ['Recorder'] },
    });
    const token = await service.login();
    const robot = await service.createRobot(token, 'wx_fault_redis');
    const target = { url: service.url, key: robot.key, appId: robot.appId };

    // Phases move on what the drill has seen, not on a clock (a busy machine stretches every timer): 30 callbacks
    // accepted, then Redis cut until 100 callbacks sent during the outage were answered, then restored until the
    // service has taken 20 callbacks in a row again.
    const load = new LiveLoad(target, { rate: 120, nextId: idSource(2) });
    await waitFor(() => load.answered.filter((p) => p.status === 200).length >= 30, 120_000, '30 accepted callbacks');
    const answeredBeforeCut = new Set(load.answered.map((p) => p.id));
    const cutAt = load.now();
    proxy.cut();
    const inside = (p: Posted) => p.at >= cutAt + 200;
    await waitFor(() => load.answered.filter(inside).length >= 100, 120_000, '100 answers during the outage');
    const answeredBeforeRestore = new Set(load.answered.map((p) => p.id));
    const restoreAt = load.now();
    await proxy.restore();
    await waitFor(
      () => {
        const since = load.answered.filter((p) => p.at >= restoreAt);
        return since.length >= 20 && since.slice(-20).every((p) => p.status === 200);
      },
      120_000,
      '20 callbacks in a row accepted after Redis returned',
    );
    const posted = await load.stop();

    // answered before the cut
    const before = posted.filter((p) => answeredBeforeCut.has(p.id));
    // sent inside the outage (after the requests in flight at the cut) and answered before it ended: each a clear
    // error, not a hang
    const during = posted.filter((p) => inside(p) && answeredBeforeRestore.has(p.id));
    const after = posted.filter((p) => p.at >= restoreAt).sort((a, b) => a.at - b.at);
    const firstOkAfter = after.find((p) => p.status === 200);
    const recoveryMs = firstOkAfter ? firstOkAfter.at - restoreAt : Infinity;
    const refused = posted.filter((p) => p.status !== 200);

    // Gewe sends again what was not answered 200
    const resent: Posted[] = [];
    for (const p of refused) resent.push(await postCallback(target, p.id));
    const accepted = [...posted, ...resent].filter((p) => p.status === 200).map((p) => p.id);
    const log = await waitFor(
      async () => {
        const l = await readMessageLog({ sqlite: join(dir, 'opengewe.db') });
        return accepted.every((id) => resultsOf(l.get(id)) !== null) ? l : null;
      },
      120_000,
      'every accepted callback logged and handled',
    );
    await service.waitQueueIdle(token);
    const handled = readRecord(record);
    const unique = [...new Set(posted.map((p) => p.id))];
    const health = await service.api('GET', '/api/health');
    const maxDuringMs = Math.max(0, ...during.map((p) => p.ms));

    summary(
      `Redis away ${restoreAt - cutAt} ms: posted ${posted.length} (${JSON.stringify(countBy(posted, (p) => p.status))}); ` +
        `while away ${during.length} answered 503 in p50 ${percentile(
          during.map((p) => p.ms),
          50,
        )} / max ${maxDuringMs} ms; 200 again ${recoveryMs} ms after Redis returned; ${refused.length} resent → ` +
        `${resent.filter((p) => p.status === 200).length} accepted; logged ${unique.filter((id) => log.has(id)).length}/` +
        `${unique.length}, handled once each ${new Set(handled.started).size} (repeats ${duplicates(handled.started).length})`,
    );
    expect(before.length).toBeGreaterThan(20);
    expect(before.every((p) => p.status === 200)).toBe(true);
    expect(during.length).toBeGreaterThanOrEqual(100);
    // no false 200 while Redis is away: a clear 503 with the one error body, never a hang
    for (const p of during) {
      expect(p.status).toBe(503);
      expect(JSON.parse(p.body)).toMatchObject({
        statusCode: 503,
        code: 'QUEUE_UNAVAILABLE',
        error: 'Service Unavailable',
      });
    }
    // recovers by itself: the last phase waited for 20 accepted in a row. The queue's Redis connections come back one
    // by one (later on a busy machine), so a few 503s may follow the first 200 — each a refusal Gewe retries, never
    // a false 200 or a hang
    expect(firstOkAfter).toBeDefined();
    expect(after.filter((p) => p.status !== 200 && p.status !== 503)).toEqual([]);
    expect(resent.every((p) => p.status === 200)).toBe(true);
    // every 200 is in the log, handled exactly once
    expect(accepted.filter((id) => !log.has(id))).toEqual([]);
    expect(unique.filter((id) => !log.has(id))).toEqual([]);
    expect(duplicates(handled.started)).toEqual([]);
    expect(health.status).toBe(200);
    expect(service.alive).toBe(true);
  }, 600_000);
});
