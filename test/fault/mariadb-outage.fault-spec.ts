import { join } from 'node:path';
import { sleep, waitFor } from '../support/wait';
import {
  createMysqlDatabase,
  describeDrill,
  drillDir,
  MYSQL,
  readMessageLog,
  readRecord,
  recorderPlugin,
  removeDir,
  resultsOf,
  summary,
  writePlugin,
} from './support/drill';
import { countBy, duplicates, idSource, LiveLoad, percentile, postCallback, Posted } from './support/load';
import { ServiceProcess } from './support/service';
import { TcpProxy } from './support/tcp-proxy';

interface Probe {
  status: number;
  at: number;
  ms: number;
  body: Record<string, unknown>;
}

/**
 * Drill 3: MariaDB goes away under load (simple queue: the database is the inbox too; the service reaches MariaDB
 * through a proxy that is cut, then restored). Callbacks and the health check get clear 5xx errors, and the service
 * recovers by itself.
 */
describeDrill('fault drill: MariaDB goes away', ['mysql'], () => {
  const dir = drillDir('mariadb');
  const record = join(dir, 'handled.txt');
  const proxy = new TcpProxy({ host: MYSQL.host, port: MYSQL.port });
  let db: Awaited<ReturnType<typeof createMysqlDatabase>> | undefined;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    proxy.stop();
    await db?.drop();
    removeDir(dir);
  });

  it('answers clear 5xx errors and health 503 while MariaDB is away, then recovers without a restart', async () => {
    db = await createMysqlDatabase('mariadb');
    const port = await proxy.start();
    writePlugin(join(dir, 'plugins'), 'Recorder', recorderPlugin(record));
    service = await ServiceProcess.start('service', dir, {
      database: {
        type: 'mysql',
        mysql_host: '127.0.0.1',
        mysql_port: port,
        mysql_user: MYSQL.user,
        mysql_password: MYSQL.password,
        mysql_database: db.database,
      },
      queue: { queue_type: 'simple', concurrency: 8, attempts: 10, backoff: '100ms' },
      plugins: { enabled_plugins: ['Recorder'] },
    });
    const token = await service.login();
    const robot = await service.createRobot(token, 'wx_fault_mariadb');
    const target = { url: service.url, key: robot.key, appId: robot.appId };

    // Phases move on what the drill has seen, not on a clock (a busy machine stretches every timer): 30 callbacks
    // accepted, then MariaDB cut until 100 callbacks, 4 health checks and 4 API calls sent during the outage were
    // answered, then restored until the service has taken 20 callbacks in a row and health and the API answer 200.
    const load = new LiveLoad(target, { rate: 120, nextId: idSource(3) });
    // meanwhile: the health check, and an API call of a logged-in user (`at` on the load's clock)
    const health: Probe[] = [];
    const api: Probe[] = [];
    let probing = true;
    const probe = async (into: Probe[], path: string, bearer?: string) => {
      while (probing) {
        const at = load.now();
        const r = await service!
          .api<Record<string, unknown>>('GET', path, bearer)
          .catch(() => ({ status: 0, body: {} }));
        into.push({ status: r.status, at, ms: load.now() - at, body: r.body });
        await sleep(100);
      }
    };
    const probes = Promise.all([probe(health, '/api/health'), probe(api, '/api/robots', token)]);
    await waitFor(() => load.answered.filter((p) => p.status === 200).length >= 30, 120_000, '30 accepted callbacks');
    const answeredBeforeCut = new Set(load.answered.map((p) => p.id));
    const cutAt = load.now();
    proxy.cut();
    const inside = (p: { at: number }) => p.at >= cutAt + 200;
    await waitFor(
      () =>
        load.answered.filter(inside).length >= 100 &&
        health.filter(inside).length >= 4 &&
        api.filter(inside).length >= 4,
      120_000,
      '100 callbacks, 4 health checks and 4 API calls answered during the outage',
    );
    const answeredBeforeRestore = new Set(load.answered.map((p) => p.id));
    const probesBeforeRestore = { health: health.length, api: api.length };
    const restoreAt = load.now();
    await proxy.restore();
    await waitFor(
      () => {
        const since = load.answered.filter((p) => p.at >= restoreAt);
        return (
          since.length >= 20 &&
          since.slice(-20).every((p) => p.status === 200) &&
          health.some((h) => h.at >= restoreAt && h.status === 200) &&
          api.some((h) => h.at >= restoreAt && h.status === 200)
        );
      },
      120_000,
      '20 callbacks in a row accepted, health and the API 200 again after MariaDB returned',
    );
    const posted = await load.stop();
    probing = false;
    await probes;

    // answered before the cut
    const before = posted.filter((p) => answeredBeforeCut.has(p.id));
    // sent inside the outage (after the requests in flight at the cut) and answered before it ended: each a clear
    // error, not a hang
    const during = posted.filter((p) => inside(p) && answeredBeforeRestore.has(p.id));
    const after = posted.filter((p) => p.at >= restoreAt).sort((a, b) => a.at - b.at);
    const firstOkAfter = after.find((p) => p.status === 200);
    const recoveryMs = firstOkAfter ? firstOkAfter.at - restoreAt : Infinity;
    const healthDuring = health.slice(0, probesBeforeRestore.health).filter(inside);
    const apiDuring = api.slice(0, probesBeforeRestore.api).filter(inside);
    const healthyAgain = health.find((h) => h.at >= restoreAt && h.status === 200);
    const apiAgain = api.find((h) => h.at >= restoreAt && h.status === 200);
    const refused = posted.filter((p) => p.status !== 200);

    const resent: Posted[] = [];
    for (const p of refused) resent.push(await postCallback(target, p.id));
    const accepted = [...posted, ...resent].filter((p) => p.status === 200).map((p) => p.id);
    const log = await waitFor(
      async () => {
        const l = await readMessageLog({ mysql: db!.database });
        return accepted.every((id) => resultsOf(l.get(id)) !== null) ? l : null;
      },
      120_000,
      'every accepted callback logged and handled',
    );
    await service.waitQueueIdle(token);
    const handled = readRecord(record);
    const unique = [...new Set(posted.map((p) => p.id))];
    const codes = countBy(during, (p) => `${p.status} ${(JSON.parse(p.body) as { code?: string }).code ?? ''}`.trim());

    summary(
      `MariaDB away ${restoreAt - cutAt} ms: posted ${posted.length} (${JSON.stringify(countBy(posted, (p) => p.status))}); ` +
        `while away ${during.length} answered ${JSON.stringify(codes)} in p50 ${percentile(
          during.map((p) => p.ms),
          50,
        )} / max ${Math.max(0, ...during.map((p) => p.ms))} ms, health ${JSON.stringify(
          countBy(healthDuring, (h) => h.status),
        )}, API ${JSON.stringify(countBy(apiDuring, (h) => `${h.status} ${String(h.body.code)}`))}; 200 again ${recoveryMs} ms and health 200 ${healthyAgain ? healthyAgain.at - restoreAt : '∞'} ms after ` +
        `it returned; ${refused.length} resent → ${resent.filter((p) => p.status === 200).length} accepted; ` +
        `logged ${unique.filter((id) => log.has(id)).length}/${unique.length}, handled once each ` +
        `${new Set(handled.started).size} (repeats ${duplicates(handled.started).length})`,
    );
    expect(before.length).toBeGreaterThan(20);
    expect(before.every((p) => p.status === 200)).toBe(true);
    expect(during.length).toBeGreaterThanOrEqual(100);
    // the webhook: 503 as when a callback cannot be stored (Gewe sends it again), with the one error body, no hang
    for (const p of during) {
      expect(p.status).toBe(503);
      expect(JSON.parse(p.body)).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The callback could not be stored; Gewe should send it again',
        code: 'QUEUE_UNAVAILABLE',
        params: {},
        requestId: expect.any(String),
      });
    }
    // health says so; the API answers a 5xx with the one error body
    expect(healthDuring.length).toBeGreaterThanOrEqual(4);
    for (const h of healthDuring) {
      expect(h).toMatchObject({ status: 503, body: { status: 'error', database: 'down' } });
    }
    expect(apiDuring.length).toBeGreaterThanOrEqual(4);
    for (const h of apiDuring) {
      // a server error, not "your token is invalid" (the session could not be checked)
      expect(h.status).toBeGreaterThanOrEqual(500);
      expect(Object.keys(h.body).sort()).toEqual(['code', 'error', 'message', 'params', 'requestId', 'statusCode']);
    }
    expect(healthyAgain).toBeDefined();
    expect(apiAgain).toBeDefined();
    // Connections the pool opened before the outage can fail once when first reused, so a few 503s may follow the
    // first 200; the last phase waited for 20 in a row (each 503 is a refusal Gewe retries, never a false 200).
    expect(after.filter((p) => p.status !== 200 && p.status !== 503)).toEqual([]);
    expect(resent.every((p) => p.status === 200)).toBe(true);
    expect(unique.filter((id) => !log.has(id))).toEqual([]);
    // and each reached the plugin exactly once: a database failure before the handlers ran is retried, not
    // written off as an interrupted dispatch
    expect(duplicates(handled.started)).toEqual([]);
    const seen = new Set(handled.started);
    expect(unique.filter((id) => !seen.has(id)).map((id) => log.get(id))).toEqual([]);
    expect(service.alive).toBe(true);
  }, 600_000);
});
