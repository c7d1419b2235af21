import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LosslessNumber, stringify } from 'lossless-json';
import { OneBotMedia } from '../../src/onebot/onebot-media';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { pointCallbacksAtApp } from '../support/online-robot';
import { loadSamples } from '../support/samples';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * The gateway's signed media URLs served by the running app: outside /api, without a token (the signature is the
 * proof), a message's image downloaded on the first fetch, base64:// sources hosted for Gewe; a tampered URL refused.
 */
describeE2E('OneBot media URLs', () => {
  let t: TestApp & { database: TestDatabase };
  let fake: FakeGewe;
  let admin: string;
  let robot: { id: number; appId: string; wxid: string; key: string };

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    t = await createTestApp({
      dir: mkdtempSync(join(tmpdir(), 'og-e2e-onebot-media-')),
      // nothing downloaded on arrival: the first fetch of the URL downloads it
      overrides: { files: { auto_download: [], attempts: 2, backoff: '50ms' }, gewe: { login_poll_interval: '50ms' } },
    });
    await t.app.listen(0, '127.0.0.1');
    admin = (await login(t)).accessToken;
    await pointCallbacksAtApp(t, admin);
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer(admin))
        .send({
          name: 'media',
          baseUrl: gewe.baseUrl,
          downloadUrl: gewe.downloadUrl,
          token: fake.issueToken(),
          isGewe: false,
        })
        .expect(201)
    ).body as { id: number; callbackUrl: string };
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer(admin)).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer(admin))).body.appId as string;
    fake.confirm(appId, { wxid: 'wxid_robot_media' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer(admin))).body.status === 'online',
      5000,
      'robot online',
    );
    robot = {
      id: created.id,
      appId,
      wxid: 'wxid_robot_media',
      key: new URL(created.callbackUrl).searchParams.get('key')!,
    };
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
  });

  async function imageMessage(newMsgId: string): Promise<number> {
    const s = loadSamples().find((x) => x.kind === 'image')!;
    const data: Record<string, unknown> = {
      ...(s.payload.Data as Record<string, unknown>),
      NewMsgId: new LosslessNumber(newMsgId),
    };
    delete data.ImgBuf;
    const body = stringify({ ...s.payload, Appid: robot.appId, Wxid: robot.wxid, Data: data })!;
    await t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(robot.key)}`)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(200);
    return waitFor(
      async () => {
        const list = (await t.http().get(`/api/messages?robotId=${robot.id}&limit=50`).set(bearer(admin))).body as {
          items: { id: number; newMsgId: string }[];
        };
        return list.items.find((m) => m.newMsgId === newMsgId)?.id;
      },
      8000,
      `message ${newMsgId} logged`,
    );
  }

  it("serves a message's image without a token, downloading it on the first fetch", async () => {
    const id = await imageMessage('7100000000000000001');
    const url = new URL(t.app.get(OneBotMedia).inbound(robot.id, id, 'image'));
    expect(url.pathname).toBe(`/onebot/v11/media/m/${robot.id}/${id}/image`);
    const res = await t
      .http()
      .get(url.pathname + url.search)
      .expect(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect((res.body as Buffer).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('refuses a tampered URL (403) and media the message does not have (404)', async () => {
    const id = await imageMessage('7100000000000000002');
    const url = new URL(t.app.get(OneBotMedia).inbound(robot.id, id, 'image'));
    const other = `/onebot/v11/media/m/${robot.id}/${id + 1}/image${url.search}`;
    expect((await t.http().get(other).expect(403)).body).toMatchObject({ code: 'ONEBOT_MEDIA_FORBIDDEN' });
    expect(
      (
        await t
          .http()
          .get(`${url.pathname}?exp=${url.searchParams.get('exp')}&sig=AAAA`)
          .expect(403)
      ).body,
    ).toMatchObject({ code: 'ONEBOT_MEDIA_FORBIDDEN' });
    const video = new URL(t.app.get(OneBotMedia).inbound(robot.id, id, 'video'));
    expect(
      (
        await t
          .http()
          .get(video.pathname + video.search)
          .expect(404)
      ).body,
    ).toMatchObject({
      code: 'ONEBOT_MEDIA_NOT_FOUND',
    });
  });

  it('hosts a base64:// source on a URL that serves the same bytes', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
    const url = new URL(await t.app.get(OneBotMedia).host(`base64://${png.toString('base64')}`, 'image'));
    expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await t
      .http()
      .get(url.pathname + url.search)
      .expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.body as Buffer).toEqual(png);
    await t.http().get(url.pathname).expect(403);
  });
});
