/**
 * Conversations end to end: the real app on plugins/, the fake Gewe, one online robot (simple queue). Chats list by
 * their last message with the caller's unread counts, a read mark clears them; the robot's own sends (the send API,
 * a plugin) are in the thread once, on its side, even after Gewe's echo of the same NewMsgId; a thread pages back;
 * the export streams the log as CSV (BOM, RFC 4180, formula guard, headers in the language asked) and JSON Lines.
 */
import { DataSource } from 'typeorm';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { parseCsv } from '../support/csv';
import { newMsgId } from '../support/onebot';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../support/plugin-e2e';
import { bearer, describeE2E } from '../support/test-app';
import { waitFor } from '../support/wait';

const ALICE = 'wxid_conv_alice';
const BOB = 'wxid_conv_bob';
const ROOM = '4444444444@chatroom';

interface Conversation {
  chatId: string;
  unread: number | null;
  readUpTo: number | null;
  last: { id: number; text: string | null; isSelf: boolean };
}
interface ThreadMessage {
  id: number;
  chatName: string | null;
  senderName: string | null;
  newMsgId: string | null;
  text: string | null;
  isSelf: boolean;
  kind: string;
  sentBy: { via: string; client: string | null } | null;
  files: unknown[];
  quote: unknown;
}

describeE2E('conversations', () => {
  let h: PluginHarness;
  const api = () => h.t.http();
  const auth = () => bearer(h.admin);

  const conversations = async (): Promise<Conversation[]> =>
    (await api().get(`/api/robots/${h.robot.id}/conversations`).set(auth()).expect(200)).body.items as Conversation[];
  const conversation = async (chatId: string) => (await conversations()).find((c) => c.chatId === chatId);
  const thread = async (chatId: string, query: Record<string, unknown> = {}) =>
    (
      await api()
        .get(`/api/robots/${h.robot.id}/conversations/${encodeURIComponent(chatId)}/messages`)
        .query(query)
        .set(auth())
        .expect(200)
    ).body as { items: ThreadMessage[]; nextBefore: number | null; outgoing: { state: string }[] };
  /** Waits until the queue has nothing waiting or running: every callback posted so far is processed. */
  const drained = () =>
    waitFor(
      async () => {
        const d = (await api().get('/api/queue').set(auth()).expect(200)).body as { waiting: number; active: number };
        return d.waiting === 0 && d.active === 0;
      },
      undefined,
      'the callback queue drained',
    );
  const logged = (chatId: string, text: string) =>
    waitFor(
      async () => (await thread(chatId)).items.find((m) => m.text === text) ?? null,
      undefined,
      `"${text}" in the thread of ${chatId}`,
    );
  /** Gewe's self-sync of a text the robot sent (the fake's own shape for syncSends), posted as a callback. */
  const echo = (to: string, content: string, id: string) =>
    h.post(
      JSON.stringify({
        TypeName: 'AddMsg',
        Appid: h.robot.appId,
        Wxid: ROBOT_WXID,
        Data: {
          MsgId: 1_060_000_001,
          FromUserName: { string: ROBOT_WXID },
          ToUserName: { string: to },
          MsgType: 1,
          Content: { string: content },
          Status: 3,
          ImgStatus: 1,
          ImgBuf: { iLen: 0 },
          CreateTime: Math.floor(Date.now() / 1000),
          MsgSource: '<msgsource></msgsource>',
          NewMsgId: 0,
          MsgSeq: 660_000_001,
        },
      }).replace('"NewMsgId":0', `"NewMsgId":${id}`),
    );

  beforeAll(async () => {
    h = await startPluginHarness({
      mode: 'simple',
      name: 'conversations',
      fake: new FakeGewe(),
      overrides: { queue: { concurrency: 1 }, directory: { sync_pause: '0ms' } },
    });
    await h.enable('KeywordReply', {
      rules: [{ match: 'exact', pattern: 'menu', reply: { type: 'text', text: 'The menu, from a plugin' } }],
    });
  }, 120_000);
  afterAll(() => h?.close());

  it('lists chats by their last message with unread counts, and a read mark clears them', async () => {
    expect(await h.privateText(ALICE, 'alice one')).toBe(200);
    await h.privateText(ALICE, 'alice two');
    await h.groupText(ROOM, BOB, 'bob in the room');
    await logged(ROOM, 'bob in the room');
    await logged(ALICE, 'alice two');

    const list = await conversations();
    const ids = list.map((c) => c.chatId);
    expect(ids.indexOf(ROOM)).toBeLessThan(ids.indexOf(ALICE));
    expect(list.find((c) => c.chatId === ALICE)).toMatchObject({
      unread: 2,
      readUpTo: null,
      last: { text: 'alice two' },
    });
    expect(list.find((c) => c.chatId === ROOM)).toMatchObject({ unread: 1 });

    const read = await api()
      .put(`/api/robots/${h.robot.id}/conversations/${ALICE}/read`)
      .set(auth())
      .send({})
      .expect(200);
    expect(read.body).toMatchObject({ chatId: ALICE, unread: 0 });
    expect(await conversation(ALICE)).toMatchObject({ unread: 0, readUpTo: read.body.readUpTo });
    expect(await conversation(ROOM)).toMatchObject({ unread: 1 });

    await h.privateText(ALICE, 'alice three');
    await logged(ALICE, 'alice three');
    expect(await conversation(ALICE)).toMatchObject({ unread: 1 });
    // a mark never moves back
    await api()
      .put(`/api/robots/${h.robot.id}/conversations/${ALICE}/read`)
      .set(auth())
      .send({ messageId: 1 })
      .expect(200);
    expect(await conversation(ALICE)).toMatchObject({ unread: 1, readUpTo: read.body.readUpTo });
  });

  it("logs a send of the API as the robot's own, once, even after Gewe's echo of it", async () => {
    const sent = await api()
      .post(`/api/robots/${h.robot.id}/messages`)
      .set(auth())
      .send({ type: 'text', toWxid: ALICE, content: 'sent from the console' })
      .expect(201);
    const id = sent.body.newMsgId as string;
    const mine = await logged(ALICE, 'sent from the console');
    expect(mine).toMatchObject({ newMsgId: id, isSelf: true, sentBy: { via: 'api', client: 'admin' } });
    expect((await thread(ALICE)).outgoing).toEqual([]);

    expect(await echo(ALICE, 'sent from the console', id)).toBe(200);
    await drained();
    const copies = (await thread(ALICE)).items.filter((m) => m.newMsgId === id);
    expect(copies).toHaveLength(1);
    // the robot's own messages are not unread
    expect(await conversation(ALICE)).toMatchObject({ unread: 1, last: { isSelf: true } });
  });

  it("logs what a plugin sent as the robot's own, with the plugin's name", async () => {
    await h.privateText(BOB, 'menu');
    const mine = await logged(BOB, 'The menu, from a plugin');
    expect(mine).toMatchObject({ isSelf: true, sentBy: { via: 'plugin', client: 'KeywordReply' } });
    const reply = h.sends('/message/postText').find((s) => s.body.toWxid === BOB);
    expect(String(reply?.body.content)).toBe('The menu, from a plugin');
  });

  it('records a failed send as failed, with its code, beside the thread; a dismiss forgets it', async () => {
    h.fake.fault({ path: '/message/postText', mode: 'ret500', msg: '发送失败', times: 1 });
    const res = await api()
      .post(`/api/robots/${h.robot.id}/messages`)
      .set(auth())
      .send({ type: 'text', toWxid: ROOM, content: 'this one fails' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const { outgoing } = await thread(ROOM);
    expect(outgoing).toEqual([
      expect.objectContaining({ state: 'failed', content: 'this one fails', errorCode: res.body.code as string }),
    ]);
    expect((await thread(ROOM)).items.some((m) => m.text === 'this one fails')).toBe(false);
    const failed = outgoing[0] as unknown as { id: number };
    await api().delete(`/api/robots/${h.robot.id}/outgoing/${failed.id}`).set(auth()).expect(204);
    expect((await thread(ROOM)).outgoing).toEqual([]);
    await api().delete(`/api/robots/${h.robot.id}/outgoing/${failed.id}`).set(auth()).expect(404);
  });

  it('shows what a quote quotes, with the quoted message of the log', async () => {
    const quoted = newMsgId();
    await h.groupText(ROOM, BOB, 'the message to quote', { id: quoted });
    const original = await logged(ROOM, 'the message to quote');
    const xml =
      `<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n\t\t<title>I agree</title>\n\t\t<type>57</type>\n` +
      `\t\t<refermsg>\n\t\t\t<type>1</type>\n\t\t\t<svrid>${quoted}</svrid>\n\t\t\t<fromusr>${ROOM}</fromusr>\n` +
      `\t\t\t<chatusr>${BOB}</chatusr>\n\t\t\t<displayname>Bob</displayname>\n` +
      `\t\t\t<content>the message to quote</content>\n\t\t</refermsg>\n\t</appmsg>\n</msg>`;
    const id = newMsgId();
    await h.post(
      JSON.stringify({
        TypeName: 'AddMsg',
        Appid: h.robot.appId,
        Wxid: ROBOT_WXID,
        Data: {
          MsgId: 1_060_000_002,
          FromUserName: { string: ROOM },
          ToUserName: { string: ROBOT_WXID },
          MsgType: 49,
          Content: { string: `wxid_conv_carol:\n${xml}` },
          Status: 3,
          ImgStatus: 1,
          ImgBuf: { iLen: 0 },
          CreateTime: Math.floor(Date.now() / 1000),
          MsgSource: '<msgsource></msgsource>',
          PushContent: 'Carol : [引用]',
          NewMsgId: 0,
          MsgSeq: 660_000_002,
        },
      }).replace('"NewMsgId":0', `"NewMsgId":${id}`),
    );
    const quote = await logged(ROOM, 'I agree');
    expect(quote).toMatchObject({
      kind: 'quote',
      quote: {
        quotedMsgId: quoted,
        quotedSender: BOB,
        quotedDisplayName: 'Bob',
        quotedContent: 'the message to quote',
        quotedType: 1,
        quotedId: original.id,
      },
    });
    expect(original.quote).toBeNull();
    expect(original.files).toEqual([]);
  });

  it('pages a thread back, newest first', async () => {
    const first = await thread(ALICE, { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.items[0].id).toBeGreaterThan(first.items[1].id);
    expect(first.nextBefore).toBe(first.items[1].id);
    const older = await thread(ALICE, { limit: 2, before: first.nextBefore });
    expect(older.items[0].id).toBeLessThan(first.items[1].id);
    const all = await thread(ALICE, { limit: 100 });
    expect(all.items.map((m) => m.text)).toEqual(['sent from the console', 'alice three', 'alice two', 'alice one']);
    expect(all.nextBefore).toBeNull();
  });

  it('exports a chat as CSV with a BOM, quoting and the formula guard, headers in the language asked', async () => {
    await h.privateText(ALICE, '=HYPERLINK("http://evil.example"), and "more"\nline two');
    await logged(ALICE, '=HYPERLINK("http://evil.example"), and "more"\nline two');
    const res = await api()
      .get(`/api/robots/${h.robot.id}/messages/export`)
      .query({ format: 'csv', chatId: ALICE, lang: 'en' })
      .set(auth())
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.csv"/);
    const text = res.body as string;
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual(expect.arrayContaining(['id', 'chatId', 'senderWxid', 'isSelf', 'kind', 'text', 'summary']));
    const col = (name: string) => header.indexOf(name);
    expect(rows.map((r) => r[col('text')])).toEqual([
      'alice one',
      'alice two',
      'alice three',
      'sent from the console',
      `'=HYPERLINK("http://evil.example"), and "more"\nline two`,
    ]);
    expect(rows.every((r) => r[col('chatId')] === ALICE)).toBe(true);
    expect(rows.find((r) => r[col('text')] === 'sent from the console')?.[col('isSelf')]).toBe('true');

    const zh = await api()
      .get(`/api/robots/${h.robot.id}/messages/export`)
      .query({ chatId: ALICE })
      .set(auth())
      .buffer(true)
      .parse((r, done) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => done(null, s));
      })
      .expect(200);
    expect(parseCsv((zh.body as string).slice(1))[0]).toEqual(expect.arrayContaining(['编号', '会话 ID', '内容']));
  });

  it('streams a large export in batches (chunked, no length), every row once, as JSON Lines', async () => {
    const ds = h.t.app.get(DataSource);
    const chat = 'wxid_conv_bulk';
    const total = 1234;
    for (let start = 0; start < total; start += 200) {
      const values = Array.from({ length: Math.min(200, total - start) }, (_, i) => ({
        robotId: h.robot.id,
        newMsgId: newMsgId(),
        kind: 'text',
        typeName: 'AddMsg',
        chatId: chat,
        senderWxid: chat,
        text: `bulk ${start + i}`,
        receivedAt: new Date(),
        raw: '{}',
        details: '{}',
        dispatchState: 'done',
      }));
      await ds.createQueryBuilder().insert().into('messages').values(values).execute();
    }
    const res = await api()
      .get(`/api/robots/${h.robot.id}/messages/export`)
      .query({ format: 'jsonl', chatId: chat })
      .set(auth())
      .buffer(true)
      .parse((r, done) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => done(null, s));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const lines = (res.body as string).split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((l) => JSON.parse(l) as { text: string; chatId: string; chatName: unknown });
    expect(parsed).toHaveLength(total);
    expect(parsed.map((m) => m.text)).toEqual(Array.from({ length: total }, (_, i) => `bulk ${i}`));
    expect(parsed[0]).toHaveProperty('chatName');

    // a date range: nothing before the epoch's first second
    const none = await api()
      .get(`/api/robots/${h.robot.id}/messages/export`)
      .query({ format: 'jsonl', chatId: chat, until: '1970-01-02T00:00:00Z' })
      .set(auth())
      .expect(200);
    expect(none.text).toBe('');
  });

  it('names the chats and the senders from the directory, in the list, the thread and the export', async () => {
    const named = '34757816141@chatroom';
    await api().post(`/api/robots/${h.robot.id}/directory/sync`).set(auth()).expect(202);
    await waitFor(
      async () =>
        (await api().get(`/api/robots/${h.robot.id}/directory/sync`).set(auth()).expect(200)).body.state === 'done',
      undefined,
      'the directory synced',
    );
    await h.groupText(named, 'wxid_fake_alice01', 'hello from a named group');
    const m = await logged(named, 'hello from a named group');
    expect(m).toMatchObject({ chatName: 'Fake 测试群', senderName: 'Alice(群名片)' });
    expect(await conversation(named)).toMatchObject({ name: 'Fake 测试群' });
    const csv = await api()
      .get(`/api/robots/${h.robot.id}/messages/export`)
      .query({ chatId: named })
      .set(auth())
      .buffer(true)
      .parse((r, done) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => done(null, s));
      })
      .expect(200);
    const [header, row] = parseCsv((csv.body as string).slice(1));
    expect(row[header.indexOf('会话名称')]).toBe('Fake 测试群');
    expect(row[header.indexOf('发送者名称')]).toBe('Alice(群名片)');
  });

  it('refuses a read mark for an API token (marks are per user), an unknown robot and a bad format', async () => {
    const token = (
      await api()
        .post('/api/admin/tokens')
        .set(auth())
        .send({ name: 'reader', scopes: ['messages:read'] })
        .expect(201)
    ).body.token as string;
    const list = await api().get(`/api/robots/${h.robot.id}/conversations`).set(bearer(token)).expect(200);
    expect(list.body.items.find((c: Conversation) => c.chatId === ALICE)).toMatchObject({ unread: null });
    const refused = await api()
      .put(`/api/robots/${h.robot.id}/conversations/${ALICE}/read`)
      .set(bearer(token))
      .send({})
      .expect(403);
    expect(refused.body.code).toBe('TOKEN_NOT_ALLOWED');
    await api().get('/api/robots/999999/messages/export').set(auth()).expect(404);
    await api().get(`/api/robots/${h.robot.id}/messages/export`).query({ format: 'xml' }).set(auth()).expect(400);
  });
});
