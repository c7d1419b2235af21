import {
  buildMessages,
  emptySession,
  estimateTokens,
  parseSession,
  SessionStore,
  sessionKey,
  windowTurns,
  withTurn,
} from '../../../../plugins/AiChat/lib/session';
import { memoryStore } from '../../../support/plugin-fakes';

const ROOM = '123@chatroom';
const inGroup = (sender: string) => ({ robotId: 7, chatId: ROOM, isGroup: true, senderWxid: sender });
const priv = (who: string) => ({ robotId: 7, chatId: who, isGroup: false, senderWxid: who });
const turn = (n: number) => ({ user: `question ${n}`, assistant: `answer ${n}` });

describe('AiChat sessions', () => {
  it('keys a session by scope: each member in a group, the whole group, or the person everywhere', () => {
    expect(sessionKey(inGroup('wxid_a'), 'member_in_group')).toBe(`session:7:m:${ROOM}/wxid_a`);
    expect(sessionKey(inGroup('wxid_a'), 'member_in_group')).not.toBe(sessionKey(inGroup('wxid_b'), 'member_in_group'));
    expect(sessionKey(inGroup('wxid_a'), 'group')).toBe(sessionKey(inGroup('wxid_b'), 'group'));
    expect(sessionKey(inGroup('wxid_a'), 'member')).toBe(sessionKey(priv('wxid_a'), 'member'));
    expect(sessionKey(inGroup('wxid_a'), 'member_in_group')).not.toBe(sessionKey(priv('wxid_a'), 'member_in_group'));
    // another robot, another session
    expect(sessionKey({ ...priv('wxid_a'), robotId: 8 }, 'member')).not.toBe(sessionKey(priv('wxid_a'), 'member'));
  });

  it('keeps keys within the store limit of 191 characters', () => {
    const key = sessionKey(inGroup('x'.repeat(300)), 'member_in_group');
    expect(key.length).toBeLessThanOrEqual(191);
    expect(key).not.toBe(sessionKey(inGroup('y'.repeat(300)), 'member_in_group'));
  });

  it('estimates tokens: a CJK character about one, other text about four characters each', () => {
    expect(estimateTokens('你好世界')).toBe(4 + 4);
    expect(estimateTokens('a'.repeat(40))).toBe(10 + 4);
  });

  it('windows the history to the last maxTurns turns', () => {
    const turns = [1, 2, 3, 4, 5].map(turn);
    expect(windowTurns(turns, { maxTurns: 2, maxTokens: 10_000 })).toEqual([turn(4), turn(5)]);
    expect(windowTurns(turns, { maxTurns: 0, maxTokens: 10_000 })).toEqual([]);
  });

  it('drops the oldest turns while the estimate exceeds the token budget', () => {
    const long = { user: 'x'.repeat(400), assistant: 'y'.repeat(400) }; // ~208 tokens
    const turns = [long, long, turn(3)];
    const kept = windowTurns(turns, { maxTurns: 10, maxTokens: 300 });
    expect(kept).toEqual([long, turn(3)]);
    expect(windowTurns(turns, { maxTurns: 10, maxTokens: 300, reserved: 200 })).toEqual([turn(3)]);
  });

  it('builds the request: system prompt, history, the question', () => {
    const s = { ...emptySession(), turns: [turn(1)] };
    expect(buildMessages(s, 'now?', { systemPrompt: 'Be brief.', maxTurns: 5, maxContextTokens: 4000 })).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'question 1' },
      { role: 'assistant', content: 'answer 1' },
      { role: 'user', content: 'now?' },
    ]);
    // no system message for an empty prompt; no history when the backend keeps its own (Dify)
    expect(
      buildMessages(s, 'now?', { systemPrompt: ' ', maxTurns: 5, maxContextTokens: 4000, history: false }),
    ).toEqual([{ role: 'user', content: 'now?' }]);
  });

  it('appends a turn, keeps the conversation id unless a new one is given, bounds what it keeps', () => {
    let s = withTurn(emptySession(), turn(1), { conversationId: 'conv-1', now: 1000 });
    expect(s).toEqual({ turns: [turn(1)], conversationId: 'conv-1', updatedAt: 1000 });
    s = withTurn(s, turn(2), { now: 2000 });
    expect(s.conversationId).toBe('conv-1');
    for (let i = 3; i <= 150; i++) s = withTurn(s, turn(i), { now: i, keep: 20 });
    expect(s.turns).toHaveLength(20);
    expect(s.turns[19]).toEqual(turn(150));
    const huge = withTurn(s, { user: 'u'.repeat(30_000), assistant: 'a'.repeat(30_000) }, { now: 1 });
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeLessThan(64 * 1024);
  });

  it('reads a damaged stored value as an empty session', () => {
    expect(parseSession('nonsense')).toEqual(emptySession());
    expect(parseSession({ turns: [{ user: 1 }, turn(1)], conversationId: 5 })).toEqual({
      turns: [turn(1)],
      conversationId: null,
      updatedAt: 0,
    });
  });

  it('stores sessions in the plugin store, expires idle ones, resets', async () => {
    const store = memoryStore();
    const sessions = new SessionStore(store);
    const key = sessionKey(priv('wxid_a'), 'member_in_group');
    await sessions.save(key, withTurn(emptySession(), turn(1), { conversationId: 'c', now: 0 + 1 }));
    expect(store.data.has(key)).toBe(true);
    // a new SessionStore on the same store (a restart) reads it back
    const again = new SessionStore(store);
    expect((await again.load(key, { idleMinutes: 30, now: 29 * 60_000 })).turns).toEqual([turn(1)]);
    expect(await again.load(key, { idleMinutes: 30, now: 31 * 60_000 })).toEqual(emptySession());
    expect((await again.load(key, { idleMinutes: 0, now: 1e12 })).conversationId).toBe('c');
    await again.reset(key);
    expect(await again.load(key, { idleMinutes: 30, now: 2 })).toEqual(emptySession());
  });
});
