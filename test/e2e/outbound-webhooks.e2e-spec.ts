import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { OUTBOUND_QUEUE, OUTBOUND_WORKER } from '../../src/outbound-webhooks/delivery-bull.queue';
import { DeliveryQueue } from '../../src/outbound-webhooks/delivery-queue';
import type { JobWorker } from '../../src/redis/bullmq';
import { OutboundAttemptEntity } from '../../src/outbound-webhooks/outbound-attempt.entity';
import { OutboundDeliveryEntity } from '../../src/outbound-webhooks/outbound-delivery.entity';
import { OutboundWebhookEntity } from '../../src/outbound-webhooks/outbound-webhook.entity';
import { OutboundWebhookService } from '../../src/outbound-webhooks/outbound-webhook.service';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { onlineRobot, OnlineRobot, pointCallbacksAtApp } from '../support/online-robot';
import { textCallback } from '../support/samples';
import { cleanRedis, describeWithRedis, queueOverrides, redisPrefix, type QueueMode } from '../support/services';
import {
  bearer,
  createTestApp,
  dbKind,
  describeE2E,
  destroyTestApp,
  login,
  TestApp,
  TestDatabase,
} from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver of outbound webhooks: records every request and answers `status` (changeable). */
class Receiver {
  readonly requests: Received[] = [];
  status = 200;
  private server?: Server;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(this.status, { 'content-type': 'text/plain' });
        res.end(this.status < 300 ? 'thanks' : `failing with ${this.status}`);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A receiver that never answers until released (a slow or dead system on the other side). */
class HangingReceiver {
  readonly pending: ServerResponse[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      this.pending.push(res);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/slow`;
  }

  stop(): Promise<void> {
    for (const res of this.pending.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; timestamp: string; data: Record<string, unknown> };

function outboundSuite(mode: QueueMode) {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let robot: OnlineRobot;
  const receiver = new Receiver();
  const prefix = redisPrefix(`outbound-${mode}`);
  let seq = 0;

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    await receiver.start();
    t = await createTestApp({
      overrides: {
        ...queueOverrides(mode, prefix),
        gewe: {
          login_poll_interval: '50ms',
          send_min_interval: '0ms',
          send_jitter: '0ms',
        },
        // the receiver runs on 127.0.0.1: the admin allows private targets for this app
        outbound_webhooks: {
          allow_private_targets: true,
          attempts: 3,
          backoff: '50ms',
          max_backoff: '200ms',
          timeout: '60s',
        },
      },
    });
    await t.app.listen(0, '127.0.0.1');
    admin = (await login(t)).accessToken;
    await pointCallbacksAtApp(t, admin);
    robot = await onlineRobot(t, admin, fake, gewe.baseUrl, 'outbound', `wxid_out_${mode}`);
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    await receiver.stop();
    if (mode === 'advanced') await cleanRedis(prefix);
  });

  const api = () => ({
    get: (path: string) => t.http().get(path).set(bearer(admin)),
    post: (path: string, body?: object) =>
      t
        .http()
        .post(path)
        .set(bearer(admin))
        .send(body ?? {}),
    put: (path: string, body: object) => t.http().put(path).set(bearer(admin)).send(body),
  });
  const postText = (text: string, from = 'wxid_friend') =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(robot.key)}`)
      .set('Content-Type', 'application/json')
      .send(
        textCallback({
          appId: robot.appId,
          robotWxid: robot.wxid,
          from,
          text,
          newMsgId: `77${mode === 'simple' ? 1 : 2}000000000000${String(++seq).padStart(3, '0')}`,
        }),
      )
      .expect(200);
  const create = async (body: object) =>
    (await api().post('/api/outbound-webhooks', body).expect(201)).body as {
      id: number;
      secret: string;
    };
  const bodies = (type: string) => receiver.requests.filter((r) => JSON.parse(r.body).type === type);

  it(`schedules deliveries on the ${mode === 'simple' ? 'table' : 'BullMQ'} queue`, () => {
    const queue = t.app.get(DeliveryQueue, { strict: false });
    expect(queue.type).toBe(mode);
    if (mode === 'advanced') {
      const bull = t.app.get<Queue>(getQueueToken(OUTBOUND_QUEUE), { strict: false });
      expect(bull.name).toBe(`${t.config.queue.name}-outbound`);
      expect(t.app.get<JobWorker<unknown>>(OUTBOUND_WORKER, { strict: false }).worker.isRunning()).toBe(true);
    }
  });

  it('delivers a callback to a subscription, signed so that standardwebhooks verifies it', async () => {
    const hook = await create({
      url: receiver.url,
      eventKinds: ['text'],
      robotIds: [robot.id],
      description: 'crm',
    });
    expect(hook.secret).toMatch(/^whsec_/);
    // the secret is shown once: never again in a read
    const read = (await api().get(`/api/outbound-webhooks/${hook.id}`).expect(200)).body;
    expect(read).not.toHaveProperty('secret');
    expect(read.secretHint).toBe(hook.secret.slice(0, 10));

    await postText('你好，webhook');
    const got = await waitFor(
      () => receiver.requests.find((r) => r.body.includes('你好，webhook')),
      30_000,
      'the delivery',
    );
    const event = verify(hook.secret, got);
    expect(event.type).toBe('message.text');
    expect(event.data).toMatchObject({
      robotId: robot.id,
      kind: 'text',
      chatId: 'wxid_friend',
      senderWxid: 'wxid_friend',
      text: '你好，webhook',
      isGroup: false,
    });
    expect(got.headers['webhook-id']).toMatch(/^msg_/);
    expect(got.headers['content-type']).toBe('application/json');

    const log = await waitFor(
      async () => (await api().get(`/api/outbound-webhooks/${hook.id}/attempts`).expect(200)).body.items[0],
      30_000,
      'the delivery log',
    );
    expect(log).toMatchObject({
      attempt: 1,
      statusCode: 200,
      response: 'thanks',
      errorCode: null,
      eventType: 'message.text',
    });
    await api().put(`/api/outbound-webhooks/${hook.id}`, { active: false }).expect(200);
  });

  it("carries the directory's names once it is synced", async () => {
    const hook = await create({
      url: receiver.url,
      chatIds: ['wxid_fake_alice01'],
    });
    await api().post(`/api/robots/${robot.id}/directory/sync`).expect(202);
    await waitFor(
      async () => (await api().get(`/api/robots/${robot.id}/directory/sync`).expect(200)).body.state === 'done',
      30_000,
      'the directory synced',
    );
    await postText('来自爱丽丝', 'wxid_fake_alice01');
    const got = await waitFor(() => receiver.requests.find((r) => r.body.includes('来自爱丽丝')), 30_000, 'delivery');
    expect(verify(hook.secret, got).data).toMatchObject({
      chatName: '爱丽丝',
      senderName: '爱丽丝',
    });
    await api().put(`/api/outbound-webhooks/${hook.id}`, { active: false }).expect(200);
  });

  it('filters by event kind, robot and chat', async () => {
    const hook = await create({
      url: receiver.url,
      chatIds: ['wxid_only_this_chat'],
    });
    await postText('not for this chat', 'wxid_another');
    await postText('for this chat', 'wxid_only_this_chat');
    await waitFor(() => receiver.requests.find((r) => r.body.includes('for this chat')), 30_000, 'the delivery');
    const deliveries = (await api().get(`/api/outbound-webhooks/${hook.id}/deliveries`).expect(200)).body;
    expect(deliveries.total).toBe(1);
    expect(receiver.requests.some((r) => r.body.includes('not for this chat'))).toBe(false);
    await api().put(`/api/outbound-webhooks/${hook.id}`, { active: false }).expect(200);
  });

  it('retries a failing receiver, ends in the dead letters, and delivers on replay once it recovers', async () => {
    const hook = await create({ url: receiver.url });
    const rotated = (await api().post(`/api/outbound-webhooks/${hook.id}/rotate-secret`).expect(200)).body;
    expect(rotated.secret).not.toBe(hook.secret);
    receiver.status = 503;
    await postText('while the receiver is down');
    const dead = await waitFor(
      async () =>
        (await api().get(`/api/outbound-webhooks/${hook.id}/deliveries?status=dead`).expect(200)).body.items[0],
      30_000,
      'a dead letter',
    );
    expect(dead).toMatchObject({
      status: 'dead',
      attempts: 3,
      lastStatus: 503,
      lastError: 'HTTP_503',
    });
    const tries = (await api().get(`/api/outbound-webhooks/${hook.id}/attempts`).expect(200)).body.items;
    expect(tries.map((a: { attempt: number }) => a.attempt)).toEqual([3, 2, 1]);
    expect(tries[0]).toMatchObject({
      statusCode: 503,
      errorCode: 'HTTP_503',
      response: 'failing with 503',
    });
    expect((await api().get(`/api/outbound-webhooks/${hook.id}`).expect(200)).body.deadLetters).toBe(1);

    receiver.status = 200;
    const before = receiver.requests.length;
    await api().post(`/api/outbound-webhooks/${hook.id}/deliveries/${dead.id}/replay`).expect(200);
    const delivered = await waitFor(
      async () => {
        const d = (await api().get(`/api/outbound-webhooks/${hook.id}/deliveries`).expect(200)).body.items[0];
        return d.status === 'delivered' ? d : null;
      },
      30_000,
      'the replayed delivery',
    );
    expect(delivered.eventId).toBe(dead.eventId);
    const replayed = receiver.requests.slice(before).find((r) => r.headers['webhook-id'] === dead.eventId)!;
    // signed with the rotated secret, same webhook-id as every earlier try
    expect(verify(rotated.secret, replayed).data.text).toBe('while the receiver is down');
    await api()
      .post(`/api/outbound-webhooks/${hook.id}/deliveries/${dead.id}/replay`)
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('OUTBOUND_DELIVERY_NOT_DEAD'));

    // replay all
    receiver.status = 500;
    await postText('down again, one');
    await postText('down again, two');
    await waitFor(
      async () =>
        (await api().get(`/api/outbound-webhooks/${hook.id}/deliveries?status=dead`).expect(200)).body.total === 2,
      30_000,
      'two dead letters',
    );
    receiver.status = 200;
    expect((await api().post(`/api/outbound-webhooks/${hook.id}/deliveries/replay`).expect(200)).body).toEqual({
      replayed: 2,
    });
    await waitFor(
      () => bodies('message.text').filter((r) => /down again/.test(r.body) && r.headers['webhook-id']).length >= 2,
      30_000,
      'both replayed',
    );
    await waitFor(
      async () =>
        (await api().get(`/api/outbound-webhooks/${hook.id}/deliveries?status=delivered`).expect(200)).body.total === 3,
      30_000,
      'all delivered',
    );
    await api().put(`/api/outbound-webhooks/${hook.id}`, { active: false }).expect(200);
  });

  it('never slows the pipeline for a receiver that does not answer', async () => {
    const slow = new HangingReceiver();
    await slow.start();
    try {
      const hook = await create({ url: slow.url, eventKinds: ['text'], chatIds: ['wxid_slow_chat'] });
      await postText('to a receiver that hangs', 'wxid_slow_chat');
      // the message is logged and handled while its delivery's try still waits for an answer (the try's timeout,
      // 60 s in this suite, is far beyond the test: the try cannot have ended)
      await waitFor(
        async () =>
          (await api().get(`/api/messages?robotId=${robot.id}&limit=50`).expect(200)).body.items.find(
            (m: { text: string | null; handled: boolean }) => m.text === 'to a receiver that hangs' && m.handled,
          ),
        30_000,
        'the message handled',
      );
      await waitFor(() => slow.pending.length >= 1, 30_000, 'the try open at the receiver');
      // another message goes through the pipeline at once, too
      await postText('right behind it', 'wxid_slow_chat');
      await waitFor(
        async () =>
          (await api().get(`/api/messages?robotId=${robot.id}&limit=50`).expect(200)).body.items.find(
            (m: { text: string | null; handled: boolean }) => m.text === 'right behind it' && m.handled,
          ),
        30_000,
        'the next message handled',
      );
      expect((await api().get(`/api/outbound-webhooks/${hook.id}/attempts`).expect(200)).body.total).toBe(0);
      await api().put(`/api/outbound-webhooks/${hook.id}`, { active: false }).expect(200);
    } finally {
      await slow.stop();
    }
  });

  it('prunes the delivery log and delivered deliveries past the retention, keeping dead letters', async () => {
    const hook = await create({ url: receiver.url, active: false });
    const ds = t.app.get(DataSource);
    const old = new Date(Date.now() - 30 * 86_400_000);
    const deliveries = ds.getRepository(OutboundDeliveryEntity);
    const base = {
      webhookId: hook.id,
      eventType: 'message.text',
      messageId: null,
      payload: '{}',
      nextAttemptAt: old,
    };
    const done = await deliveries.save(
      deliveries.create({
        ...base,
        eventId: 'msg_old_done',
        status: 'delivered',
      }),
    );
    const dead = await deliveries.save(deliveries.create({ ...base, eventId: 'msg_old_dead', status: 'dead' }));
    const fresh = await deliveries.save(
      deliveries.create({
        ...base,
        eventId: 'msg_new_done',
        status: 'delivered',
      }),
    );
    await deliveries.update([done.id, dead.id], { createdAt: old });
    const log = ds.getRepository(OutboundAttemptEntity);
    const a = await log.save(
      log.create({
        webhookId: hook.id,
        deliveryId: done.id,
        eventType: 'message.text',
        attempt: 1,
        latencyMs: 1,
      }),
    );
    await log.update(a.id, { createdAt: old });
    await t.app.get(OutboundWebhookService).prune();
    const left = (await deliveries.find({ where: { webhookId: hook.id } })).map((d) => d.eventId).sort();
    expect(left).toEqual(['msg_new_done', 'msg_old_dead']);
    expect(await log.count({ where: { webhookId: hook.id } })).toBe(0);
    expect(fresh.id).toBeGreaterThan(0);
  });

  it('sends a test event on request', async () => {
    const hook = await create({ url: receiver.url, eventKinds: ['image'] });
    const { eventId } = (await api().post(`/api/outbound-webhooks/${hook.id}/test`).expect(200)).body;
    const got = await waitFor(() => receiver.requests.find((r) => r.headers['webhook-id'] === eventId), 30_000, 'test');
    expect(verify(hook.secret, got).type).toBe('webhook.test');
    await api().put(`/api/outbound-webhooks/${hook.id}`, { active: false }).expect(200);
    await api()
      .post(`/api/outbound-webhooks/${hook.id}/test`)
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('OUTBOUND_WEBHOOK_INACTIVE'));
  });

  it('refuses unknown event kinds and non-http URLs with codes naming the field', async () => {
    const kinds = await api()
      .post('/api/outbound-webhooks', {
        url: receiver.url,
        eventKinds: ['text', 'nonsense'],
      })
      .expect(400);
    expect(kinds.body).toMatchObject({
      code: 'OUTBOUND_UNKNOWN_EVENT_KINDS',
      params: { field: 'eventKinds' },
    });
    const robots = await api().post('/api/outbound-webhooks', { url: receiver.url, robotIds: [robot.id, 999999] });
    expect(robots.status).toBe(400);
    expect(robots.body).toMatchObject({ code: 'UNKNOWN_ROBOTS', params: { field: 'robotIds', ids: '999999' } });
    const ftp = await api().post('/api/outbound-webhooks', { url: 'ftp://example.com/x' }).expect(400);
    expect(ftp.body).toMatchObject({
      code: 'OUTBOUND_URL_INVALID',
      params: { field: 'url' },
    });
    await api().get('/api/outbound-webhooks/999999').expect(404);
  });

  it('is for admins only, and audits its mutations', async () => {
    await t.http().get('/api/outbound-webhooks').expect(401);
    await api()
      .post('/api/admin/users', {
        username: `viewer_${mode}`,
        password: 'viewer-pass-1234',
      })
      .expect(201);
    const viewer = (await login(t, `viewer_${mode}`, 'viewer-pass-1234')).accessToken;
    await t.http().get('/api/outbound-webhooks').set(bearer(viewer)).expect(403);
    const hook = await create({ url: receiver.url, active: false });
    const row = await waitFor(
      async () =>
        (await api().get('/api/admin/audit?action=outbound_webhook.create').expect(200)).body.items.find(
          (a: { targetId: string | null }) => a.targetId === String(hook.id),
        ),
      30_000,
      'the audit row',
    );
    expect(row).toMatchObject({
      action: 'outbound_webhook.create',
      targetType: 'outbound_webhook',
    });
    expect(JSON.stringify(row)).not.toContain(hook.secret);
  });
}

describeE2E('outbound webhooks', () => {
  describe('simple queue', () => outboundSuite('simple'));
  if (dbKind() === 'sqlite') describeWithRedis('advanced queue', () => outboundSuite('advanced'));

  if (dbKind() === 'sqlite')
    describeWithRedis('advanced queue, an instance that only accepts callbacks', () => {
      const prefix = redisPrefix('outbound-role');
      let t: App | undefined;
      afterAll(async () => {
        await destroyTestApp(t);
        await cleanRedis(prefix);
      });

      it('has the queue to write to but no outbound worker', async () => {
        const o = queueOverrides('advanced', prefix);
        t = await createTestApp({ overrides: { ...o, backend: { ...o.backend, role: 'webhook' } } });
        expect(t.app.get(DeliveryQueue, { strict: false }).type).toBe('advanced');
        expect(() => t!.app.get(OUTBOUND_WORKER, { strict: false })).toThrow();
      });
    });

  describe('target policy (private targets not allowed)', () => {
    let t: App;
    let admin: string;
    beforeAll(async () => {
      t = await createTestApp({});
      admin = (await login(t)).accessToken;
    });
    afterAll(() => destroyTestApp(t));

    it.each([
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://10.1.2.3/hook',
      'http://192.168.1.10/hook',
      'http://172.16.0.1/hook',
      'http://100.64.0.1/hook',
      'http://169.254.169.254/latest',
      'http://[::1]/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:192.168.0.1]/hook',
      'http://0x7f000001/hook',
    ])('refuses %s on save with OUTBOUND_TARGET_REFUSED naming the field', async (url) => {
      const res = await t.http().post('/api/outbound-webhooks').set(bearer(admin)).send({ url }).expect(400);
      expect(res.body).toMatchObject({
        code: 'OUTBOUND_TARGET_REFUSED',
        params: { field: 'url' },
      });
    });

    it('refuses a private target at connect time too (a row saved behind the API, as after a DNS change)', async () => {
      const receiver = new Receiver();
      await receiver.start();
      try {
        const created = await t
          .http()
          .post('/api/outbound-webhooks')
          .set(bearer(admin))
          .send({ url: 'https://hooks.example.com/in' })
          .expect(201);
        await t.app.get(DataSource).getRepository(OutboundWebhookEntity).update(created.body.id, { url: receiver.url });
        await t.http().post(`/api/outbound-webhooks/${created.body.id}/test`).set(bearer(admin)).expect(200);
        const attempt = await waitFor(
          async () =>
            (await t.http().get(`/api/outbound-webhooks/${created.body.id}/attempts`).set(bearer(admin))).body.items[0],
          30_000,
          'the refused try',
        );
        expect(attempt).toMatchObject({
          statusCode: null,
          errorCode: 'EOUTBOUNDREFUSED',
        });
        expect(receiver.requests).toHaveLength(0);
      } finally {
        await receiver.stop();
      }
    });

    it('refuses a private target on update too', async () => {
      const created = await t
        .http()
        .post('/api/outbound-webhooks')
        .set(bearer(admin))
        .send({ url: 'https://hooks.example.com/in' })
        .expect(201);
      const res = await t
        .http()
        .put(`/api/outbound-webhooks/${created.body.id}`)
        .set(bearer(admin))
        .send({ url: 'http://192.168.0.2/' })
        .expect(400);
      expect(res.body.code).toBe('OUTBOUND_TARGET_REFUSED');
    });
  });
});
