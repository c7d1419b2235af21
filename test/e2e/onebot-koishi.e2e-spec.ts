/**
 * Koishi (`koishi` + `koishi-plugin-adapter-onebot`, from npm) drives a robot through our OneBot v11 gateway, as the
 * README configures it, against the fake Gewe: forward and reverse WebSocket, in both queue modes. It receives a
 * group message that @-mentions the robot with integer-like ids, answers with an at + text + image, and the fake Gewe
 * sees a postText (the @ in `ats` and written into the text) then a postImage, to the group, whose URL (hosted by us)
 * it downloads. The id aliases survive a restart of the service on the same database.
 */
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { h, KoishiClient, KoishiMessage, startKoishi } from '../support/koishi';
import { onlineRobot, OnlineRobot, pointCallbacksAtApp } from '../support/online-robot';
import {
  forwardUrl,
  groupTextCallback,
  httpAction,
  oneBotToken,
  OneBotSettingsView,
  postCallback,
  setOneBot,
} from '../support/onebot';
import { loadSamples, sampleBody } from '../support/samples';
import { cleanRedis, describeWithRedis, QueueMode, queueOverrides, redisPrefix } from '../support/services';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

const ROBOT_WXID = 'wxid_robot_koishi';
const ROOM = '34757816141@chatroom'; // a group of the fake's: Alice (group card "Alice(群名片)") and Bob
const ALICE = 'wxid_fake_alice01';
/** A 1×1 PNG, as a Koishi plugin would send a generated image (the adapter turns it into `base64://`). */
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==';

const answer = (m: KoishiMessage) =>
  m.content.includes('ping') ? [h.at(m.userId), ` pong ${m.onebot.message_id as number}`, h.image(PNG)] : undefined;

function koishiSuite(mode: QueueMode) {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let gewe: { baseUrl: string };
  let robot: OnlineRobot;
  let token: string;
  let settings: OneBotSettingsView;
  let koishi: KoishiClient | undefined;
  const prefix = redisPrefix(`onebot-koishi-${mode}`);
  const overrides = () => ({
    ...queueOverrides(mode, prefix),
    gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
  });

  async function boot(reuse?: App): Promise<App> {
    const app = await createTestApp({ overrides: overrides(), dir: reuse?.dir, database: reuse?.database });
    await app.app.listen(0, '127.0.0.1');
    admin = (await login(app)).accessToken;
    await pointCallbacksAtApp(app, admin);
    return app;
  }

  beforeAll(async () => {
    // Gewe downloads what it is told to send: so does the fake, so the hosted image must really be served
    fake = new FakeGewe({ fetchMedia: true });
    gewe = await fake.start();
    t = await boot();
    robot = await onlineRobot(t, admin, fake, gewe.baseUrl, 'koishi', ROBOT_WXID);
    token = await oneBotToken(t, admin, 'koishi', [robot.id]);
    settings = await setOneBot(t, admin, robot.id, { enabled: true, forwardWs: true });
  });
  afterEach(async () => {
    await koishi?.stop();
    koishi = undefined;
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    if (mode === 'advanced') await cleanRedis(prefix);
  });

  /** Posts an @-message of Alice's in the group and checks what Koishi saw; resolves with it. */
  async function atMessage(k: KoishiClient, text: string): Promise<KoishiMessage> {
    const body = groupTextCallback({
      appId: robot.appId,
      robotWxid: ROBOT_WXID,
      chatroom: ROOM,
      from: ALICE,
      text: `@Fake Bot\u2005${text}`,
      atWxids: [ROBOT_WXID],
    });
    expect(await postCallback(t, robot.key, body)).toBe(200);
    const m = await k.waitMessage((x) => x.content.includes(text), `Koishi sees "${text}"`);
    // Koishi stringifies ids: integers from our alias tables arrive as their digits
    for (const id of [m.userId, m.guildId, m.selfId, m.channelId]) expect(id).toMatch(/^\d+$/);
    expect(m.selfId).toBe(String(settings.selfId));
    expect(m.isDirect).toBe(false);
    expect(m.atSelf).toBe(true);
    expect(m.ats).toContain(m.selfId);
    expect(m.content).not.toContain('\u2005');
    expect(m.onebot).toMatchObject({ post_type: 'message', message_type: 'group', sub_type: 'normal' });
    expect((m.onebot.sender as Record<string, unknown>).wxid).toBe(ALICE);
    return m;
  }

  /** The fake Gewe saw Koishi's answer: postText with the @ (in ats and in the text), then postImage, to the group. */
  async function expectAnswerSent(m: KoishiMessage): Promise<void> {
    const marker = `pong ${m.onebot.message_id as number}`;
    const { text, image } = await waitFor(
      () => {
        const text = fake.sends('/message/postText').find((s) => String(s.body.content).includes(marker));
        const image = text && fake.sends('/message/postImage').find((s) => s.at >= text.at && s.body.toWxid === ROOM);
        return text && image ? { text, image } : null;
      },
      30_000,
      `postText and postImage of "${marker}" (Koishi log: ${koishiLog()})`,
    );
    expect(text.body).toMatchObject({ toWxid: ROOM, ats: ALICE });
    // the @ written into the text with the member's name in the group (else the nickname)
    expect(String(text.body.content)).toMatch(/^@Alice(\(群名片\))?\s/);
    // Gewe fetches a URL: the base64 image is hosted by us, and serves the image's bytes
    expect(String(image.body.imgUrl)).toMatch(/^https?:\/\//);
    expect(image.fetched).toMatchObject({ status: 200, base64: PNG.slice(PNG.indexOf(',') + 1) });
    const reply = await koishi!.waitReply((r) => r.to === m);
    expect(reply.error).toBeNull();
    expect(reply.ids.length).toBeGreaterThan(0);
    for (const id of reply.ids) expect(id).toMatch(/^\d+$/);
  }

  const koishiLog = () => (koishi ? koishi.logs.slice(-10).join(' | ') : '');

  it('Koishi over forward WebSocket sees the @-message with integer ids and answers at + text + image to the group', async () => {
    koishi = await startKoishi({
      protocol: 'ws',
      endpoint: forwardUrl(t, robot.id),
      token,
      selfId: String(settings.selfId),
      reply: answer,
    });
    await koishi.waitOnline();
    // get_login_info: the robot's alias and nickname
    expect(koishi.bot().user).toMatchObject({ id: String(settings.selfId), name: 'Fake Bot' });
    const m = await atMessage(koishi, 'ping forward');
    await expectAnswerSent(m);

    // a notice too: the official sample of the robot removing a member from this group
    const kick = loadSamples().find((x) => x.kind === 'group_kick')!;
    expect(await postCallback(t, robot.key, sampleBody(kick, robot.appId, ROBOT_WXID))).toBe(200);
    const removed = await koishi.waitSession((x) => x.type.startsWith('guild-member'), 'the member removed');
    expect(removed).toMatchObject({ type: 'guild-member-removed', guildId: m.guildId, selfId: m.selfId });
    expect(removed.userId).toMatch(/^\d+$/);
    expect(removed.userId).not.toBe(m.userId);
  });

  it('Koishi over reverse WebSocket: the robot dials it with X-Self-ID and the access token; the same round trip', async () => {
    koishi = await startKoishi({ protocol: 'ws-reverse', selfId: String(settings.selfId), reply: answer });
    await setOneBot(t, admin, robot.id, {
      reverseWs: [{ url: koishi.reverseUrl, accessToken: 'koishi-reverse-secret', reconnectIntervalMs: 500 }],
    });
    await koishi.waitOnline('Koishi online over reverse WebSocket');
    // Koishi itself does not check the token: its debug log shows the handshake's headers
    expect(koishi.logs.join('\n')).toMatch(/authorization: 'Bearer koishi-reverse-secret'/);
    expect(koishi.logs.join('\n')).toMatch(/'x-client-role': 'Universal'/);
    const m = await atMessage(koishi, 'ping reverse');
    await expectAnswerSent(m);
    await setOneBot(t, admin, robot.id, { reverseWs: [] });
  });

  it('keeps the id aliases across a restart on the same database: get_login_info and the sender are the same', async () => {
    koishi = await startKoishi({
      protocol: 'ws',
      endpoint: forwardUrl(t, robot.id),
      token,
      selfId: String(settings.selfId),
    });
    await koishi.waitOnline();
    const before = await atMessage(koishi, 'before restart');
    const login1 = await httpAction(t, token, robot.id, 'get_login_info');
    expect(login1).toMatchObject({ status: 'ok', retcode: 0, data: { user_id: settings.selfId } });
    await koishi.stop();
    koishi = undefined;

    await t.close();
    t = await boot(t);
    await waitFor(
      async () => (await t.http().get(`/api/robots/${robot.id}/status`).set(bearer(admin))).body.status === 'online',
      30_000,
      'the robot online after the restart',
    );
    const login2 = await httpAction(t, token, robot.id, 'get_login_info');
    expect(login2.data).toEqual(login1.data);
    expect((await t.http().get(`/api/robots/${robot.id}/onebot`).set(bearer(admin)).expect(200)).body.selfId).toBe(
      settings.selfId,
    );

    koishi = await startKoishi({
      protocol: 'ws',
      endpoint: forwardUrl(t, robot.id),
      token,
      selfId: String(settings.selfId),
    });
    await koishi.waitOnline('Koishi online after the restart');
    const after = await atMessage(koishi, 'after restart');
    expect([after.userId, after.guildId, after.selfId]).toEqual([before.userId, before.guildId, before.selfId]);
    expect(after.onebot.message_id).not.toEqual(before.onebot.message_id);
  });
}

describeE2E('OneBot gateway with Koishi, simple queue', () => koishiSuite('simple'));
describeE2E('OneBot gateway with Koishi, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => koishiSuite('advanced')),
);
