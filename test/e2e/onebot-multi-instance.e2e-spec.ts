/**
 * The OneBot gateway across two instances of the service sharing the database and Redis, as the advanced mode runs
 * it: the instance that accepts a callback (`webhook` role) is not the one that processes it (`worker`), and a
 * framework may be connected to either. A client on either instance gets each message once, with the same aliases
 * (allocated once, in the database); a settings change made on one instance is obeyed by the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { onlineRobot, OnlineRobot, pointCallbacksAtApp } from '../support/online-robot';
import {
  forwardUrl,
  groupTextCallback,
  oneBotToken,
  postCallback,
  RawOneBotClient,
  setOneBot,
} from '../support/onebot';
import { cleanRedis, describeWithRedis, queueOverrides, redisPrefix } from '../support/services';
import { createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

const ROBOT_WXID = 'wxid_robot_multi';
const ROOM = '34757816141@chatroom';
const ALICE = 'wxid_fake_alice01';

describeE2E('OneBot gateway on two instances', () => {
  describeWithRedis('webhook and worker roles sharing Redis', () => {
    let web: App;
    let worker: TestApp;
    let fake: FakeGewe;
    let robot: OnlineRobot;
    let token: string;
    let admin: string;
    const clients: RawOneBotClient[] = [];
    const prefix = redisPrefix('onebot-multi');
    const logsWorker = mkdtempSync(join(tmpdir(), 'og-logs-worker-'));

    const connect = async (t: TestApp) => {
      const c = await RawOneBotClient.connect(forwardUrl(t, robot.id), token);
      clients.push(c);
      return c;
    };
    const handshake = async (t: TestApp): Promise<number | 'open'> => {
      try {
        await connect(t);
        return 'open';
      } catch (e) {
        return (e as { status?: number }).status ?? -1;
      }
    };

    beforeAll(async () => {
      fake = new FakeGewe();
      const gewe = await fake.start();
      const overrides = {
        ...queueOverrides('advanced', prefix),
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
      };
      web = await createTestApp({ overrides: { ...overrides, backend: { enable_redis: true, role: 'webhook' } } });
      worker = await createTestApp({
        dir: web.dir,
        database: web.database,
        overrides: { ...overrides, backend: { enable_redis: true, role: 'worker' }, logging: { path: logsWorker } },
      });
      await web.app.listen(0, '127.0.0.1');
      await worker.app.listen(0, '127.0.0.1');
      admin = (await login(web)).accessToken;
      await pointCallbacksAtApp(web, admin);
      robot = await onlineRobot(web, admin, fake, gewe.baseUrl, 'multi', ROBOT_WXID);
      token = await oneBotToken(web, admin, 'multi', [robot.id]);
    });
    afterEach(() => {
      for (const c of clients.splice(0)) c.close();
    });
    afterAll(async () => {
      await worker.close();
      await destroyTestApp(web);
      await fake.stop();
      rmSync(logsWorker, { recursive: true, force: true });
      await cleanRedis(prefix);
    });

    it('obeys on one instance the settings changed on the other', async () => {
      // both instances have read the settings (OneBot off): each refuses the handshake
      expect(await handshake(web)).toBe(403);
      expect(await handshake(worker)).toBe(403);
      await setOneBot(web, admin, robot.id, { enabled: true, forwardWs: true });
      // the change is told to the worker (its cached settings dropped), which then accepts
      await waitFor(async () => (await handshake(worker)) === 'open' || null, 30_000, 'the worker to accept');
      expect(await handshake(web)).toBe('open');
    });

    it('gives a client on either instance each message once, with the same aliases', async () => {
      const onWeb = await connect(web);
      const onWorker = await connect(worker);
      const text = `multi-instance ${Date.now()}`;
      const body = groupTextCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        chatroom: ROOM,
        from: ALICE,
        text: `@Fake Bot\u2005${text}`,
        atWxids: [ROBOT_WXID],
      });
      // accepted by the webhook instance, processed by the worker
      expect(await postCallback(web, robot.key, body)).toBe(200);
      const isIt = (e: Record<string, unknown>) => e.post_type === 'message' && String(e.raw_message).includes(text);
      const a = await onWeb.waitEvent(isIt, 'the message on the webhook instance');
      const b = await onWorker.waitEvent(isIt, 'the message on the worker instance');
      for (const f of ['user_id', 'group_id', 'message_id', 'self_id']) {
        expect(typeof a[f]).toBe('number');
        expect(b[f]).toBe(a[f]);
      }
      // once each: a second copy would come from the relay delivering twice
      const sentinel = `sentinel ${Date.now()}`;
      expect(
        await postCallback(
          web,
          robot.key,
          groupTextCallback({ appId: robot.appId, robotWxid: ROBOT_WXID, chatroom: ROOM, from: ALICE, text: sentinel }),
        ),
      ).toBe(200);
      const isSentinel = (e: Record<string, unknown>) =>
        e.post_type === 'message' && String(e.raw_message).includes(sentinel);
      await onWeb.waitEvent(isSentinel, 'the sentinel on the webhook instance');
      await onWorker.waitEvent(isSentinel, 'the sentinel on the worker instance');
      expect(onWeb.events.filter(isIt)).toHaveLength(1);
      expect(onWorker.events.filter(isIt)).toHaveLength(1);
      // an alias allocated on one instance is the one the other answers
      const viaWeb = await onWeb.call('get_stranger_info', { user_id: ALICE });
      const viaWorker = await onWorker.call('get_stranger_info', { user_id: ALICE });
      expect(viaWeb.retcode).toBe(0);
      expect((viaWeb.data as { user_id: unknown }).user_id).toBe(a.user_id);
      expect((viaWorker.data as { user_id: unknown }).user_id).toBe(a.user_id);
    });
  });
});
