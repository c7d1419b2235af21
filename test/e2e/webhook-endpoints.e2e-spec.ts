import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../src/config/app-config';
import type { AppConfig } from '../../src/config/app-config';
import { CallbackQueue } from '../../src/queue/callback-queue';
import { webhookKey } from '../../src/robot/callback-url';
import { hashCallbackKey } from '../../src/webhook/callback-key';
import { WebhookClock } from '../../src/webhook/webhook-clock';
import { WebhookEndpointBackfill } from '../../src/webhook/webhook-endpoint.backfill';
import { WebhookEndpointStore } from '../../src/webhook/webhook-endpoint.store';
import { textCallback } from '../support/samples';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

const HOUR = 3_600_000;
const keyOf = (url: string) => new URL(url).searchParams.get('key');

describeE2E('Webhook endpoints: callback keys, rotation and figures', () => {
  let t: TestApp & { database: TestDatabase };
  let admin: string;
  /** Added to the endpoints' clock: steps past a grace period without waiting for it. */
  let offset = 0;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    admin = (await login(t)).accessToken;
    t.app.get(WebhookClock).now = () => Date.now() + offset;
  });
  afterAll(() => destroyTestApp(t));
  beforeEach(() => (offset = 0));

  const api = (token = admin) => ({
    get: (p: string) => t.http().get(p).set(bearer(token)),
    post: (p: string, body?: object) => t.http().post(p).set(bearer(token)).send(body),
  });
  async function robot(token = `tok-${++n}-${Date.now()}`) {
    const appId = `wx_endpoint_${++n}`;
    const r = (
      await api()
        .post('/api/robots?verify=false', { name: `r${n}`, token, appId })
        .expect(201)
    ).body as {
      id: number;
      callbackUrl: string;
    };
    return { id: r.id, appId, token, url: r.callbackUrl, key: keyOf(r.callbackUrl)! };
  }
  const callback = (key: string, appId: string, newMsgId = String(9_000_000 + ++n)) =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(key)}`)
      .set('Content-Type', 'application/json')
      .send(textCallback({ appId, robotWxid: 'wxid_ep', from: 'wxid_friend', text: 'hi', newMsgId }));
  const raw = (key: string, body: string) =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(key)}`)
      .set('Content-Type', 'application/json')
      .send(body);
  const figures = async (id: number, token = admin) =>
    (await api(token).get(`/api/robots/${id}/webhook`).expect(200)).body;

  it('gives a new robot a random key, shown in its callback URL, that the webhook accepts', async () => {
    const r = await robot();
    expect(r.key).toMatch(/^[\w-]{32}$/);
    const secret = t.app.get<AppConfig>(APP_CONFIG).backend.secret_key;
    expect(r.key).not.toBe(webhookKey(secret, r.token));
    await callback(r.key, r.appId).expect(200);
    const rows = await t.app.get(DataSource).query(`SELECT key_hash FROM webhook_endpoints WHERE robot_id = ${r.id}`);
    expect(rows).toEqual([{ key_hash: hashCallbackKey(r.key) }]); // a hash, not the key
    expect(JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM webhook_endpoints'))).not.toContain(r.key);
  });

  it('keeps the callback URL of a robot from before the endpoints (the boot step, idempotent and concurrent)', async () => {
    const r = await robot();
    const ds = t.app.get(DataSource);
    await ds.query(`DELETE FROM webhook_endpoints WHERE robot_id = ${r.id}`); // as before the migration
    const legacy = webhookKey(t.app.get<AppConfig>(APP_CONFIG).backend.secret_key, r.token);
    const boot = t.app.get(WebhookEndpointBackfill);
    await Promise.all([boot.onApplicationBootstrap(), boot.onApplicationBootstrap()]);
    await boot.onApplicationBootstrap();
    const rows = await ds.query(`SELECT key_hash FROM webhook_endpoints WHERE robot_id = ${r.id}`);
    expect(rows).toEqual([{ key_hash: hashCallbackKey(legacy) }]);
    expect(keyOf((await api().get(`/api/robots/${r.id}`).expect(200)).body.callbackUrl)).toBe(legacy);
    await callback(legacy, r.appId).expect(200);
  });

  it('rotates: the new URL works, the old one still does within the grace period and not after it', async () => {
    const r = await robot();
    const rotated = (await api().post(`/api/robots/${r.id}/webhook/rotate`).expect(200)).body;
    const key = keyOf(rotated.callbackUrl)!;
    expect(key).toMatch(/^[\w-]{32}$/);
    expect(key).not.toBe(r.key);
    expect(rotated).toMatchObject({ robotId: r.id, callbackKeyHidden: false });
    expect(Date.parse(rotated.previousKeyValidUntil) - Date.now()).toBeGreaterThan(23 * HOUR);
    expect((await api().get(`/api/robots/${r.id}`).expect(200)).body.callbackUrl).toBe(rotated.callbackUrl);
    await callback(key, r.appId).expect(200);
    await callback(r.key, r.appId).expect(200);

    offset = 25 * HOUR;
    const late = await callback(r.key, r.appId).expect(401);
    expect(late.body.code).toBe('WEBHOOK_UNAUTHORIZED');
    await callback(key, r.appId).expect(200);
    expect((await figures(r.id)).previousKeyValidUntil).toBeNull();
  });

  it('rotates the key of robots that share the URL (one token), and records the rotation in the audit log', async () => {
    const a = await robot('tok-shared-rotate');
    const b = await robot('tok-shared-rotate');
    expect(b.key).toBe(a.key); // one token, one callback URL
    const key = keyOf((await api().post(`/api/robots/${a.id}/webhook/rotate`).expect(200)).body.callbackUrl);
    expect(keyOf((await figures(b.id)).callbackUrl)).toBe(key);
    await callback(key!, b.appId).expect(200);
    const audit = (await api().get('/api/admin/audit?action=robot.webhook_rotate&limit=10').expect(200)).body;
    expect(audit.items[0]).toMatchObject({ action: 'robot.webhook_rotate', targetId: String(a.id), result: 'ok' });
  });

  it('counts accepted, duplicate, probed and rejected callbacks, with the last rejection, and writes them in batches', async () => {
    const r = await robot();
    await callback(r.key, r.appId, '111').expect(200);
    await callback(r.key, r.appId, '112').expect(200);
    // a duplicate is told by the queue while the first is still in it: made certain here
    jest.spyOn(t.app.get(CallbackQueue), 'enqueue').mockResolvedValueOnce('duplicate');
    expect((await callback(r.key, r.appId, '111').expect(200)).body.duplicate).toBe(true);
    await raw(r.key, JSON.stringify({ testMsg: '回调地址链接成功！', token: r.token })).expect(200);
    await raw(r.key, '{not json').expect(400);
    await callback(r.key, 'wx_nobody').expect(401);
    await callback('x'.repeat(32), r.appId).expect(401); // a wrong key: nobody's callback, counted in no endpoint
    const f = await figures(r.id);
    expect(f).toMatchObject({
      accepted: 2,
      duplicates: 1,
      probes: 1,
      rejected: 2,
      rejectedByReason: { MALFORMED_JSON: 1, UNKNOWN_APPID: 1 },
      lastRejection: 'UNKNOWN_APPID',
    });
    expect(f.lastCallbackAt).not.toBeNull();
    expect(f.lastRejectedAt).not.toBeNull();

    await t.app.get(WebhookEndpointStore).flush();
    const [row] = await t.app
      .get(DataSource)
      .query(
        `SELECT accepted, duplicates, probes, rejected, rejected_by_reason, last_rejection FROM webhook_endpoints WHERE robot_id = ${r.id}`,
      );
    expect({ ...row, rejected_by_reason: JSON.parse(row.rejected_by_reason) }).toEqual({
      accepted: 2,
      duplicates: 1,
      probes: 1,
      rejected: 2,
      rejected_by_reason: { MALFORMED_JSON: 1, UNKNOWN_APPID: 1 },
      last_rejection: 'UNKNOWN_APPID',
    });
    await callback(r.key, r.appId).expect(200);
    expect((await figures(r.id)).accepted).toBe(3); // the table's and this instance's not yet written
  });

  it('lets robots:read tokens see the figures without the key, and not rotate (403)', async () => {
    const r = await robot();
    const reader = (
      await api()
        .post('/api/admin/tokens', { name: `reader-${n}`, scopes: ['robots:read'] })
        .expect(201)
    ).body.token as string;
    const f = await figures(r.id, reader);
    expect(f.callbackKeyHidden).toBe(true);
    expect(keyOf(f.callbackUrl)).toBeNull();
    expect(JSON.stringify(f)).not.toContain(r.key);
    await api(reader).post(`/api/robots/${r.id}/webhook/rotate`).expect(403);
    await callback(r.key, r.appId).expect(200); // the key did not change
    await t.http().get(`/api/robots/${r.id}/webhook`).expect(401);
    await api().get('/api/robots/999999/webhook').expect(404);
    await api().post('/api/robots/999999/webhook/rotate').expect(404);
  });
});
