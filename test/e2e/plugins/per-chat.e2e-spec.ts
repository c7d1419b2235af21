/**
 * The first-party plugins set per chat, through the per-chat API the console's chat page uses
 * (`PUT /api/robots/{robot_id}/chats/{chat_id}/plugins/{name}`), in both queue modes: a chat's section of each
 * plugin's chatConfigSchema changes what the plugin does in that chat only (KeywordReply's rules, GroupWelcome's
 * template, AiChat's system prompt, GroupDigest's language), and a plugin off everywhere but switched on for one chat
 * acts in that chat only.
 */
import { joinCallback } from '../../support/group-notices';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-llm';
import { newMsgId } from '../../support/onebot';
import { dispatched, groupMessage } from '../../support/plugin-callbacks';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, type QueueMode } from '../../support/services';
import { bearer, describeE2E } from '../../support/test-app';
import { waitFor } from '../../support/wait';

function perChatSuite(mode: QueueMode) {
  let h: PluginHarness;
  let llm: FakeOpenAi;
  const room = (n: number) => `${mode === 'simple' ? 7100 : 7200}00000${n}@chatroom`;

  const setChat = (chatId: string, plugin: string, body: Record<string, unknown>) =>
    h.t
      .http()
      .put(`/api/robots/${h.robot.id}/chats/${encodeURIComponent(chatId)}/plugins/${plugin}`)
      .set(bearer(h.admin))
      .send(body)
      .expect(200);
  const textsTo = (chatId: string) =>
    h
      .sends('/message/postText')
      .filter((s) => s.body.toWxid === chatId)
      .map((s) => String(s.body.content));
  const waitTexts = (chatId: string, n: number, what: string) =>
    waitFor(() => (textsTo(chatId).length >= n ? textsTo(chatId) : null), undefined, what);
  /** Posts a member's group text and waits until the plugins have run on it. */
  async function say(chatId: string, text: string, from = 'wxid_member01', name = 'Member') {
    const id = newMsgId();
    expect(await h.post(groupMessage(h, { room: chatId, from, name, content: text, id }))).toBe(200);
    await dispatched(h, chatId, id);
  }

  beforeAll(async () => {
    llm = await startFakeOpenAi();
    h = await startPluginHarness({ mode, name: 'per-chat' });
    // ExamplePlugin (on by default) would answer too: only the plugins under test answer here
    await h.t.http().post('/api/plugins/ExamplePlugin/disable').set(bearer(h.admin)).expect(200);
  });
  afterAll(async () => {
    await h?.close();
    await llm?.close();
  });
  beforeEach(() => h.fake.clearLogs());

  it("KeywordReply: a chat's own rules replace the global ones in that chat only", async () => {
    await h.enable('KeywordReply', {
      rules: [{ match: 'exact', pattern: 'menu', reply: { type: 'text', text: 'global menu' } }],
    });
    const res = await setChat(room(1), 'KeywordReply', {
      config: { rules: [{ match: 'exact', pattern: 'menu', reply: { type: 'text', text: 'menu of room 1' } }] },
    });
    expect(res.body).toMatchObject({ name: 'KeywordReply', config: { rules: [{ pattern: 'menu' }] } });
    await say(room(1), 'menu');
    await say(room(2), 'menu');
    expect(await waitTexts(room(1), 1, 'the answer in room 1')).toEqual(['menu of room 1']);
    expect(await waitTexts(room(2), 1, 'the answer in room 2')).toEqual(['global menu']);
    await h.t.http().post('/api/plugins/KeywordReply/disable').set(bearer(h.admin)).expect(200);
  });

  it('a plugin off everywhere but switched on for one chat answers in that chat only', async () => {
    await h.enable('KeywordReply', {
      rules: [{ match: 'exact', pattern: 'hours', reply: { type: 'text', text: '9 to 5' } }],
    });
    await h.t.http().post('/api/plugins/KeywordReply/disable').set(bearer(h.admin)).expect(200);
    const res = await setChat(room(3), 'KeywordReply', { enabled: true });
    expect(res.body).toMatchObject({ globalEnabled: false, chatEnabled: true, inheritedEnabled: false, enabled: true });
    await say(room(4), 'hours');
    await say(room(3), 'hours');
    expect(await waitTexts(room(3), 1, 'the answer in the chat that switched it on')).toEqual(['9 to 5']);
    expect(textsTo(room(4))).toEqual([]);
    await setChat(room(3), 'KeywordReply', { enabled: null });
  });

  it("GroupWelcome: a group's own template welcomes in that group, the global one elsewhere", async () => {
    await h.enable('GroupWelcome', { mergeWindowSeconds: 1, welcomeText: 'Welcome {at}' });
    await setChat(room(5), 'GroupWelcome', { config: { welcomeText: '欢迎 {at} 来到五群' } });
    const join = (chatId: string, n: number) =>
      h.post(
        joinCallback({
          appId: h.robot.appId,
          robotWxid: ROBOT_WXID,
          room: chatId,
          inviter: { wxid: 'wxid_owner01', nickname: '群主' },
          joined: [{ wxid: `wxid_join${n}`, nickname: `新人${n}` }],
        }),
      );
    expect(await join(room(5), 1)).toBe(200);
    expect(await join(room(6), 2)).toBe(200);
    expect(await waitTexts(room(5), 1, 'the welcome in room 5')).toEqual(['欢迎 @新人1 来到五群']);
    expect(await waitTexts(room(6), 1, 'the welcome in room 6')).toEqual(['Welcome @新人2']);
    await h.t.http().post('/api/plugins/GroupWelcome/disable').set(bearer(h.admin)).expect(200);
  });

  it("AiChat: a chat's own system prompt over the robot's, the robot's over the plugin's", async () => {
    await h.enable('AiChat', {
      baseUrl: llm.baseUrl,
      apiKey: llm.apiKey,
      model: 'fake-model',
      retries: 0,
      systemPrompt: 'GLOBAL PROMPT',
      robotPrompts: [{ robotId: h.robot.id, systemPrompt: 'ROBOT PROMPT' }],
      typingMsPerChar: 0,
    });
    await setChat(room(7), 'AiChat', { config: { systemPrompt: 'ROOM 7 PROMPT' } });
    for (const chatId of [room(7), room(8)]) {
      const id = newMsgId();
      await h.post(
        groupMessage(h, {
          room: chatId,
          from: 'wxid_member02',
          name: 'Asker',
          content: '@Fake Bot\u2005hi',
          id,
        }).replace(
          '<msgsource><membercount>5</membercount></msgsource>',
          `<msgsource><atuserlist>${ROBOT_WXID}</atuserlist><membercount>5</membercount></msgsource>`,
        ),
      );
      await waitTexts(chatId, 1, `the answer in ${chatId}`);
    }
    const systems = llm.requests.map((r) => (r.body.messages as { role: string; content: string }[])[0]);
    expect(systems).toEqual([
      { role: 'system', content: 'ROOM 7 PROMPT' },
      { role: 'system', content: 'ROBOT PROMPT' },
    ]);
    await h.t.http().post('/api/plugins/AiChat/disable').set(bearer(h.admin)).expect(200);
  });

  it("GroupDigest: a group's language setting makes its digest English, the others stay Chinese", async () => {
    await h.enable('GroupDigest');
    await setChat(room(9), 'GroupDigest', { config: { language: 'en' } });
    for (const chatId of [room(9), room(10)]) {
      await say(chatId, 'good morning', 'wxid_alice', 'Alice');
      await say(chatId, '#群总结', 'wxid_bob', 'Bob');
    }
    const [en] = await waitTexts(room(9), 1, 'the digest of room 9');
    const [zh] = await waitTexts(room(10), 1, 'the digest of room 10');
    expect(en).not.toMatch(/[\u4e00-\u9fff]/);
    expect(zh).toMatch(/消息总数/);
    await h.t.http().post('/api/plugins/GroupDigest/disable').set(bearer(h.admin)).expect(200);
  });
}

describeE2E('first-party plugins set per chat — simple queue', () => perChatSuite('simple'));
describeE2E('first-party plugins set per chat — advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => perChatSuite('advanced')),
);
