import { event } from '../../../support/plugin-fakes';
import type { GeweEvent } from '../../../../src/callback/events';
import { decide, isReset } from '../../../../plugins/AiChat/lib/trigger';
import { settingsOf } from '../../../../plugins/AiChat/lib/settings';

const ROBOT = 'wxid_robot1';
const ROOM = '123@chatroom';
const live = { robotWxid: ROBOT, origin: 'live' as const };

const group = (p: Partial<GeweEvent> = {}): GeweEvent =>
  event({ chatId: ROOM, fromWxid: ROOM, isGroup: true, senderWxid: 'wxid_alice', text: 'hello', ...p });
const cfg = (c: Record<string, unknown> = {}) => settingsOf(c);

describe('AiChat trigger', () => {
  describe('private chats', () => {
    it('answers every private message by default', () => {
      expect(decide(event({ text: '你好' }), cfg(), live)).toEqual({ fire: true, via: 'private', text: '你好' });
    });

    it('with the prefix mode, answers only a prefixed message and strips the prefix', () => {
      const s = cfg({ privateTrigger: 'prefix', privatePrefixes: ['ai ', '/ask'] });
      expect(decide(event({ text: 'hello' }), s, live)).toEqual({ fire: false, reason: 'no_trigger' });
      expect(decide(event({ text: 'AI what is up' }), s, live)).toEqual({
        fire: true,
        via: 'private_prefix',
        text: 'what is up',
      });
      expect(decide(event({ text: '/ask' }), s, live)).toEqual({ fire: false, reason: 'no_trigger' });
    });
  });

  describe('groups', () => {
    it('does not answer a plain group message', () => {
      expect(decide(group(), cfg(), live)).toEqual({ fire: false, reason: 'no_trigger' });
    });

    it('answers an @-mention of the robot, not @all alone, and not when onAt is off', () => {
      expect(decide(group({ mentionsSelf: true, mentions: [ROBOT], text: '在吗' }), cfg(), live)).toEqual({
        fire: true,
        via: 'at',
        text: '在吗',
      });
      expect(decide(group({ mentionsAll: true, mentions: ['notify@all'] }), cfg(), live).fire).toBe(false);
      const off = cfg({ groupTrigger: { onAt: false } });
      expect(decide(group({ mentionsSelf: true }), off, live).fire).toBe(false);
    });

    it('takes mention markup left in the text off', () => {
      const d = decide(group({ mentionsSelf: true, text: '@Bot\u2005 tell me' }), cfg(), live);
      expect(d).toEqual({ fire: true, via: 'at', text: 'tell me' });
    });

    it("answers a quote of the robot's message, not a quote of someone else's", () => {
      const quote = (sender: string) =>
        group({ kind: 'quote', text: '为什么', details: { quotedSender: sender, quotedChat: ROOM } });
      expect(decide(quote(ROBOT), cfg(), live)).toEqual({ fire: true, via: 'quote', text: '为什么' });
      expect(decide(quote('wxid_bob'), cfg(), live).fire).toBe(false);
      expect(decide(quote(ROBOT), cfg({ groupTrigger: { onQuoteOfRobot: false } }), live).fire).toBe(false);
    });

    it('answers a prefix (stripped, case-insensitive), a keyword, a regex', () => {
      const s = cfg({ groupTrigger: { prefixes: ['ai '], keywords: ['天气'], regexes: ['^翻译[:：]'] } });
      expect(decide(group({ text: 'Ai 讲个笑话' }), s, live)).toEqual({ fire: true, via: 'prefix', text: '讲个笑话' });
      expect(decide(group({ text: '明天天气怎么样' }), s, live)).toEqual({
        fire: true,
        via: 'keyword',
        text: '明天天气怎么样',
      });
      expect(decide(group({ text: '翻译：hello' }), s, live)).toEqual({
        fire: true,
        via: 'regex',
        text: '翻译：hello',
      });
      expect(decide(group({ text: 'nothing here' }), s, live).fire).toBe(false);
    });

    it('strips a prefix after an @-mention too', () => {
      const s = cfg({ groupTrigger: { prefixes: ['ai '] } });
      expect(decide(group({ mentionsSelf: true, text: 'ai hi' }), s, live)).toEqual({
        fire: true,
        via: 'at',
        text: 'hi',
      });
    });

    it('skips a regex that does not compile', () => {
      const s = cfg({ groupTrigger: { regexes: ['([', 'ok$'] } });
      expect(decide(group({ text: 'is it ok' }), s, live)).toEqual({ fire: true, via: 'regex', text: 'is it ok' });
      expect(decide(group({ text: '(([' }), s, live).fire).toBe(false);
    });

    it('answers at random with the given probability (the random source injected)', () => {
      const s = cfg({ groupTrigger: { randomProbability: 0.3 } });
      expect(decide(group(), s, { ...live, random: () => 0.29 })).toEqual({ fire: true, via: 'random', text: 'hello' });
      expect(decide(group(), s, { ...live, random: () => 0.3 }).fire).toBe(false);
      expect(decide(group(), cfg(), { ...live, random: () => 0 }).fire).toBe(false);
    });
  });

  describe('never', () => {
    it("answers the robot's own messages", () => {
      expect(decide(event({ isSelf: true }), cfg(), live)).toEqual({ fire: false, reason: 'self' });
      expect(decide(group({ senderWxid: ROBOT, mentionsSelf: true }), cfg(), live)).toEqual({
        fire: false,
        reason: 'self',
      });
    });

    it('answers official accounts', () => {
      const gh = event({ chatId: 'gh_abc123', senderWxid: 'gh_abc123', fromWxid: 'gh_abc123' });
      expect(decide(gh, cfg(), live)).toEqual({ fire: false, reason: 'official' });
    });

    it('answers catch-up, or a replay unless replyToReplays', () => {
      expect(decide(event(), cfg(), { ...live, origin: 'catch_up' })).toEqual({ fire: false, reason: 'origin' });
      expect(decide(event(), cfg({ replyToReplays: true }), { ...live, origin: 'catch_up' }).fire).toBe(false);
      expect(decide(event(), cfg(), { ...live, origin: 'replay' })).toEqual({ fire: false, reason: 'origin' });
      expect(decide(event(), cfg({ replyToReplays: true }), { ...live, origin: 'replay' }).fire).toBe(true);
    });

    it('answers other kinds or an empty text', () => {
      expect(decide(event({ kind: 'image', text: null }), cfg(), live)).toEqual({ fire: false, reason: 'kind' });
      expect(decide(group({ mentionsSelf: true, text: '' }), cfg(), live)).toEqual({ fire: false, reason: 'empty' });
    });

    it('answers when an ignore rule matches: ignore rules win over every trigger', () => {
      const s = cfg({ ignore: { senders: ['wxid_bot2'], regexes: ['^#'] } });
      expect(decide(group({ senderWxid: 'wxid_bot2', mentionsSelf: true }), s, live)).toEqual({
        fire: false,
        reason: 'ignored',
      });
      expect(decide(event({ text: '#note to self' }), s, live)).toEqual({ fire: false, reason: 'ignored' });
      expect(decide(event({ text: 'a # in the middle' }), s, live).fire).toBe(true);
    });
  });

  it('knows the reset commands (whole text, case and spaces aside)', () => {
    expect(isReset(' /NEW ', ['/new', '#清除记忆'])).toBe(true);
    expect(isReset('#清除记忆', ['/new', '#清除记忆'])).toBe(true);
    expect(isReset('/new topic', ['/new'])).toBe(false);
    expect(isReset('/new', [])).toBe(false);
  });
});
