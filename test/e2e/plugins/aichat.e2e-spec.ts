/**
 * AiChat end to end: the app on the repository's plugins/ with the fake Gewe, the real AI client against the fake
 * OpenAI-compatible and Dify servers (test/support/fake-llm.ts), in both queue modes.
 */
import type { SendRecord } from '../../fake-gewe/fake-gewe';
import { Gate, startFakeDify, startFakeOpenAi, type FakeDify, type FakeOpenAi } from '../../support/fake-llm';
import { newMsgId } from '../../support/onebot';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, type QueueMode } from '../../support/services';
import { bearer, describeE2E } from '../../support/test-app';
import { waitFor } from '../../support/wait';

const ROOM = '34567890@chatroom';

/** A group member's quote (MsgType 49, appmsg type 57) of a message `quotedWxid` wrote, as Gewe posts it. */
function groupQuote(appId: string, from: string, text: string, quotedWxid: string, id: string): string {
  const xml =
    `<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n\t\t<title>${text}</title>\n\t\t<type>57</type>\n` +
    `\t\t<refermsg>\n\t\t\t<type>1</type>\n\t\t\t<svrid>3617029648443513152</svrid>\n\t\t\t<fromusr>${ROOM}</fromusr>\n` +
    `\t\t\t<chatusr>${quotedWxid}</chatusr>\n\t\t\t<displayname>someone</displayname>\n` +
    `\t\t\t<content>an earlier message</content>\n\t\t</refermsg>\n\t</appmsg>\n</msg>`;
  return JSON.stringify({
    TypeName: 'AddMsg',
    Appid: appId,
    Wxid: ROBOT_WXID,
    Data: {
      MsgId: 1040356110,
      FromUserName: { string: ROOM },
      ToUserName: { string: ROBOT_WXID },
      MsgType: 49,
      Content: { string: `${from}:\n${xml}` },
      Status: 3,
      ImgStatus: 1,
      ImgBuf: { iLen: 0 },
      CreateTime: Math.floor(Date.now() / 1000),
      MsgSource: '<msgsource></msgsource>',
      PushContent: `${from} : [引用]`,
      NewMsgId: id,
      MsgSeq: 640356110,
    },
  }).replace(`"NewMsgId":"${id}"`, `"NewMsgId":${id}`);
}

function aiChatSuite(mode: QueueMode) {
  let h: PluginHarness;
  let llm: FakeOpenAi;
  let dify: FakeDify;

  beforeAll(async () => {
    [llm, dify] = await Promise.all([startFakeOpenAi(), startFakeDify({ app: 'chat' })]);
    h = await startPluginHarness({ mode, name: 'aichat' });
    // ExamplePlugin (enabled by default) answers @-mentions too: only AiChat answers here
    await h.t.http().post('/api/plugins/ExamplePlugin/disable').set(bearer(h.admin)).expect(200);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([llm?.close(), dify?.close()]);
  });

  /** Stores AiChat's config (the defaults fill the rest) and enables it. */
  const configure = (extra: Record<string, unknown> = {}) =>
    h.enable('AiChat', {
      baseUrl: llm.baseUrl,
      apiKey: llm.apiKey,
      model: 'fake-model',
      retries: 0,
      systemPrompt: 'SYS',
      typingMsPerChar: 0,
      perUserPerMinute: 3,
      ...extra,
    });

  const texts = (to: string): SendRecord[] => h.sends('/message/postText').filter((s) => s.body.toWxid === to);
  const waitTexts = (to: string, n: number, what: string) =>
    waitFor(() => (texts(to).length >= n ? texts(to) : null), undefined, what);
  /** The user messages and history of an OpenAI request. */
  const chat = (i: number) => llm.requests[i].body.messages as { role: string; content: string }[];
  const requestsOf = (content: string) =>
    llm.requests.filter((r) => (r.body.messages as { content: string }[]).some((m) => m.content.includes(content)));
  /** Waits until the message with this NewMsgId was handled by the plugins (it is in the log, handled). */
  const handled = (id: string) =>
    waitFor(
      async () => {
        const res = await h.t
          .http()
          .get(`/api/messages?robotId=${h.robot.id}&limit=200`)
          .set(bearer(h.admin))
          .expect(200);
        const m = (res.body.items as { id: number; newMsgId: string | null; handled: boolean }[]).find(
          (x) => x.newMsgId === id,
        );
        return m?.handled ? m : null;
      },
      undefined,
      `message ${id} handled`,
    );

  it('answers a private "你好" with the model\'s answer, the think block removed', async () => {
    await configure();
    llm.reply('<think>\nThe user greets me. I should greet back.\n</think>\n\n你好！我是你的助手。');
    await h.privateText('wxid_p1', '你好');
    const [sent] = await waitTexts('wxid_p1', 1, 'the answer');
    expect(sent.body.content).toBe('你好！我是你的助手。');
    expect(sent.body.ats).toBeUndefined();
    const req = llm.requests.at(-1)!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body.model).toBe('fake-model');
    expect(req.body.messages).toEqual([
      { role: 'system', content: 'SYS' },
      { role: 'user', content: '你好' },
    ]);
  });

  it('makes no model call for a group message without an @, and answers an @ with an @ of the asker', async () => {
    await configure();
    const before = llm.requests.length;
    const quiet = newMsgId();
    await h.groupText(ROOM, 'wxid_g1', '今天天气不错', { id: quiet });
    llm.reply('我是群里的助手。');
    await h.groupText(ROOM, 'wxid_g1', '你是谁', { atRobot: true });
    const [sent] = await waitTexts(ROOM, 1, 'the answer in the group');
    await handled(quiet);
    expect(llm.requests.length - before).toBe(1);
    expect(chat(llm.requests.length - 1).at(-1)).toEqual({ role: 'user', content: '你是谁' });
    expect(requestsOf('今天天气不错')).toEqual([]);
    expect(sent.body.ats).toBe('wxid_g1');
    expect(sent.body.content).toMatch(/^@\S+ 我是群里的助手。$/);
  });

  it("answers a quote of the robot's message, not a quote of someone else's", async () => {
    await configure();
    const other = newMsgId();
    await h.post(groupQuote(h.robot.appId, 'wxid_g2', '说得对', 'wxid_someone', other));
    llm.reply('谢谢你的引用。');
    await h.post(groupQuote(h.robot.appId, 'wxid_g2', '为什么这样说', ROBOT_WXID, newMsgId()));
    const sent = await waitFor(
      () => texts(ROOM).find((s) => String(s.body.content).endsWith('谢谢你的引用。')),
      undefined,
      'the answer to the quote',
    );
    await handled(other);
    expect(requestsOf('说得对')).toEqual([]);
    expect(requestsOf('为什么这样说')).toHaveLength(1);
    expect(sent.body.ats).toBe('wxid_g2');
  });

  it('splits a long answer into several sends, in order', async () => {
    await configure({ maxMessageChars: 50 });
    // 26 to 30 characters each: no two fit into one message of 50
    const sentences = [
      '第一段说明了背景和问题所在，需要仔细阅读才能真正理解。',
      '第二段给出了解决方法和详细的步骤，请一定按照顺序来操作。',
      '第三段是总结和一些注意事项，最后祝你一切顺利，再见！',
    ];
    llm.reply(`**要点**\n\n${sentences.join('')}`);
    await h.privateText('wxid_p3', '怎么办');
    const sent = await waitTexts('wxid_p3', 3, 'three parts');
    expect(sent.map((s) => s.body.content)).toEqual([`要点\n\n${sentences[0]}`, sentences[1], sentences[2]]);
  });

  it('resets the session on /new: the next request has no history', async () => {
    await configure();
    llm.reply('answer one').reply('answer two').reply('answer three');
    await h.privateText('wxid_p4', 'question one');
    await waitTexts('wxid_p4', 1, 'answer one');
    await h.privateText('wxid_p4', 'question two');
    await waitTexts('wxid_p4', 2, 'answer two');
    expect(chat(llm.requests.length - 1)).toEqual([
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'question one' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'question two' },
    ]);
    await h.privateText('wxid_p4', '/new');
    const afterReset = await waitTexts('wxid_p4', 3, 'the reset confirmation');
    expect(afterReset[2].body.content).toBe('好的，已开始新的对话。');
    await h.privateText('wxid_p4', 'question three');
    await waitTexts('wxid_p4', 4, 'answer three');
    expect(chat(llm.requests.length - 1)).toEqual([
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'question three' },
    ]);
  });

  it('limits the requests per user per minute', async () => {
    await configure({ perUserPerMinute: 2 });
    for (const [i, q] of ['limit one', 'limit two'].entries()) {
      await h.privateText('wxid_p5', q);
      await waitTexts('wxid_p5', i + 1, `answer ${i + 1}`);
    }
    const third = newMsgId();
    await h.privateText('wxid_p5', 'limit three', third);
    await handled(third);
    expect(requestsOf('limit three')).toEqual([]);
    expect(texts('wxid_p5')).toHaveLength(2);
    // another person is not limited by it
    await h.privateText('wxid_p5b', 'someone else');
    await waitTexts('wxid_p5b', 1, 'the other person answered');
  });

  it('answers a 500 of the model with the failure hint (retries: 0)', async () => {
    await configure({ failureHint: 'AI 暂时不可用，请稍后再试。' });
    const before = llm.requests.length;
    llm.fail(500);
    await h.privateText('wxid_p6', 'will fail');
    const [sent] = await waitTexts('wxid_p6', 1, 'the failure hint');
    expect(sent.body.content).toBe('AI 暂时不可用，请稍后再试。');
    expect(llm.requests.length - before).toBe(1);
  });

  it('keeps one request in flight per session: messages meanwhile are merged into the next turn', async () => {
    await configure();
    const gate = new Gate();
    llm.reply('first answer', { gate }).reply('merged answer');
    await h.privateText('wxid_p7', 'first');
    await gate.reached;
    const b = newMsgId();
    const c = newMsgId();
    await h.privateText('wxid_p7', 'second', b);
    await h.privateText('wxid_p7', 'third', c);
    await handled(b);
    await handled(c);
    expect(requestsOf('second')).toEqual([]); // nothing asked while the first is in flight
    gate.open();
    const sent = await waitTexts('wxid_p7', 2, 'both answers');
    expect(sent.map((s) => s.body.content)).toEqual(['first answer', 'merged answer']);
    const merged = requestsOf('second');
    expect(merged).toHaveLength(1);
    const messages = merged[0].body.messages as { role: string; content: string }[];
    expect(messages.slice(0, 3)).toEqual([
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'first answer' },
    ]);
    expect(messages[3].role).toBe('user');
    expect(messages[3].content.split('\n').sort()).toEqual(['second', 'third']);
    expect(messages).toHaveLength(4);
  });

  it('talks to a Dify app: the conversation id round-trips, $NO_REPLY$ stays silent', async () => {
    await configure({ provider: 'dify', baseUrl: dify.baseUrl, apiKey: dify.apiKey, difyApp: 'chat' });
    dify.reply('dify says hello').reply('$NO_REPLY$').reply('dify again');
    await h.privateText('wxid_p8', 'hello dify');
    await waitTexts('wxid_p8', 1, 'the Dify answer');
    const first = dify.requests.at(-1)!;
    expect(first.path).toBe('/v1/chat-messages');
    expect(first.body).toMatchObject({ query: 'hello dify', conversation_id: '', user: 'wxid_p8' });
    expect(first.body.inputs).toEqual({ system_prompt: 'SYS' });
    const silent = newMsgId();
    await h.privateText('wxid_p8', 'nothing to say', silent);
    await waitFor(() => dify.requests.length >= 2, undefined, 'the second Dify request');
    const conversation = dify.requests[1].body.conversation_id as string;
    expect(conversation).not.toBe('');
    expect(dify.conversations.has(conversation)).toBe(true);
    await h.privateText('wxid_p8', 'third');
    const sent = await waitTexts('wxid_p8', 2, 'the third answer');
    expect(dify.requests[2].body.conversation_id).toBe(conversation);
    expect(sent.map((s) => s.body.content)).toEqual(['dify says hello', 'dify again']);
  });

  it("shows each model call in the message's detail: the trigger, model, tokens, latency, attempts, error", async () => {
    await configure({ failureHint: '' });
    const ok = newMsgId();
    llm.reply('noted answer', { usage: { promptTokens: 21, completionTokens: 3 } });
    await h.privateText('wxid_p10', 'note this', ok);
    await waitTexts('wxid_p10', 1, 'the answer');
    const failed = newMsgId();
    llm.fail(503);
    await h.privateText('wxid_p10b', 'this fails', failed);
    const detail = async (id: string) => {
      const m = await handled(id);
      return waitFor(
        async () => {
          const d = (await h.t.http().get(`/api/messages/${m.id}`).set(bearer(h.admin)).expect(200)).body as {
            results: { plugin: string; notes?: Record<string, unknown>[] }[] | null;
            deferredResults:
              { plugin: string; handler: string; status: string; notes?: Record<string, unknown>[] }[] | null;
          };
          return d.deferredResults?.length ? d : null;
        },
        undefined,
        `the deferred outcome of ${id}`,
      );
    };
    const d = await detail(ok);
    expect(d.results?.find((r) => r.plugin === 'AiChat')?.notes).toEqual([{ trigger: 'private' }]);
    expect(d.deferredResults).toEqual([
      expect.objectContaining({
        plugin: 'AiChat',
        handler: 'chat/answer',
        status: 'ok',
        notes: [
          {
            model: 'fake-model',
            promptTokens: 21,
            completionTokens: 3,
            latencyMs: expect.any(Number),
            attempts: 1,
            streamed: true,
            error: null,
          },
        ],
      }),
    ]);
    const f = await detail(failed);
    expect(f.deferredResults?.[0].notes).toEqual([
      expect.objectContaining({
        model: 'fake-model',
        error: expect.stringContaining('503'),
        code: 'AI_HTTP_ERROR',
        status: 503,
        attempts: 1,
      }),
    ]);
  });

  it("takes a chat's own settings over the robot's: a prefix and a system prompt for one group", async () => {
    await configure();
    const own = '45678901@chatroom';
    await h.t
      .http()
      .put(`/api/robots/${h.robot.id}/chats/${encodeURIComponent(own)}/plugins/AiChat`)
      .set(bearer(h.admin))
      .send({ config: { groupTrigger: { onAt: true, prefixes: ['ai '] }, systemPrompt: 'GROUP SYS' } })
      .expect(200);
    const elsewhere = newMsgId();
    await h.groupText(ROOM, 'wxid_g3', 'ai 在别的群', { id: elsewhere });
    llm.reply('本群的回答');
    await h.groupText(own, 'wxid_g3', 'ai 本群问题');
    const [sent] = await waitTexts(own, 1, 'the answer in the chat with its own prefix');
    await handled(elsewhere);
    expect(requestsOf('在别的群')).toEqual([]);
    expect(requestsOf('本群问题')[0].body.messages).toEqual([
      { role: 'system', content: 'GROUP SYS' },
      { role: 'user', content: '本群问题' },
    ]);
    expect(sent.body.content).toMatch(/本群的回答$/);
  });

  it('does not answer a message replayed from the log', async () => {
    await configure();
    const id = newMsgId();
    llm.reply('live answer');
    await h.privateText('wxid_p9', 'replay me', id);
    await waitTexts('wxid_p9', 1, 'the live answer');
    const m = await handled(id);
    const before = llm.requests.length;
    const res = await h.t.http().post(`/api/messages/${m.id}/replay`).set(bearer(h.admin)).send({}).expect(200);
    expect(res.body.results.some((r: { plugin: string }) => r.plugin === 'AiChat')).toBe(true);
    // a later live message is answered: the replay was handled before it and asked nothing
    llm.reply('after the replay');
    await h.privateText('wxid_p9', 'live again');
    await waitTexts('wxid_p9', 2, 'the next live answer');
    expect(llm.requests.length - before).toBe(1);
    expect(requestsOf('live again')).toHaveLength(1);
  });
}

describeE2E('AiChat plugin, simple queue', () => aiChatSuite('simple'));
describeE2E('AiChat plugin, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => aiChatSuite('advanced')),
);
