import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginConfigSchema } from '../../../../src/plugin/plugin-config';
import type {
  AiAnswer,
  AiBackendConfig,
  AiRequest,
  DeferredContext,
  EventOrigin,
  GeweEvent,
  HandlerContext,
  PluginApiTools,
  PluginDefinition,
} from '../../../../src/plugin/plugin.types';
import { AiError } from '../../../../src/ai/ai.types';
import { event, memoryStore } from '../../../support/plugin-fakes';

const FOLDER = join(__dirname, '../../../../plugins/AiChat');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createAiChat } = require(join(FOLDER, 'lib/plugin.js')) as {
  createAiChat: (o?: { clock?: () => number; random?: () => number }) => PluginDefinition;
};
const manifest = JSON.parse(readFileSync(join(FOLDER, 'plugin.json'), 'utf8')) as {
  configSchema: Record<string, unknown>;
};
const schema = PluginConfigSchema.compile(manifest.configSchema);

const ROBOT = 'wxid_robot1';

/** Lets the microtasks run until `cond` holds (no timers: the fakes resolve at once). */
async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  if (!cond()) throw new Error('condition never held');
}
const ROOM = '123@chatroom';

interface Sent {
  to: string;
  content: string;
  ats?: string | readonly string[];
  typingMs?: number;
}

/** A fake model: answers from a queue of functions (or a default), records the requests. */
function fakeAi() {
  const requests: { backend: AiBackendConfig; request: AiRequest }[] = [];
  const answers: ((r: AiRequest) => Promise<Partial<AiAnswer>> | Partial<AiAnswer>)[] = [];
  const ai = {
    requests,
    answers,
    chat: async (backend: AiBackendConfig, request: AiRequest): Promise<AiAnswer> => {
      requests.push({ backend, request });
      const next = answers.shift();
      const a = next ? await next(request) : { text: `echo: ${request.messages.at(-1)?.content}` };
      return {
        text: '',
        reasoning: null,
        model: backend.model ?? 'm',
        usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
        latencyMs: 12,
        attempts: 1,
        streamed: false,
        conversationId: null,
        ...a,
      };
    },
  };
  return ai;
}

function world(config: Record<string, unknown> = {}) {
  let now = Date.parse('2026-12-02T10:00:00Z');
  const clock = () => now;
  const plugin = createAiChat({ clock, random: () => 0.5 });
  const handler = plugin.handlers![0];
  const store = memoryStore();
  const ai = fakeAi();
  const sent: Sent[] = [];
  const notes: Record<string, unknown>[] = [];
  const deferred: (() => Promise<void>)[] = [];
  const memberCalls: string[] = [];
  const effective = schema.check({ failureHint: '', ...config }).config;
  const base = (e: GeweEvent, origin: EventOrigin) => ({
    event: e,
    robot: { id: 1, name: 'r', appId: 'wx_app_1', wxid: ROBOT, nickname: 'Bot' },
    config: structuredClone(effective),
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    store,
    ai,
    origin,
    requestId: null,
    note: (n: Record<string, unknown>) => void notes.push(n),
    send: {
      sendText: (to: string, content: string, ats?: string | readonly string[], o?: { typingMs?: number }) => {
        sent.push({ to, content, ...(ats ? { ats } : {}), typingMs: o?.typingMs });
        return Promise.resolve({ toWxid: to, msgId: '1', newMsgId: '2', createTime: 0 });
      },
    },
    gewe: {
      group: {
        getChatroomMemberList: (id: string) => {
          memberCalls.push(id);
          return Promise.resolve({
            memberList: [{ wxid: 'wxid_alice', nickName: 'Alice', displayName: '爱丽丝' }],
            adminWxid: [],
          });
        },
      },
    },
  });
  /** Runs the handler; deferred work is queued (run it with `drain`). */
  const handle = async (e: GeweEvent, origin: EventOrigin = 'live', extra: Record<string, unknown> = {}) => {
    const ctx = {
      ...base(e, origin),
      ...extra,
      defer: (_name: string, work: (c: DeferredContext) => Promise<void>) =>
        void deferred.push(() => work({ ...base(e, origin), ...extra } as unknown as DeferredContext)),
    } as unknown as HandlerContext;
    await handler.handle(ctx);
  };
  /** Starts every queued deferred work (each as the runner would: not awaited by the handler). */
  const start = () => deferred.splice(0).map((w) => w());
  const drain = async () => {
    while (deferred.length) await Promise.all(start());
  };
  const tools = {
    config: () => Promise.resolve(structuredClone(effective)),
    ai,
    store,
    log: base(event(), 'live').log,
    records: {},
  } as unknown as PluginApiTools;
  return {
    plugin,
    handle,
    drain,
    start,
    ai,
    sent,
    notes,
    store,
    memberCalls,
    tools,
    advance: (ms: number) => void (now += ms),
  };
}

const priv = (text: string, from = 'wxid_friend') =>
  event({ text, chatId: from, fromWxid: from, senderWxid: from, robotWxid: ROBOT });
const grp = (text: string, o: Partial<GeweEvent> = {}) =>
  event({
    text,
    chatId: ROOM,
    fromWxid: ROOM,
    isGroup: true,
    senderWxid: 'wxid_alice',
    robotWxid: ROBOT,
    pushContent: 'alice 在群聊中@了你',
    ...o,
  });
const atGrp = (text: string, o: Partial<GeweEvent> = {}) => grp(text, { mentionsSelf: true, mentions: [ROBOT], ...o });

describe('AiChat plugin', () => {
  it('answers a private message with the model, think block removed, the call noted', async () => {
    const w = world({ systemPrompt: 'Be kind.' });
    w.ai.answers.push(() => ({ text: '<think>greeting</think>你好！有什么可以帮你？', model: 'gpt-x' }));
    await w.handle(priv('你好'));
    expect(w.ai.requests).toHaveLength(0); // nothing inside the handler
    await w.drain();
    expect(w.ai.requests[0].request.messages).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: '你好' },
    ]);
    expect(w.ai.requests[0].backend).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(w.sent).toEqual([{ to: 'wxid_friend', content: '你好！有什么可以帮你？', typingMs: 550 }]);
    expect(w.notes).toContainEqual({ trigger: 'private' });
    expect(w.notes).toContainEqual({
      model: 'gpt-x',
      promptTokens: 10,
      completionTokens: 5,
      latencyMs: 12,
      attempts: 1,
      streamed: false,
      error: null,
    });
  });

  it('keeps the history in the session for the next turn', async () => {
    const w = world();
    await w.handle(priv('one'));
    await w.drain();
    await w.handle(priv('two'));
    await w.drain();
    expect(w.ai.requests[1].request.messages.slice(1)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'echo: one' },
      { role: 'user', content: 'two' },
    ]);
  });

  it('does not call the model for a group message without a trigger', async () => {
    const w = world();
    await w.handle(grp('just chatting'));
    await w.drain();
    expect(w.ai.requests).toHaveLength(0);
    expect(w.sent).toEqual([]);
  });

  it('answers an @ in a group with an @ of the asker (name from the member list) on the first part only', async () => {
    const w = world({ maxMessageChars: 50 });
    w.ai.answers.push(() => ({ text: `${'甲'.repeat(40)}。${'乙'.repeat(40)}。` }));
    await w.handle(atGrp('长一点'));
    await w.drain();
    expect(w.sent.map((s) => [s.content, s.ats])).toEqual([
      [`@爱丽丝 ${'甲'.repeat(40)}。`, ['wxid_alice']],
      [`${'乙'.repeat(40)}。`, undefined],
    ]);
    expect(w.memberCalls).toEqual([ROOM]);
  });

  it('falls back to the push text name when the member list has none, and does not @ when atAsker is off', async () => {
    const w = world();
    await w.handle(atGrp('hi', { senderWxid: 'wxid_bob', pushContent: 'Bob 在群聊中@了你' }));
    await w.drain();
    expect(w.sent[0]).toMatchObject({ content: '@Bob echo: hi', ats: ['wxid_bob'] });
    const off = world({ atAsker: false });
    await off.handle(atGrp('hi'));
    await off.drain();
    expect(off.sent[0]).toEqual({ to: ROOM, content: 'echo: hi', typingMs: expect.any(Number) });
  });

  it('never answers replays unless replyToReplays, nor catch-up', async () => {
    const w = world();
    await w.handle(priv('old'), 'catch_up');
    await w.handle(priv('replayed'), 'replay');
    await w.drain();
    expect(w.ai.requests).toHaveLength(0);
    const r = world({ replyToReplays: true });
    await r.handle(priv('replayed'), 'replay');
    await r.drain();
    expect(r.ai.requests).toHaveLength(1);
  });

  it('resets the session on /new (private, no prefix needed) and on #清除记忆 with an @ in a group', async () => {
    const w = world({ resetReply: '好的' });
    await w.handle(priv('one'));
    await w.drain();
    await w.handle(priv('/new'));
    await w.drain();
    expect(w.sent.at(-1)?.content).toBe('好的');
    await w.handle(priv('two'));
    await w.drain();
    expect(w.ai.requests).toHaveLength(2);
    expect(w.ai.requests[1].request.messages.slice(1)).toEqual([{ role: 'user', content: 'two' }]);

    await w.handle(atGrp('q1'));
    await w.drain();
    await w.handle(grp('#清除记忆')); // no trigger: not a reset, not a question
    await w.drain();
    await w.handle(atGrp('q2'));
    await w.drain();
    expect(w.ai.requests.at(-1)?.request.messages).toHaveLength(4);
    await w.handle(atGrp('#清除记忆'));
    await w.drain();
    await w.handle(atGrp('q3'));
    await w.drain();
    expect(w.ai.requests.at(-1)?.request.messages.slice(1)).toEqual([{ role: 'user', content: 'q3' }]);
  });

  it('expires an idle session', async () => {
    const w = world({ idleMinutes: 5 });
    await w.handle(priv('one'));
    await w.drain();
    w.advance(6 * 60_000);
    await w.handle(priv('two'));
    await w.drain();
    expect(w.ai.requests[1].request.messages.slice(1)).toEqual([{ role: 'user', content: 'two' }]);
  });

  it('limits requests per user per minute', async () => {
    const w = world({ perUserPerMinute: 2 });
    for (const t of ['a', 'b', 'c']) {
      await w.handle(priv(t));
      await w.drain();
    }
    expect(w.ai.requests).toHaveLength(2);
    expect(w.notes).toContainEqual({ trigger: 'private', skipped: 'rate_limited', code: 'AICHAT_USER_RATE_LIMITED' });
    w.advance(60_000);
    await w.handle(priv('d'));
    await w.drain();
    expect(w.ai.requests).toHaveLength(3);
  });

  it('limits requests per group per minute across members', async () => {
    const w = world({ perGroupPerMinute: 1 });
    await w.handle(atGrp('a'));
    await w.drain();
    await w.handle(atGrp('b', { senderWxid: 'wxid_bob' }));
    await w.drain();
    expect(w.ai.requests).toHaveLength(1);
    expect(w.notes).toContainEqual({ trigger: 'at', skipped: 'rate_limited', code: 'AICHAT_GROUP_RATE_LIMITED' });
  });

  it('answers a failure with the hint, noting the error; stays silent without a hint', async () => {
    const w = world({ failureHint: '出错了，请稍后再试' });
    w.ai.answers.push(() => {
      throw new AiError('AI_HTTP_ERROR', 'HTTP 500', 500, 1, 'gpt-4o-mini');
    });
    await w.handle(atGrp('q'));
    await w.drain();
    expect(w.sent).toEqual([{ to: ROOM, content: '@爱丽丝 出错了，请稍后再试', ats: ['wxid_alice'], typingMs: 0 }]);
    expect(w.notes).toContainEqual(
      expect.objectContaining({
        model: 'gpt-4o-mini',
        error: 'HTTP 500',
        code: 'AI_HTTP_ERROR',
        status: 500,
        attempts: 1,
      }),
    );
    const quiet = world();
    quiet.ai.answers.push(() => Promise.reject(new AiError('AI_TIMEOUT', 'timed out')));
    await quiet.handle(priv('q'));
    await quiet.drain();
    expect(quiet.sent).toEqual([]);
    expect(quiet.notes).toContainEqual(expect.objectContaining({ error: 'timed out', code: 'AI_TIMEOUT' }));
  });

  it('keeps one request in flight per session: a message meanwhile is merged into the next turn', async () => {
    const w = world();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    w.ai.answers.push(async () => {
      await gate;
      return { text: 'first answer' };
    });
    await w.handle(priv('first'));
    const running = w.start();
    await w.handle(priv('second'));
    await w.handle(priv('third'));
    expect(w.notes.filter((n) => n.merged)).toHaveLength(2);
    release();
    await Promise.all(running);
    await w.drain();
    expect(w.ai.requests).toHaveLength(2);
    expect(w.ai.requests[1].request.messages.slice(1)).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second\nthird' },
    ]);
    expect(w.sent.map((s) => s.content)).toEqual(['first answer', 'echo: second\nthird']);
    // done: the next message starts a request of its own
    await w.handle(priv('fourth'));
    await w.drain();
    expect(w.ai.requests).toHaveLength(3);
  });

  it('chains turns: a message arriving while the merged turn runs waits for it in a turn of its own', async () => {
    const w = world();
    const gates: (() => void)[] = [];
    const held = (text: string) => async () => {
      await new Promise<void>((r) => gates.push(r));
      return { text };
    };
    w.ai.answers.push(held('answer A'), held('answer BC'), held('answer D'));
    await w.handle(priv('A'));
    const a = w.start();
    await w.handle(priv('B')); // waits for A
    await w.handle(priv('C')); // joins B
    const b = w.start();
    await waitUntil(() => gates.length === 1);
    gates.shift()!();
    await Promise.all(a);
    await waitUntil(() => gates.length === 1); // B+C asked
    await w.handle(priv('D')); // B+C in flight: D waits for it
    const d = w.start();
    gates.shift()!();
    await Promise.all(b);
    await waitUntil(() => gates.length === 1);
    gates.shift()!();
    await Promise.all(d);
    expect(w.ai.requests.map((r) => r.request.messages.at(-1)?.content)).toEqual(['A', 'B\nC', 'D']);
    expect(w.sent.map((x) => x.content)).toEqual(['answer A', 'answer BC', 'answer D']);
  });

  it('a reset while a request is in flight: the answer is sent but not kept, what waited is not asked', async () => {
    const w = world({ resetReply: '' });
    let open!: () => void;
    w.ai.answers.push(async () => {
      await new Promise<void>((r) => (open = r));
      return { text: 'old answer' };
    });
    await w.handle(priv('old question'));
    const a = w.start();
    await w.handle(priv('waiting question'));
    await w.handle(priv('/new'));
    await waitUntil(() => open !== undefined);
    open();
    await Promise.all(a);
    await w.drain();
    expect(w.ai.requests).toHaveLength(1);
    expect(w.sent.map((x) => x.content)).toEqual(['old answer']);
    await w.handle(priv('fresh'));
    await w.drain();
    expect(w.ai.requests[1].request.messages.slice(1)).toEqual([{ role: 'user', content: 'fresh' }]);
  });

  it('with Dify: sends no history, keeps the conversation id, stays silent on $NO_REPLY$', async () => {
    const w = world({ provider: 'dify', baseUrl: 'http://dify.local/v1', difyApp: 'agent' });
    w.ai.answers.push(() => ({ text: 'hello from dify', conversationId: 'conv-9' }));
    w.ai.answers.push(() => ({ text: '$NO_REPLY$', conversationId: 'conv-9' }));
    await w.handle(priv('hi'));
    await w.drain();
    await w.handle(priv('ok thanks'));
    await w.drain();
    expect(w.ai.requests[0].request.conversationId).toBeNull();
    expect(w.ai.requests[1].request.conversationId).toBe('conv-9');
    expect(w.ai.requests[1].request.messages.filter((m) => m.role !== 'system')).toEqual([
      { role: 'user', content: 'ok thanks' },
    ]);
    expect(w.ai.requests[0].backend).toMatchObject({ provider: 'dify', difyApp: 'agent' });
    expect(w.sent.map((s) => s.content)).toEqual(['hello from dify']);
    expect(w.notes).toContainEqual({ silent: 'no_reply_marker' });
  });

  it('stops at the daily token budget (noted), and counts what each call used', async () => {
    const w = world({ dailyTokenBudget: 20, failureHint: '今天的额度用完了' });
    await w.handle(priv('a'));
    await w.drain();
    expect(w.store.data.get('budget:1:2026-12-02')).toBe(15);
    await w.handle(priv('b'));
    await w.drain();
    await w.handle(priv('c'));
    await w.drain();
    expect(w.ai.requests).toHaveLength(2);
    expect(w.notes).toContainEqual(
      expect.objectContaining({ code: 'AI_BUDGET_EXHAUSTED', error: 'the daily token budget of 20 is spent' }),
    );
    expect(w.sent.at(-1)?.content).toBe('今天的额度用完了');
  });

  it("counts the budget by the date in the context's time zone, and complete() by the same day", async () => {
    const w = world({ dailyTokenBudget: 1000 });
    // 2026-12-02T20:00Z: the 2nd in UTC, already the 3rd in Shanghai
    w.advance(10 * 3600_000);
    const e = priv('zoned');
    await w.handle(e, 'live', { timezone: 'Asia/Shanghai' });
    await w.drain();
    expect([...w.store.data.keys()].filter((k) => k.startsWith('budget:'))).toEqual(['budget:1:2026-12-03']);
    const api = w.plugin.api!(w.tools) as {
      complete: (r: number, c: string | null, m: unknown[], o?: object) => Promise<unknown>;
    };
    await api.complete(1, null, [{ role: 'user', content: 'x' }]);
    expect(w.store.data.get('budget:1:2026-12-03')).toBe(30);
    await api.complete(1, null, [{ role: 'user', content: 'y' }], { timeZone: 'UTC' });
    expect(w.store.data.get('budget:1:2026-12-02')).toBe(15);
  });

  describe('api.complete (for GroupDigest)', () => {
    it('answers cleaned text with the model and usage, counting against the budget', async () => {
      const w = world({ dailyTokenBudget: 15 });
      w.ai.answers.push(() => ({ text: '<think>plan</think>## 摘要\n- **一**', model: 'gpt-y' }));
      const api = w.plugin.api!(w.tools) as {
        complete: (r: number, c: string | null, m: unknown[], o?: object) => Promise<Record<string, unknown>>;
      };
      const out = await api.complete(1, ROOM, [{ role: 'user', content: 'summarise' }], {
        purpose: 'digest',
        maxTokens: 300,
      });
      expect(out).toMatchObject({ text: '摘要\n• 一', model: 'gpt-y', usage: { totalTokens: 15 } });
      expect(w.ai.requests[0].backend.maxTokens).toBe(300);
      expect(w.ai.requests[0].request.purpose).toBe('digest');
      await expect(api.complete(1, ROOM, [{ role: 'user', content: 'again' }])).rejects.toMatchObject({
        code: 'AI_BUDGET_EXHAUSTED',
      });
      expect(w.ai.requests).toHaveLength(1);
    });
  });
});
