import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { PLUGINS_DIR, PluginHarness, startPluginHarness } from '../support/plugin-e2e';
import { writePlugin } from '../support/plugin-runtime';
import { describeWithRedis, QueueMode } from '../support/services';
import { bearer, describeE2E } from '../support/test-app';
import { waitFor } from '../support/wait';

const PLUGIN = 'ExamplePlugin';
const MEMBER = 'wxid_fake_alice01';

/**
 * Per-chat plugin settings through the API, with the shipped ExamplePlugin: a chat's switch over the robot's and the
 * global one, a chat's own pongText, the chats list, validation, the audit log, robot-limited tokens.
 */
function chatSettingsSuite(mode: QueueMode) {
  let h: PluginHarness;
  let plugins: string;
  const api = () => h.t.http();
  const chatPath = (chatId: string, plugin = PLUGIN) =>
    `/api/robots/${h.robot.id}/chats/${encodeURIComponent(chatId)}/plugins/${plugin}`;
  const setChat = (chatId: string, body: object, plugin = PLUGIN) =>
    api().put(chatPath(chatId, plugin)).set(bearer(h.admin)).send(body);
  const texts = (to: string) =>
    h
      .sends('/message/postText')
      .filter((s) => s.body.toWxid === to)
      .map((s) => s.body.content);

  /** Waits until every message of `chatId` in the log has been through the plugins. */
  const handled = (chatId: string, n: number) =>
    waitFor(
      async () => {
        const res = await api()
          .get(`/api/messages?robotId=${h.robot.id}&chatId=${encodeURIComponent(chatId)}&limit=50`)
          .set(bearer(h.admin))
          .expect(200);
        const items = res.body.items as { handled: boolean; isSelf: boolean }[];
        const incoming = items.filter((m) => !m.isSelf);
        return incoming.length >= n && incoming.every((m) => m.handled) ? true : null;
      },
      undefined,
      `${n} messages of ${chatId} handled`,
    );

  beforeAll(async () => {
    // the shipped ExamplePlugin, and Bare: a plugin without chatConfigSchema
    plugins = mkdtempSync(join(tmpdir(), 'og-chat-plugins-'));
    symlinkSync(join(PLUGINS_DIR, PLUGIN), join(plugins, PLUGIN), 'dir');
    writePlugin(plugins, 'Bare', `module.exports = { handlers: [] };`, {
      configSchema: { type: 'object', properties: { x: { type: 'string', default: 'x' } } },
    });
    h = await startPluginHarness({ mode, name: 'chat-settings', overrides: { plugins: { plugins_dir: plugins } } });
    await h.enable(PLUGIN);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(plugins, { recursive: true, force: true });
  });

  it('answers in a group where the plugin is on, not in one where the chat switched it off', async () => {
    const off = `${mode}-off@chatroom`;
    const on = `${mode}-on@chatroom`;
    const res = await setChat(off, { enabled: false }).expect(200);
    expect(res.body).toMatchObject({
      name: PLUGIN,
      globalEnabled: true,
      robotEnabled: null,
      chatEnabled: false,
      inheritedEnabled: true,
      enabled: false,
      config: null,
    });
    await h.groupText(off, MEMBER, 'ping');
    await h.groupText(on, MEMBER, 'ping');
    await h.waitSends(1, '/message/postText', 'the pong in the other group');
    await handled(off, 1);
    expect(texts(on)).toEqual(['pong']);
    expect(texts(off)).toEqual([]);
  });

  it("answers with a chat's own pongText in that chat only", async () => {
    const own = `${mode}-own@chatroom`;
    const other = `${mode}-other@chatroom`;
    const res = await setChat(own, { config: { pongText: '本群专用 pong' } }).expect(200);
    expect(res.body).toMatchObject({
      chatEnabled: null,
      enabled: true,
      config: { pongText: '本群专用 pong' },
      inheritedConfig: { pongText: 'pong', atReply: expect.any(String) },
      chatConfigSchema: expect.objectContaining({ type: 'object' }),
    });
    await h.groupText(own, MEMBER, 'ping');
    await h.groupText(other, MEMBER, 'ping');
    await h.privateText(MEMBER, 'ping');
    await waitFor(() => (texts(own).length && texts(other).length && texts(MEMBER).length ? true : null));
    expect(texts(own)).toEqual(['本群专用 pong']);
    expect(texts(other)).toEqual(['pong']);
    expect(texts(MEMBER)).toEqual(['pong']);

    // null removes the section: the chat answers with the plugin's config again
    await setChat(own, { config: null }).expect(200);
    await h.groupText(own, MEMBER, 'ping');
    await waitFor(() => (texts(own).length === 2 ? true : null));
    expect(texts(own)).toEqual(['本群专用 pong', 'pong']);
  });

  it('with the robot switched off, answers only in the chat switched on', async () => {
    const onHere = `${mode}-robot-off-on@chatroom`;
    const elsewhere = `${mode}-robot-off@chatroom`;
    await api()
      .put(`/api/robots/${h.robot.id}/plugins/${PLUGIN}`)
      .set(bearer(h.admin))
      .send({ enabled: false })
      .expect(200);
    try {
      const res = await setChat(onHere, { enabled: true }).expect(200);
      expect(res.body).toMatchObject({
        robotEnabled: false,
        inheritedEnabled: false,
        chatEnabled: true,
        enabled: true,
      });
      await h.groupText(elsewhere, MEMBER, 'ping');
      await h.groupText(onHere, MEMBER, 'ping');
      await waitFor(() => (texts(onHere).length ? true : null), undefined, 'the pong in the chat switched on');
      await handled(elsewhere, 1);
      expect(texts(onHere)).toEqual(['pong']);
      expect(texts(elsewhere)).toEqual([]);
    } finally {
      await api()
        .put(`/api/robots/${h.robot.id}/plugins/${PLUGIN}`)
        .set(bearer(h.admin))
        .send({ enabled: null })
        .expect(200);
    }
  });

  it("lists every plugin's state in a chat", async () => {
    const chat = `${mode}-list@chatroom`;
    await setChat(chat, { enabled: false, config: { atReply: '有事请留言' } }).expect(200);
    const res = await api()
      .get(`/api/robots/${h.robot.id}/chats/${encodeURIComponent(chat)}/plugins?limit=200`)
      .set(bearer(h.admin))
      .expect(200);
    const byName = new Map((res.body.items as { name: string }[]).map((p) => [p.name, p]));
    expect(res.body.total).toBe(2);
    expect(byName.get(PLUGIN)).toMatchObject({
      globalEnabled: true,
      robotEnabled: null,
      chatEnabled: false,
      inheritedEnabled: true,
      enabled: false,
      config: { atReply: '有事请留言' },
      updatedAt: expect.any(String),
    });
    expect(byName.get('Bare')).toMatchObject({
      globalEnabled: false,
      chatEnabled: null,
      enabled: false,
      chatConfigSchema: null,
      config: null,
      inheritedConfig: {},
    });
    // the plugin detail exposes the schema too
    const detail = await api().get(`/api/plugins/${PLUGIN}`).set(bearer(h.admin)).expect(200);
    expect(Object.keys(detail.body.chatConfigSchema.properties as object)).toEqual(['pongText', 'atReply']);
  });

  it("lists the robot's chats: from the message log, named by Gewe, and those with settings only", async () => {
    const settingsOnly = `${mode}-quiet@chatroom`;
    await setChat(settingsOnly, { enabled: true }).expect(200);
    const res = await api().get(`/api/robots/${h.robot.id}/chats?limit=200`).set(bearer(h.admin)).expect(200);
    const items = res.body.items as {
      chatId: string;
      name: string | null;
      isGroup: boolean;
      messages: number;
      lastMessageAt: string | null;
      hasSettings: boolean;
    }[];
    const byId = new Map(items.map((c) => [c.chatId, c]));
    expect(byId.get(`${mode}-own@chatroom`)).toMatchObject({
      isGroup: true,
      // two pings and the plugin's two answers, which the log has as the robot's own messages
      messages: 4,
      lastMessageAt: expect.any(String),
      hasSettings: false, // its section was removed
      name: `群 ${mode}-own`,
    });
    expect(byId.get(`${mode}-off@chatroom`)).toMatchObject({ messages: 1, hasSettings: true });
    // a contact's remark, else its nickname
    expect(byId.get(MEMBER)).toMatchObject({ isGroup: false, messages: 2, name: '爱丽丝' }); // a ping and its pong
    expect(byId.get(settingsOnly)).toMatchObject({ messages: 0, lastMessageAt: null, hasSettings: true });
    // newest first, the chats without messages last
    expect(items[items.length - 1].messages).toBe(0);
    const times = items.filter((c) => c.lastMessageAt).map((c) => c.lastMessageAt as string);
    expect([...times].sort().reverse()).toEqual(times);

    const q = await api()
      .get(`/api/robots/${h.robot.id}/chats?q=${encodeURIComponent(`${mode}-robot-off`)}`)
      .set(bearer(h.admin))
      .expect(200);
    expect((q.body.items as { chatId: string }[]).map((c) => c.chatId).sort()).toEqual([
      `${mode}-robot-off-on@chatroom`,
      `${mode}-robot-off@chatroom`,
    ]);
    // by a name Gewe gave
    const named = await api()
      .get(`/api/robots/${h.robot.id}/chats?q=${encodeURIComponent('爱丽丝')}`)
      .set(bearer(h.admin))
      .expect(200);
    expect((named.body.items as { chatId: string }[]).map((c) => c.chatId)).toEqual([MEMBER]);
  });

  it('keeps listing chats when Gewe cannot name them', async () => {
    h.fake.fault({ path: '/contacts/getBriefInfo', mode: 'http500' });
    try {
      const fresh = `${mode}-unnamed@chatroom`;
      await h.groupText(fresh, MEMBER, 'hello');
      await handled(fresh, 1);
      const res = await api()
        .get(`/api/robots/${h.robot.id}/chats?q=${encodeURIComponent(fresh)}`)
        .set(bearer(h.admin))
        .expect(200);
      expect(res.body.items).toEqual([expect.objectContaining({ chatId: fresh, name: null, messages: 1 })]);
    } finally {
      h.fake.clearFaults();
    }
  });

  it('refuses bad input with a code that names the field', async () => {
    const chat = `${mode}-bad@chatroom`;
    const wrongType = await setChat(chat, { config: { pongText: 42 } }).expect(400);
    expect(wrongType.body).toMatchObject({
      code: 'PLUGIN_CONFIG_INVALID',
      errors: [expect.objectContaining({ field: 'config.pongText', code: 'type' })],
    });
    const tooShort = await setChat(chat, { config: { pongText: '' } }).expect(400);
    expect(tooShort.body.errors).toEqual([expect.objectContaining({ field: 'config.pongText', code: 'minLength' })]);
    // heartbeatMinutes is a key of configSchema, not of chatConfigSchema
    const notChat = await setChat(chat, { config: { heartbeatMinutes: 5 } }).expect(400);
    expect(notChat.body.errors).toEqual([
      expect.objectContaining({ field: 'config.heartbeatMinutes', code: 'additionalProperties' }),
    ]);
    const bare = await setChat(chat, { config: { x: 'y' } }, 'Bare').expect(400);
    expect(bare.body).toMatchObject({ code: 'PLUGIN_NO_CHAT_CONFIG', params: { name: 'Bare' } });
    // a switch alone is fine for a plugin without a chat section
    await setChat(chat, { enabled: true }, 'Bare').expect(200);
    const badId = await api()
      .put(`/api/robots/${h.robot.id}/chats/${encodeURIComponent('not a chat!')}/plugins/${PLUGIN}`)
      .set(bearer(h.admin))
      .send({ enabled: false })
      .expect(400);
    expect(badId.body.code).toBe('INVALID_CHAT_ID');
    await api()
      .get(`/api/robots/${h.robot.id}/chats/${encodeURIComponent('a'.repeat(101))}/plugins`)
      .set(bearer(h.admin))
      .expect(400);
    const enabled = await setChat(chat, { enabled: 'yes' }).expect(400);
    expect(enabled.body.code).toBe('VALIDATION_FAILED');
    const config = await setChat(chat, { config: 'pong' }).expect(400);
    expect(config.body.code).toBe('VALIDATION_FAILED');
    expect((await setChat(chat, { enabled: true }, 'Nope').expect(404)).body.code).toBe('PLUGIN_NOT_FOUND');
    const noRobot = await api()
      .put(`/api/robots/99999/chats/${chat}/plugins/${PLUGIN}`)
      .set(bearer(h.admin))
      .send({ enabled: true })
      .expect(404);
    expect(noRobot.body.code).toBe('ROBOT_NOT_FOUND');
    // an empty section is none
    expect((await setChat(chat, { config: {} }).expect(200)).body.config).toBeNull();
    // nothing was stored for the chat by the refused calls
    const state = await api()
      .get(`/api/robots/${h.robot.id}/chats/${chat}/plugins?limit=200`)
      .set(bearer(h.admin))
      .expect(200);
    expect((state.body.items as { name: string }[]).find((p) => p.name === PLUGIN)).toMatchObject({
      chatEnabled: null,
      config: null,
    });
  });

  it('audits every change as plugin.chat_update with the robot, the chat and what changed', async () => {
    const chat = `${mode}-audit@chatroom`;
    await setChat(chat, { enabled: false, config: { pongText: 'audited' } }).expect(200);
    await setChat(chat, { config: { pongText: 'bad', extra: 1 } }).expect(400);
    const res = await api()
      .get('/api/admin/audit?action=plugin.chat_update&limit=200')
      .set(bearer(h.admin))
      .expect(200);
    const rows = (res.body.items as { outcome: string; targetId: string; details: Record<string, unknown> }[]).filter(
      (r) => JSON.stringify(r.details).includes(chat),
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const ok = rows.find((r) => r.details?.enabled === false);
    expect(ok).toMatchObject({
      targetId: PLUGIN,
      details: expect.objectContaining({ robotId: h.robot.id, chatId: chat, enabled: false }),
    });
    expect(JSON.stringify(ok?.details.diff)).toContain('audited');
    expect(rows.some((r) => r.outcome !== 'ok')).toBe(true);
  });

  it('refuses a token limited to another robot, and deletes the chat settings with the robot', async () => {
    const other = (
      await api()
        .post('/api/robots?verify=false')
        .set(bearer(h.admin))
        .send({ name: `other-${mode}`, baseUrl: 'http://127.0.0.1:1/v2/api', token: `other-${mode}-token` })
        .expect(201)
    ).body.id as number;
    const token = (
      await api()
        .post('/api/admin/tokens')
        .set(bearer(h.admin))
        .send({ name: `chat-${mode}`, scopes: ['plugins:read', 'plugins:write', 'messages:read'], robotIds: [other] })
        .expect(201)
    ).body.token as string;
    const chat = `${mode}-limited@chatroom`;
    for (const call of [
      api().get(`/api/robots/${h.robot.id}/chats`),
      api().get(`/api/robots/${h.robot.id}/chats/${chat}/plugins`),
      api().put(chatPath(chat)).send({ enabled: false }),
    ]) {
      const res = await call.set(bearer(token));
      expect([res.status, res.body.code]).toEqual([403, 'ROBOT_NOT_ALLOWED']);
    }
    // its own robot it may reach
    await api()
      .put(`/api/robots/${other}/chats/${chat}/plugins/${PLUGIN}`)
      .set(bearer(token))
      .send({ enabled: false })
      .expect(200);
    await api().get(`/api/robots/${other}/chats`).set(bearer(token)).expect(200);
    const db = h.t.app.get(DataSource);
    const count = async () => {
      const rows = await db.query<{ n: number }[]>(
        `SELECT COUNT(*) AS n FROM plugin_chat_settings WHERE robot_id = ${Number(other)}`,
      );
      return Number(rows[0].n);
    };
    expect(await count()).toBe(1);
    await api().delete(`/api/robots/${other}`).set(bearer(h.admin)).expect(200);
    expect(await count()).toBe(0);
  });
}

describeE2E('per-chat plugin settings, simple queue', () => chatSettingsSuite('simple'));
describeE2E('per-chat plugin settings, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => chatSettingsSuite('advanced')),
);
