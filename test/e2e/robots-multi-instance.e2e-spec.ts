import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { cleanRedis, describeWithRedis, REDIS } from '../support/services';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

describeE2E('two service instances sharing Redis', () => {
  describeWithRedis('robot state store on the real Redis', () => {
    let a: App;
    let b: App;
    let fake: FakeGewe;
    let baseUrl: string;
    let token: string;
    const prefix = `og-e2e:${process.pid}:${Date.now().toString(36)}:`;
    const logsB = mkdtempSync(join(tmpdir(), 'og-logs-b-'));

    beforeAll(async () => {
      fake = new FakeGewe();
      ({ baseUrl } = await fake.start());
      token = fake.issueToken();
      const overrides = {
        backend: { enable_redis: true },
        redis: { host: REDIS.host, port: REDIS.port, prefix },
        gewe: { login_poll_interval: '100ms', health_check_interval: '200ms', request_timeout: '2s' },
      };
      a = await createTestApp({ overrides });
      // the same database and Redis, its own log directory: a second instance of the service
      b = await createTestApp({
        dir: a.dir,
        database: a.database,
        overrides: { ...overrides, logging: { path: logsB } },
      });
    });
    afterAll(async () => {
      await b.close();
      await destroyTestApp(a);
      await fake.stop();
      rmSync(logsB, { recursive: true, force: true });
      await cleanRedis(prefix);
    });

    it('runs one QR poller and one health checker per robot across both instances', async () => {
      const ta = (await login(a)).accessToken;
      const tb = (await login(b)).accessToken;
      const robot = (
        await a
          .http()
          .post('/api/robots')
          .set(bearer(ta))
          .send({ name: 'shared', baseUrl, token, isGewe: false })
          .expect(201)
      ).body;

      const [ra, rb] = await Promise.all([
        a.http().post(`/api/robots/${robot.id}/login`).set(bearer(ta)),
        b.http().post(`/api/robots/${robot.id}/login`).set(bearer(tb)),
      ]);
      expect([ra.status, rb.status]).toEqual([200, 200]);
      expect(fake.calls('/login/getLoginQrCode')).toHaveLength(1);
      expect(rb.body.qrcodeUrl).toBe(ra.body.qrcodeUrl);

      // polls arrive at the pace of one poller (every 100 ms), not two: six polls take at least five intervals (two
      // pollers would make them in half that). A lower bound only, which a busy machine cannot break.
      fake.clearLogs();
      const pollsFrom = Date.now();
      await waitFor(() => fake.calls('/login/checkLogin').length >= 6, 30_000, 'six QR polls');
      expect(Date.now() - pollsFrom).toBeGreaterThanOrEqual(450);

      // both instances see the state the poller writes
      const appId = (await a.http().get(`/api/robots/${robot.id}`).set(bearer(ta))).body.appId as string;
      fake.scan(appId);
      await waitFor(
        async () => (await b.http().get(`/api/robots/${robot.id}/status`).set(bearer(tb))).body.status === 'scanned',
        30_000,
        'instance B to see scanned',
      );
      fake.confirm(appId, { wxid: 'wxid_shared' });
      await waitFor(
        async () => (await b.http().get(`/api/robots/${robot.id}/status`).set(bearer(tb))).body.status === 'online',
        30_000,
        'instance B to see online',
      );

      // health checks: one instance checks the robot each interval (200 ms): four checks take at least three
      fake.clearLogs();
      const checksFrom = Date.now();
      const checks = () => fake.calls('/login/checkOnline').filter((c) => c.appId === appId).length;
      await waitFor(() => checks() >= 4, 30_000, 'four health checks');
      expect(Date.now() - checksFrom).toBeGreaterThanOrEqual(550);
    });
  });
});
