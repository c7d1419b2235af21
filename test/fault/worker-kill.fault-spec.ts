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
import { countBy, duplicates, idSource, steadyLoad } from './support/load';
import { ServiceProcess, Settings } from './support/service';

/**
 * Drill 1: a worker is killed with SIGKILL while it processes a steady load; a new worker takes over. Nothing accepted
 * is lost, and no plugin handles a message twice (a dispatch the kill interrupted is logged as `interrupted`).
 */
describeDrill('fault drill: kill -9 the worker mid-load', ['redis'], () => {
  const dir = drillDir('worker-kill');
  const prefix = redisPrefix('worker-kill');
  const record = join(dir, 'handled.txt');
  const started: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await cleanRedis(prefix);
    removeDir(dir);
  });

  it('loses nothing and dispatches nothing twice', async () => {
    writePlugin(join(dir, 'plugins'), 'Recorder', recorderPlugin(record, { delayMs: 40 }));
    const shared: Settings = {
      backend: { enable_redis: true },
      redis: { host: REDIS.host, port: REDIS.port, prefix },
      queue: {
        queue_type: 'advanced',
        broker: `redis://${REDIS.host}:${REDIS.port}/0`,
        concurrency: 8,
        backoff: '100ms',
        attempts: 10,
        // the default 30 s + 30 s would make the new worker wait up to a minute for the dead one's jobs; 3 s was too
        // short on a loaded CI machine (a busy worker missed its lock renewals and BullMQ failed the jobs as stalled)
        lock_duration: '8s',
        stalled_interval: '500ms',
      },
      plugins: { enabled_plugins: ['Recorder'] },
    };
    const role = (r: string): Settings => ({ ...shared, backend: { ...shared.backend, role: r } });
    const webhook = await ServiceProcess.start('webhook', dir, role('webhook'));
    started.push(webhook);
    const token = await webhook.login();
    const robot = await webhook.createRobot(token, 'wx_fault_kill');
    const worker1 = await ServiceProcess.start('worker1', dir, role('worker'));
    started.push(worker1);

    const load = steadyLoad(
      { url: webhook.url, key: robot.key, appId: robot.appId },
      { rate: 150, durationMs: 4000, minCount: 300, nextId: idSource(1) },
    );
    // mid-load: the worker has handlers running when it dies
    await waitFor(() => readRecord(record).started.length >= 150, 120_000, 'the first worker handling the load');
    worker1.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await worker1.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const atKill = readRecord(record).started.length;
    const worker2 = await ServiceProcess.start('worker2', dir, role('worker'));
    started.push(worker2);

    const posted = await load;
    const accepted = posted.filter((p) => p.status === 200).map((p) => p.id);
    let progress = '';
    const done = await waitFor(
      async () => {
        const log = await readMessageLog({ sqlite: join(dir, 'opengewe.db') });
        const pending = accepted.filter((id) => resultsOf(log.get(id)) === null);
        if (pending.length === 0) return log;
        const queue = await webhook.api('GET', '/api/queue', token).catch((e: Error) => ({ body: e.message }));
        progress = `${pending.length} of ${accepted.length} pending (e.g. ${pending.slice(0, 3).join(', ')}), queue ${JSON.stringify(queue.body)}`;
        return null;
      },
      // normally ~5 s after the kill; a guard against a hang, generous for a machine whose cores are busy
      120_000,
      'every accepted callback logged and handled',
    ).catch((e: Error) => {
      throw new Error(`${e.message}; ${progress}`);
    });
    const recoveredMs = Date.now() - killedAt;
    await webhook.waitQueueIdle(token); // nothing left that a late, wrongly repeated dispatch could come from
    const handled = readRecord(record);
    const outcomes = accepted.map((id) => resultsOf(done.get(id))!);
    const interrupted = outcomes.filter((r) => r.some((x) => x.status === 'interrupted')).length;
    const ok = outcomes.filter((r) => r.length === 1 && r[0].plugin === 'Recorder' && r[0].status === 'ok').length;
    const queue = await webhook.api<{ failed: number; waiting: number; active: number }>('GET', '/api/queue', token);

    summary(
      `kill -9 worker: posted ${posted.length}, accepted ${accepted.length}, logged ${accepted.filter((id) => done.has(id)).length}, ` +
        `handled by the plugin ${new Set(handled.started).size} (repeats ${duplicates(handled.started).length}), ` +
        `interrupted ${interrupted}, worker killed after ${atKill} handled, all done ${recoveredMs} ms after the kill`,
    );
    expect(countBy(posted, (p) => p.status)).toEqual({ 200: posted.length });
    expect(posted.length).toBeGreaterThanOrEqual(300);
    // nothing lost: every accepted callback is in the message log, with an outcome
    expect(accepted.filter((id) => !done.has(id))).toEqual([]);
    // nothing twice: no plugin saw a message more than once
    expect(duplicates(handled.started)).toEqual([]);
    expect(handled.started.every((id) => done.has(id))).toBe(true);
    // each message was handled (ok) or its dispatch was cut by the kill (interrupted, not repeated)
    expect(ok + interrupted).toBe(accepted.length);
    expect(interrupted).toBeGreaterThanOrEqual(1);
    expect(interrupted).toBeLessThanOrEqual(8); // at most the dead worker's concurrency
    const seen = new Set(handled.started);
    expect(accepted.filter((id) => resultsOf(done.get(id))![0].status === 'ok' && !seen.has(id))).toEqual([]);
    // both workers did part of the work, and the queue is empty with no dead letters
    expect(handled.pids).toEqual(new Set([String(worker1.pid), String(worker2.pid)]));
    expect(queue.body).toMatchObject({ failed: 0, waiting: 0, active: 0 });
    expect(webhook.alive && worker2.alive).toBe(true);
  }, 600_000);
});
