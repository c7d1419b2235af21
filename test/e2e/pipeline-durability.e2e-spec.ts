import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config';
import { openDatabase } from '../../src/data-source';
import { RawSql } from '../../src/database/raw-sql';
import { InboxEntity } from '../../src/queue/inbox.entity';
import { InboxQueue } from '../../src/queue/inbox.queue';
import { textCallback } from '../support/samples';
import { cleanRedis, describeWithRedis, REDIS } from '../support/services';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };
const emptyPlugins = mkdtempSync(join(tmpdir(), 'og-noplugins-'));
afterAll(() => rmSync(emptyPlugins, { recursive: true, force: true }));

async function robotWithKey(t: App, appId: string) {
  const admin = (await login(t)).accessToken;
  const r = (
    await t
      .http()
      .post('/api/robots?verify=false')
      .set(bearer(admin))
      .send({ name: 'durable', baseUrl: 'http://127.0.0.1:1/v2/api', token: `tok-${appId}`, appId })
      .expect(201)
  ).body;
  return { admin, id: r.id as number, key: new URL(r.callbackUrl as string).searchParams.get('key')! };
}

const ids = (n: number, base: bigint) => Array.from({ length: n }, (_, i) => String(base + BigInt(i)));

describeE2E('accepted callbacks survive a stop before processing', () => {
  it('simple queue: inbox rows left by a stopped process are processed at the next start', async () => {
    const first = await createTestApp({ overrides: { plugins: { plugins_dir: emptyPlugins } } });
    const { id: robotId } = await robotWithKey(first, 'wx_durable_simple');
    await first.close();

    // what the webhook had stored when the process died: inbox rows, never processed
    const config = loadConfig({ path: null, env: {}, overrides: { database: first.database.overrides } }).config;
    const { dataSource } = await openDatabase(config);
    const inbox = new InboxQueue(dataSource.getRepository(InboxEntity), new RawSql(dataSource), config);
    const msgIds = ids(20, 7400000000000000000n);
    for (const id of msgIds)
      await inbox.enqueue({
        robotId,
        payload: textCallback({
          appId: 'wx_durable_simple',
          robotWxid: 'wxid_r',
          from: 'wxid_u',
          text: 'hi',
          newMsgId: id,
        }),
        dedupKey: `${robotId}-${id}`,
        requestId: null,
        receivedAt: new Date().toISOString(),
      });
    await dataSource.destroy();

    const second = await createTestApp({
      dir: first.dir,
      database: first.database,
      overrides: { plugins: { plugins_dir: emptyPlugins } },
    });
    try {
      const admin = (await login(second)).accessToken;
      const logged = await waitFor(
        async () => {
          const m = (await second.http().get(`/api/messages?robotId=${robotId}&limit=100`).set(bearer(admin))).body;
          return m.total === 20 ? (m.items as { newMsgId: string }[]) : null;
        },
        10_000,
        'all 20 processed',
      );
      expect(logged.map((m) => m.newMsgId).sort()).toEqual([...msgIds].sort());
      expect((await second.http().get('/api/queue').set(bearer(admin))).body).toMatchObject({ waiting: 0, failed: 0 });
    } finally {
      await destroyTestApp(second);
    }
  });

  describeWithRedis('advanced queue', () => {
    const prefix = `og-dur:${process.pid}:${Date.now().toString(36)}:`;
    afterAll(() => cleanRedis(prefix));

    it('jobs accepted by a webhook-only instance are processed by a worker started later', async () => {
      const q = {
        backend: { enable_redis: true },
        redis: { host: REDIS.host, port: REDIS.port, prefix },
        queue: { queue_type: 'advanced', broker: `redis://${REDIS.host}:${REDIS.port}/0` },
        plugins: { plugins_dir: emptyPlugins },
      };
      const webhookOnly: App = await createTestApp({ overrides: { ...q, backend: { ...q.backend, role: 'webhook' } } });
      let worker: App | undefined;
      try {
        const { id: robotId, key } = await robotWithKey(webhookOnly, 'wx_durable_adv');
        const msgIds = ids(20, 7500000000000000000n);
        for (const id of msgIds)
          await webhookOnly
            .http()
            .post(`/api/webhook?key=${key}`)
            .set('Content-Type', 'application/json')
            .send(
              textCallback({ appId: 'wx_durable_adv', robotWxid: 'wxid_r', from: 'wxid_u', text: 'hi', newMsgId: id }),
            )
            .expect(200);
        const admin = (await login(webhookOnly)).accessToken;
        expect((await webhookOnly.http().get('/api/queue').set(bearer(admin))).body.waiting).toBe(20);
        await webhookOnly.close();

        worker = await createTestApp({ dir: webhookOnly.dir, database: webhookOnly.database, overrides: q });
        const token = (await login(worker)).accessToken;
        const logged = await waitFor(
          async () => {
            const m = (await worker!.http().get(`/api/messages?robotId=${robotId}&limit=100`).set(bearer(token))).body;
            return m.total === 20 ? (m.items as { newMsgId: string }[]) : null;
          },
          10_000,
          'all 20 processed',
        );
        expect(logged.map((m) => m.newMsgId).sort()).toEqual([...msgIds].sort());
      } finally {
        if (worker) await destroyTestApp(worker);
        else await destroyTestApp(webhookOnly).catch(() => undefined);
      }
    });
  });
});
