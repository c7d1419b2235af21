/**
 * Friend requests and group actions through the real app, the fake Gewe and one online robot: the inbox fills from
 * friend_request callbacks; accepting calls addContacts with the request's tickets and sends the greeting, both in the
 * send governor; ignoring sends nothing; a contact-added callback or FriendGate's accept marks a request accepted;
 * group actions reach Gewe's endpoints, audited, with Gewe's refusals as GROUP_NOT_OWNER / GEWE_PAID_FEATURE.
 */
import { SendGovernor } from '../../src/sending/send-governor';
import { friendRequestCallback, ticketsOf } from '../support/friend-requests';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../support/plugin-e2e';
import { bearer, describeE2E } from '../support/test-app';
import { waitFor } from '../support/wait';

const GROUP = '34757816141@chatroom';
/** The wxid of the official ModContacts sample ("好友通过验证及好友资料变更的通知消息"). */
const SAMPLE_CONTACT = 'wxid_0xsqb3o0tsvz22';

interface RequestView {
  id: number;
  wxid: string;
  nickname: string | null;
  avatar: string | null;
  content: string;
  scene: number | null;
  status: string;
  handledBy: string | null;
  receivedAt: string;
}

describeE2E('friend requests and group actions', () => {
  let h: PluginHarness;
  /** The Gewe paths each governed send reached (a send that ran inside SendGovernor.schedule). */
  const governed: string[] = [];

  const api = () => h.t.http();
  const auth = () => bearer(h.admin);
  const base = () => `/api/robots/${h.robot.id}`;
  const ask = (wxid: string, content: string, nickname = wxid, scene?: number) =>
    h.post(friendRequestCallback({ appId: h.robot.appId, robotWxid: ROBOT_WXID, wxid, nickname, content, scene }));
  const list = async (status?: string): Promise<RequestView[]> => {
    const res = await api()
      .get(`${base()}/friend-requests`)
      .query(status ? { status } : {})
      .set(auth())
      .expect(200);
    return (res.body as { items: RequestView[] }).items;
  };
  const requestOf = (wxid: string) =>
    waitFor(async () => (await list()).find((r) => r.wxid === wxid) ?? null, undefined, `the request of ${wxid}`);
  const audit = async (action: string) =>
    (await api().get('/api/admin/audit').query({ action }).set(auth()).expect(200)).body.items as {
      action: string;
      targetId: string | null;
      outcome?: string;
      status?: number;
    }[];

  beforeAll(async () => {
    h = await startPluginHarness({ mode: 'simple', name: 'relations' });
    const governor = h.t.app.get(SendGovernor);
    const schedule = governor.schedule.bind(governor);
    jest.spyOn(governor, 'schedule').mockImplementation((robotId, send, options) =>
      schedule(
        robotId,
        async () => {
          const before = h.fake.sends().length;
          const out = await send();
          governed.push(
            ...h.fake
              .sends()
              .slice(before)
              .map((s) => s.path),
          );
          return out;
        },
        options,
      ),
    );
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  describe('the friend-request inbox', () => {
    it('lists a request from its callback: pending, with nickname, avatar, verification text and scene', async () => {
      expect(await ask('wxid_ann001', '我是 Ann，想加你', 'Ann', 30)).toBe(200);
      const r = await requestOf('wxid_ann001');
      expect(r).toMatchObject({
        wxid: 'wxid_ann001',
        nickname: 'Ann',
        content: '我是 Ann，想加你',
        scene: 30,
        status: 'pending',
        handledBy: null,
      });
      expect(r.avatar).toMatch(/^http/);
      expect(Number.isNaN(Date.parse(r.receivedAt))).toBe(false);
      expect((await list('pending')).map((x) => x.wxid)).toContain('wxid_ann001');
      expect((await list('accepted')).map((x) => x.wxid)).not.toContain('wxid_ann001');
    });

    it('accepts with the tickets and scene, then greets, both through the send governor', async () => {
      const r = await requestOf('wxid_ann001');
      const res = await api()
        .post(`${base()}/friend-requests/${r.id}/accept`)
        .set(auth())
        .send({ greeting: '你好 Ann，欢迎！' })
        .expect(200);
      expect(res.body).toMatchObject({
        request: { id: r.id, status: 'accepted', handledBy: 'admin' },
        greeting: 'sent',
        greetingError: null,
      });
      const accepts = h.sends('/contacts/addContacts');
      expect(accepts.map((s) => s.body)).toEqual([
        expect.objectContaining({ scene: 30, option: 3, ...ticketsOf('wxid_ann001'), content: '' }),
      ]);
      const texts = h.sends('/message/postText');
      expect(texts.map((s) => s.body)).toEqual([
        expect.objectContaining({ toWxid: 'wxid_ann001', content: '你好 Ann，欢迎！' }),
      ]);
      expect(texts[0].at).toBeGreaterThanOrEqual(accepts[0].at);
      expect(governed).toEqual(expect.arrayContaining(['/contacts/addContacts', '/message/postText']));
      expect((await list('accepted')).map((x) => x.wxid)).toContain('wxid_ann001');
      const rows = await audit('friend_request.accept');
      expect(rows[0]).toMatchObject({ action: 'friend_request.accept', targetId: String(r.id) });
      // the greeting is in the message log at once, as the robot's own, sent through the API by the admin
      const logged = await waitFor(
        async () =>
          (
            (await api().get(`/api/messages?robotId=${h.robot.id}&chatId=wxid_ann001`).set(auth()).expect(200)).body
              .items as { text: string; isSelf: boolean; sentBy: { via: string; client: string } | null }[]
          ).find((m) => m.text === '你好 Ann，欢迎！') ?? null,
        undefined,
        'the greeting logged',
      );
      expect(logged).toMatchObject({ isSelf: true, sentBy: { via: 'api', client: 'admin' } });
    });

    it('answers a second accept with the accepted request, without calling Gewe again; ignoring it is refused', async () => {
      const r = await requestOf('wxid_ann001');
      const again = await api().post(`${base()}/friend-requests/${r.id}/accept`).set(auth()).send({}).expect(200);
      expect(again.body).toMatchObject({ request: { status: 'accepted' }, greeting: 'none' });
      expect(h.sends('/contacts/addContacts')).toHaveLength(1);
      const refused = await api().post(`${base()}/friend-requests/${r.id}/ignore`).set(auth()).expect(409);
      expect(refused.body).toMatchObject({
        code: 'FRIEND_REQUEST_NOT_PENDING',
        params: { id: r.id, status: 'accepted' },
      });
    });

    it('ignores a request without telling Gewe; accepting it afterwards is refused', async () => {
      expect(await ask('wxid_bob002', 'hello', 'Bob')).toBe(200);
      const r = await requestOf('wxid_bob002');
      const sendsBefore = h.sends().length;
      const res = await api().post(`${base()}/friend-requests/${r.id}/ignore`).set(auth()).expect(200);
      expect(res.body).toMatchObject({ id: r.id, status: 'ignored', handledBy: 'admin' });
      await api().post(`${base()}/friend-requests/${r.id}/ignore`).set(auth()).expect(200);
      const refused = await api().post(`${base()}/friend-requests/${r.id}/accept`).set(auth()).send({}).expect(409);
      expect(refused.body).toMatchObject({ code: 'FRIEND_REQUEST_NOT_PENDING', params: { status: 'ignored' } });
      expect(h.sends()).toHaveLength(sendsBefore);
      expect((await list('ignored')).map((x) => x.wxid)).toEqual(['wxid_bob002']);
    });

    it('puts an ignored request back to pending when the person asks again, with the new text', async () => {
      expect(await ask('wxid_bob002', '再问一次', 'Bob')).toBe(200);
      const r = await waitFor(
        async () => (await list('pending')).find((x) => x.wxid === 'wxid_bob002') ?? null,
        undefined,
        'the second request of wxid_bob002',
      );
      expect(r).toMatchObject({ content: '再问一次', handledBy: null });
      expect((await list()).filter((x) => x.wxid === 'wxid_bob002')).toHaveLength(1);
    });

    it('keeps a request accepted when the greeting fails, and says why', async () => {
      expect(await ask('wxid_carl004', '你好', 'Carl')).toBe(200);
      const r = await requestOf('wxid_carl004');
      h.fake.fault({ path: '/message/postText', mode: 'ret500', msg: '发送失败', times: 1 });
      const res = await api()
        .post(`${base()}/friend-requests/${r.id}/accept`)
        .set(auth())
        .send({ greeting: '欢迎' })
        .expect(200);
      expect(res.body).toMatchObject({
        request: { status: 'accepted' },
        greeting: 'failed',
        greetingError: 'GEWE_API_ERROR',
      });
    });

    it('lists newest first', async () => {
      const wxids = (await list()).map((x) => x.wxid);
      expect(wxids.indexOf('wxid_bob002')).toBeLessThan(wxids.indexOf('wxid_ann001'));
    });

    it('makes an accepted request pending again when the person asks anew (no longer a friend)', async () => {
      const before = await requestOf('wxid_ann001');
      expect(before.status).toBe('accepted');
      expect(await ask('wxid_ann001', '又是我', 'Ann', 30)).toBe(200);
      const again = await waitFor(
        async () => (await list('pending')).find((x) => x.wxid === 'wxid_ann001') ?? null,
        undefined,
        'the new request of wxid_ann001',
      );
      expect(again).toMatchObject({ id: before.id, content: '又是我', handledBy: null });
    });

    it('answers FRIEND_REQUEST_NOT_FOUND for another id, and 401 without a token', async () => {
      const res = await api().post(`${base()}/friend-requests/999999/accept`).set(auth()).send({}).expect(404);
      expect(res.body).toMatchObject({ code: 'FRIEND_REQUEST_NOT_FOUND', params: { id: 999999 } });
      await api().get(`${base()}/friend-requests`).expect(401);
      await api().post(`${base()}/friend-requests/1/accept`).send({}).expect(401);
    });

    it('marks a pending request accepted when WeChat reports the contact added (accepted on the phone)', async () => {
      expect(await ask(SAMPLE_CONTACT, '加个好友', 'chaoxi')).toBe(200);
      expect((await requestOf(SAMPLE_CONTACT)).status).toBe('pending');
      expect(await h.post(h.fake.sampleText('好友通过验证及好友资料变更的通知消息', { appid: h.robot.appId }))).toBe(
        200,
      );
      const r = await waitFor(
        async () => (await list('accepted')).find((x) => x.wxid === SAMPLE_CONTACT) ?? null,
        undefined,
        'the request accepted by the contact-added callback',
      );
      expect(r.handledBy).toBe('wechat');
    });

    it('shows a request FriendGate accepted as accepted', async () => {
      await h.enable('FriendGate', { keywords: ['OpenGewe'], greeting: '', greetingDelaySeconds: 0, inviteGroups: [] });
      const before = h.sends('/contacts/addContacts').length;
      expect(await ask('wxid_gate003', '来自 OpenGewe', 'Gate')).toBe(200);
      const [accept] = (await h.waitSends(before + 1, '/contacts/addContacts', "FriendGate's accept")).slice(before);
      expect(accept.body).toMatchObject(ticketsOf('wxid_gate003'));
      const r = await waitFor(
        async () => (await list('accepted')).find((x) => x.wxid === 'wxid_gate003') ?? null,
        undefined,
        'the request FriendGate accepted',
      );
      expect(r.handledBy).toBe('plugin:FriendGate');
    });
  });

  describe('group actions', () => {
    const group = (path: string) => `${base()}/groups/${encodeURIComponent(GROUP)}/${path}`;
    /** What the robot sent to a Gewe endpoint, without the appId every call carries. */
    const bodies = (path: string) =>
      h.sends(path).map((s) => Object.fromEntries(Object.entries(s.body).filter(([k]) => k !== 'appId')));

    it('removes members through /group/removeMember, audited, and out of the directory at once', async () => {
      const members = async () =>
        (
          (
            await api()
              .get(`${base()}/groups/${encodeURIComponent(GROUP)}/members`)
              .set(auth())
              .expect(200)
          ).body.items as { wxid: string }[]
        ).map((m) => m.wxid);
      await api().post(`${base()}/directory/sync`).set(auth()).expect(202);
      await waitFor(
        async () => ((await members()).includes('wxid_fake_bob0002') ? true : null),
        undefined,
        'the group members synced',
      );
      const res = await api()
        .post(group('remove'))
        .set(auth())
        .send({ wxids: ['wxid_fake_alice01', 'wxid_fake_bob0002'] })
        .expect(200);
      expect(res.body).toEqual({ chatId: GROUP, wxids: ['wxid_fake_alice01', 'wxid_fake_bob0002'] });
      expect(bodies('/group/removeMember')).toEqual([
        { chatroomId: GROUP, wxids: 'wxid_fake_alice01,wxid_fake_bob0002' },
      ]);
      expect((await audit('group.remove'))[0]).toMatchObject({ targetId: GROUP });
      const left = await members();
      expect(left).not.toContain('wxid_fake_alice01');
      expect(left).not.toContain('wxid_fake_bob0002');
    });

    it('invites through the send governor; a group under 40 members adds directly', async () => {
      const res = await api()
        .post(group('invite'))
        .set(auth())
        .send({ wxids: ['wxid_new0001'], reason: '欢迎' })
        .expect(200);
      expect(res.body).toEqual({ chatId: GROUP, wxids: ['wxid_new0001'], memberCount: 3, mode: 'direct' });
      expect(bodies('/group/inviteMember')).toEqual([{ chatroomId: GROUP, wxids: 'wxid_new0001', reason: '欢迎' }]);
      expect(governed).toContain('/group/inviteMember');
    });

    it('renames, reads and sets the announcement (the set through the governor), quits', async () => {
      await api().put(group('name')).set(auth()).send({ name: '新群名' }).expect(200);
      expect(bodies('/group/modifyChatroomName')).toEqual([{ chatroomId: GROUP, chatroomName: '新群名' }]);
      const a = await api().get(group('announcement')).set(auth()).expect(200);
      expect(a.body).toMatchObject({ chatId: GROUP, content: expect.stringContaining('群公告') });
      await api().put(group('announcement')).set(auth()).send({ content: '明天开会' }).expect(200);
      expect(bodies('/group/setChatroomAnnouncement')).toEqual([{ chatroomId: GROUP, content: '明天开会' }]);
      expect(governed).toContain('/group/setChatroomAnnouncement');
      await api().post(group('quit')).set(auth()).expect(200);
      expect(bodies('/group/quitChatroom')).toEqual([{ chatroomId: GROUP }]);
      for (const action of ['group.rename', 'group.announcement', 'group.quit', 'group.invite'])
        expect((await audit(action))[0]).toMatchObject({ action, targetId: GROUP });
    });

    it('answers the QR code as a data URL', async () => {
      const res = await api().get(group('qrcode')).set(auth()).expect(200);
      expect(res.body.dataUrl).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/]+=*$/);
      expect(res.body.tips).toBe('该二维码7天内有效');
    });

    it("maps Gewe's refusals: not the owner → 403 GROUP_NOT_OWNER, paid only → 403 GEWE_PAID_FEATURE", async () => {
      h.fake.fault({ path: '/group/removeMember', mode: 'ret500', msg: '你不是群主或管理员，无法操作', times: 1 });
      const notOwner = await api()
        .post(group('remove'))
        .set(auth())
        .send({ wxids: ['wxid_fake_alice01'] });
      expect(notOwner.status).toBe(403);
      expect(notOwner.body).toMatchObject({ code: 'GROUP_NOT_OWNER', params: { id: GROUP } });
      h.fake.fault({ path: '/group/getChatroomQrCode', mode: 'ret500', msg: '该接口仅限付费版gewe调用', times: 1 });
      const paid = await api().get(group('qrcode')).set(auth());
      expect(paid.status).toBe(403);
      expect(paid.body).toMatchObject({ code: 'GEWE_PAID_FEATURE', params: { endpoint: '/group/getChatroomQrCode' } });
      h.fake.fault({ path: '/group/modifyChatroomName', mode: 'ret500', msg: '系统繁忙', times: 1 });
      const other = await api().put(group('name')).set(auth()).send({ name: 'x' });
      expect(other.status).toBe(502);
      expect(other.body).toMatchObject({ code: 'GEWE_API_ERROR' });
      const failed = await audit('group.remove');
      expect(failed[0]).toMatchObject({ targetId: GROUP });
    });

    it('refuses a chat that is not a group, and a bad member list, naming the field', async () => {
      const notGroup = await api()
        .post(`${base()}/groups/wxid_fake_alice01/remove`)
        .set(auth())
        .send({ wxids: ['x'] })
        .expect(400);
      expect(notGroup.body).toMatchObject({ code: 'NOT_A_GROUP', params: { id: 'wxid_fake_alice01' } });
      const empty = await api().post(group('remove')).set(auth()).send({ wxids: [] }).expect(400);
      expect(JSON.stringify(empty.body)).toContain('wxids');
      await api().post(group('quit')).expect(401);
    });
  });
});
