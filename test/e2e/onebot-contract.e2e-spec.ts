/**
 * The OneBot v11 contract as a raw WebSocket client sees it, no framework in between: integer ids below 2^53 in every
 * event (alias mode) or the raw WeChat ids (string mode); the standard answer `{status, retcode, data, echo}` of
 * every action the gateway offers; 1404 without a Gewe call for actions WeChat has no meaning for; tokens refused at
 * the handshake (missing, without the scope, limited to another robot); and a client that stops reading is dropped
 * without slowing the callbacks or the other clients.
 */
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { onlineRobot, OnlineRobot, pointCallbacksAtApp } from '../support/online-robot';
import {
  ActionAnswer,
  forwardUrl,
  groupTextCallback,
  idFields,
  newMsgId,
  oneBotToken,
  postCallback,
  RawOneBotClient,
  setOneBot,
} from '../support/onebot';
import { loadSamples, sampleBody, textCallback } from '../support/samples';
import { queueOverrides } from '../support/services';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

const ROBOT_WXID = 'wxid_robot_contract';
const OTHER_WXID = 'wxid_robot_contract2';
const ROOM = '34757816141@chatroom';
const ROOM2 = '12345678901@chatroom';
const ALICE = 'wxid_fake_alice01';
const BOB = 'wxid_fake_bob0002';
const INT32_MAX = 2 ** 31 - 1;

/** The actions of issue 14's list, each with parameters a framework would send (ids filled in by the test). */
type Ids = { self: unknown; alice: unknown; bob: unknown; room: unknown; message: unknown; sent: unknown };
const ACTIONS: [string, (ids: Ids) => Record<string, unknown>][] = [
  ['get_login_info', () => ({})],
  ['get_status', () => ({})],
  ['get_version_info', () => ({})],
  ['can_send_image', () => ({})],
  ['can_send_record', () => ({})],
  ['send_private_msg', (i) => ({ user_id: i.bob, message: 'private hello' })],
  ['send_group_msg', (i) => ({ group_id: i.room, message: [{ type: 'text', data: { text: 'group hello' } }] })],
  ['send_msg', (i) => ({ message_type: 'group', group_id: i.room, message: 'send_msg hello' })],
  ['get_msg', (i) => ({ message_id: i.message })],
  ['delete_msg', (i) => ({ message_id: i.sent })],
  ['get_friend_list', () => ({})],
  ['get_stranger_info', (i) => ({ user_id: i.alice })],
  ['get_group_list', () => ({})],
  ['get_group_info', (i) => ({ group_id: i.room })],
  ['get_group_member_list', (i) => ({ group_id: i.room })],
  ['get_group_member_info', (i) => ({ group_id: i.room, user_id: i.alice })],
  ['set_group_card', (i) => ({ group_id: i.room, user_id: i.self, card: '合约机器人' })],
  ['set_group_admin', (i) => ({ group_id: i.room, user_id: i.bob, enable: true })],
  ['set_group_kick', (i) => ({ group_id: i.room, user_id: i.bob })],
  // the raw chatroom id is accepted as well as the alias
  ['set_group_name', () => ({ group_id: ROOM2, group_name: '改过的群名' })],
  ['set_group_leave', () => ({ group_id: ROOM2 })],
  ['set_friend_add_request', () => ({ flag: 'not-a-flag-of-ours', approve: true })],
  ['set_group_add_request', () => ({ flag: 'not-a-flag-of-ours', sub_type: 'invite', approve: true })],
  ['get_image', () => ({ file: 'nothing.jpg' })],
  ['get_record', () => ({ file: 'nothing.silk', out_format: 'mp3' })],
];

function expectStandardAnswer(a: ActionAnswer, echo: unknown, what: string) {
  expect({
    what,
    keys: Object.keys(a)
      .filter((k) => ['status', 'retcode', 'data', 'echo'].includes(k))
      .sort(),
  }).toEqual({ what, keys: ['data', 'echo', 'retcode', 'status'] });
  expect({ what, status: ['ok', 'async', 'failed'].includes(a.status) }).toEqual({ what, status: true });
  expect({ what, retcode: Number.isInteger(a.retcode) }).toEqual({ what, retcode: true });
  expect({ what, consistent: (a.status === 'ok') === (a.retcode === 0) }).toEqual({ what, consistent: true });
  expect({ what, echo: a.echo }).toEqual({ what, echo });
}

describeE2E('OneBot v11 contract, raw WebSocket client', () => {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let robot: OnlineRobot;
  let other: OnlineRobot;
  let token: string;
  const clients: RawOneBotClient[] = [];

  const connect = async (url: string, tok?: string, via?: 'header' | 'query') => {
    const c = await RawOneBotClient.connect(url, tok, via);
    clients.push(c);
    return c;
  };
  /** The handshake's refusal: its HTTP status, or the close code when it was accepted and then closed. */
  const refusal = async (url: string, tok?: string): Promise<number> => {
    try {
      const c = await connect(url, tok);
      await waitFor(() => c.closed, 30_000, 'the refused socket closed');
      return c.closed!.code;
    } catch (e) {
      const err = e as { status?: number; code?: number };
      return err.status ?? err.code ?? -1;
    }
  };
  const groupAt = (text: string, from = ALICE) =>
    groupTextCallback({
      appId: robot.appId,
      robotWxid: ROBOT_WXID,
      chatroom: ROOM,
      from,
      text: `@Fake Bot\u2005${text}`,
      atWxids: [ROBOT_WXID],
    });
  const messagesLogged = async () =>
    (await t.http().get(`/api/messages?robotId=${robot.id}&limit=1`).set(bearer(admin)).expect(200)).body
      .total as number;

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    t = await createTestApp({
      overrides: {
        ...queueOverrides('simple', ''),
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
      },
    });
    await t.app.listen(0, '127.0.0.1');
    admin = (await login(t)).accessToken;
    await pointCallbacksAtApp(t, admin);
    robot = await onlineRobot(t, admin, fake, gewe.baseUrl, 'contract', ROBOT_WXID);
    other = await onlineRobot(t, admin, fake, gewe.baseUrl, 'contract-2', OTHER_WXID);
    token = await oneBotToken(t, admin, 'contract', [robot.id]);
    await setOneBot(t, admin, robot.id, { enabled: true, forwardWs: true });
    await setOneBot(t, admin, other.id, { enabled: true, forwardWs: true });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
  });

  it('in alias mode every id of every event is an integer below 2^53 (message ids fit int32), the wxid beside it', async () => {
    const c = await connect(forwardUrl(t, robot.id), token);
    const lifecycle = await c.waitEvent((e) => e.post_type === 'meta_event' && e.meta_event_type === 'lifecycle');
    expect(lifecycle.sub_type).toBe('connect');
    // every official sample (but the offline notice, which would log the robot out), then a sentinel message
    for (const s of loadSamples().filter((x) => x.kind !== 'offline'))
      expect([s.kind, await postCallback(t, robot.key, sampleBody(s, robot.appId, ROBOT_WXID))]).toEqual([s.kind, 200]);
    const private1 = textCallback({
      appId: robot.appId,
      robotWxid: ROBOT_WXID,
      from: BOB,
      text: 'private to the robot',
      newMsgId: newMsgId(),
    });
    expect(await postCallback(t, robot.key, private1)).toBe(200);
    expect(await postCallback(t, robot.key, groupAt('sentinel'))).toBe(200);
    const sentinel = await c.waitEvent(
      (e) => e.post_type === 'message' && String(e.raw_message).includes('sentinel'),
      'the sentinel message',
    );

    const events = c.events.slice(0, c.events.indexOf(sentinel) + 1);
    expect(events.filter((e) => e.post_type !== 'meta_event').length).toBeGreaterThan(2);
    for (const e of events) {
      const event = [e.post_type, e.message_type, e.notice_type, e.request_type, e.meta_event_type]
        .filter((x) => typeof x === 'string')
        .join('.');
      for (const { path, value } of idFields(e)) {
        // 0 is the standard's "none" for a group or an operator not known (a group invite's group before the robot
        // joined it, who removed a member)
        const none = value === 0 && (path === 'group_id' || path === 'operator_id');
        const ok = typeof value === 'number' && Number.isSafeInteger(value) && (value > 0 || none);
        expect({ event, path, value, ok }).toEqual({ event, path, value, ok: true });
        if (path === 'message_id') expect(value as number).toBeLessThanOrEqual(INT32_MAX);
      }
    }
    const login = await c.call('get_login_info');
    expect(sentinel.self_id).toBe((login.data as { user_id: number }).user_id);
    expect(sentinel).toMatchObject({ message_type: 'group', sub_type: 'normal', to_me: true });
    expect(Array.isArray(sentinel.message)).toBe(true);
    expect(sentinel.message).toEqual(
      expect.arrayContaining([{ type: 'at', data: expect.objectContaining({ qq: String(sentinel.self_id) }) }]),
    );
    expect((sentinel.sender as Record<string, unknown>).wxid).toBe(ALICE);
    const priv = events.find((e) => e.message_type === 'private' && String(e.raw_message).includes('private to'));
    expect(priv).toMatchObject({ post_type: 'message', sub_type: 'friend' });
    expect((priv!.sender as Record<string, unknown>).wxid).toBe(BOB);
  });

  it('in string mode the ids are the raw WeChat ids', async () => {
    await setOneBot(t, admin, robot.id, { idMode: 'string' });
    try {
      const c = await connect(forwardUrl(t, robot.id), token);
      expect(await postCallback(t, robot.key, groupAt('string mode'))).toBe(200);
      const e = await c.waitEvent((x) => x.post_type === 'message' && String(x.raw_message).includes('string mode'));
      expect(e).toMatchObject({ self_id: ROBOT_WXID, group_id: ROOM, user_id: ALICE });
      expect(typeof e.message_id).toBe('string');
      expect(e.message_id).toMatch(/^\d+$/);
      const login = await c.call('get_login_info');
      expect(login.data).toMatchObject({ user_id: ROBOT_WXID });
    } finally {
      await setOneBot(t, admin, robot.id, { idMode: 'alias' });
    }
  });

  it('answers every action of the list in the standard shape, with the echo given', async () => {
    const c = await connect(forwardUrl(t, robot.id), token);
    expect(await postCallback(t, robot.key, groupAt('for the actions'))).toBe(200);
    const e = await c.waitEvent((x) => x.post_type === 'message' && String(x.raw_message).includes('for the actions'));
    const login = (await c.call('get_login_info')).data as { user_id: unknown };
    const ids: Ids = {
      self: login.user_id,
      alice: e.user_id,
      bob: BOB, // a raw wxid where a framework knows no alias yet
      room: e.group_id,
      message: e.message_id,
      sent: null,
    };
    const answers: Record<string, ActionAnswer> = {};
    for (const [action, params] of ACTIONS) {
      const echo = { n: action, at: [1, 'x'] }; // any JSON comes back as it was
      const a = await c.call(action, params(ids), echo);
      expectStandardAnswer(a, echo, action);
      answers[action] = a;
      if (action === 'send_group_msg') ids.sent = (a.data as { message_id: unknown }).message_id;
    }
    const ok = (action: string) => expect({ action, status: answers[action].status }).toEqual({ action, status: 'ok' });
    for (const a of ['get_login_info', 'get_status', 'get_version_info', 'can_send_image', 'can_send_record']) ok(a);
    for (const a of ['send_private_msg', 'send_group_msg', 'send_msg', 'get_msg', 'delete_msg']) ok(a);
    for (const a of ['get_friend_list', 'get_stranger_info', 'get_group_list', 'get_group_info']) ok(a);
    for (const a of ['get_group_member_list', 'get_group_member_info', 'set_group_name', 'set_group_leave']) ok(a);
    expect(answers.get_status.data).toMatchObject({ online: true });
    const sent = (answers.send_group_msg.data as { message_id: number }).message_id;
    expect(Number.isInteger(sent) && sent > 0 && sent <= INT32_MAX).toBe(true);
    expect(answers.get_msg.data).toMatchObject({ message_id: ids.message });
    expect(Array.isArray((answers.get_msg.data as { message: unknown }).message)).toBe(true);
    // lists carry the raw wxid beside the alias
    const friends = answers.get_friend_list.data as { user_id: unknown; wxid: string }[];
    expect(friends.find((f) => f.wxid === ALICE)?.user_id).toBe(ids.alice);
    for (const f of friends) expect(Number.isSafeInteger(f.user_id)).toBe(true);
    // card = the member's display name in the group
    expect(answers.get_group_member_info.data).toMatchObject({ user_id: ids.alice, card: 'Alice(群名片)' });
    // a flag that is not one of ours is a bad parameter, not a Gewe call
    expect(answers.set_friend_add_request).toMatchObject({ status: 'failed', retcode: 1400 });
    // the sends reached the fake Gewe, the raw chatroom id was understood
    expect(fake.sends('/message/postText').some((s) => s.body.content === 'group hello')).toBe(true);
    expect(fake.sends('/message/revokeMsg').length).toBeGreaterThan(0);
    expect(fake.sends('/group/quitChatroom').some((s) => s.body.chatroomId === ROOM2)).toBe(true);

    // _async: accepted at once, done later
    const asyncAnswer = await c.call('send_group_msg_async', { group_id: ids.room, message: 'async hello' }, 'a1');
    expectStandardAnswer(asyncAnswer, 'a1', 'send_group_msg_async');
    expect(asyncAnswer).toMatchObject({ status: 'async', retcode: 1 });
    await waitFor(() => fake.sends('/message/postText').some((s) => s.body.content === 'async hello'));
  });

  it('answers 1404 at once, without calling Gewe, for actions with no WeChat meaning and unknown ones', async () => {
    const c = await connect(forwardUrl(t, robot.id), token);
    const callsBefore = fake.calls().length;
    for (const action of ['set_group_ban', 'set_group_whole_ban', 'send_like', 'get_cookies', 'no_such_action']) {
      const a = await c.call(action, { group_id: 1, user_id: 2, duration: 60, times: 10 }, action);
      expectStandardAnswer(a, action, action);
      expect({ action, status: a.status, retcode: a.retcode }).toEqual({ action, status: 'failed', retcode: 1404 });
    }
    // the probes Koishi makes on connect, answered too
    for (const action of ['get_guild_service_profile', 'get_guild_list'])
      expect((await c.call(action, {}, action)).retcode).toBe(1404);
    expect(fake.calls().length).toBe(callsBefore);
  });

  it('refuses a missing token, a token without the onebot scope and a token limited to another robot', async () => {
    const noScope = (
      await t
        .http()
        .post('/api/admin/tokens')
        .set(bearer(admin))
        .send({ name: 'reader', scopes: ['robots:read'] })
        .expect(201)
    ).body.token as string;
    const url = forwardUrl(t, robot.id);
    expect(await refusal(url)).toBe(401);
    expect([401, 403, 1008]).toContain(await refusal(url, 'og_not-a-token'));
    expect([403, 1008]).toContain(await refusal(url, noScope));
    // a token for robot 1 cannot open robot 2's socket, nor call its HTTP API
    expect([403, 1008]).toContain(await refusal(forwardUrl(t, other.id), token));
    const http = await t.http().post(`/onebot/v11/${other.id}/get_login_info`).set(bearer(token)).send({});
    expect(http.status).toBe(403);
    // the right token, in the query as the standard allows
    const c = await connect(url, token, 'query');
    expect((await c.call('get_login_info')).status).toBe('ok');
  });

  it('drops a client that stops reading, while every callback is still logged and the other clients get them all', async () => {
    const slow = await connect(forwardUrl(t, robot.id), token);
    const fast = await connect(forwardUrl(t, robot.id), token);
    slow.ws.pause(); // stops reading: what the gateway sends piles up
    const before = await messagesLogged();
    // ~24 MB of events (45 KB of random Chinese text each — random, so permessage-deflate cannot shrink it — twice:
    // segments and raw_message): more than the gateway buffers for a client (8 MB) plus what the sockets between two
    // processes can hold; a callback stays under the simple queue's 20 000 characters
    const N = 400;
    const pad = () =>
      Array.from({ length: 15_000 }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))).join('');
    for (let i = 0; i < N; i++) expect(await postCallback(t, robot.key, groupAt(`flood ${i} ${pad()}`))).toBe(200);
    await waitFor(async () => (await messagesLogged()) >= before + N, 120_000, `${N} callbacks logged`);
    await waitFor(
      () => fast.events.filter((e) => String(e.raw_message).includes('flood ')).length >= N,
      120_000,
      'the reading client got every event',
    );
    // once it reads again it finds its connection closed by the gateway
    slow.ws.resume();
    await waitFor(() => slow.closed, 120_000, 'the slow client dropped');
    expect(slow.events.filter((e) => String(e.raw_message).includes('flood ')).length).toBeLessThan(N);
    expect(fast.closed).toBeNull();
  });
});
