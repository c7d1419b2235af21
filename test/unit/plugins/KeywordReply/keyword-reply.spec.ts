import { join } from 'node:path';
import { PluginConfigSchema } from '../../../../src/plugin/plugin-config';
import type { HandlerContext, PluginDefinition } from '../../../../src/plugin/plugin.types';
import { describeManifest, loadManifest } from '../../../support/plugin-manifest-check';
import { PLUGINS_DIR } from '../../../support/plugin-e2e';
import { event, memoryStore } from '../../../support/plugin-fakes';
import { takeTurn } from '../../../../plugins/KeywordReply/lib/cooldown';
import {
  compileRules,
  compiledRules,
  findRule,
  renderText,
  ruleId,
  senderName,
} from '../../../../plugins/KeywordReply/lib/rules';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require(join(PLUGINS_DIR, 'KeywordReply', 'index.js')) as PluginDefinition;
const { manifest, schema } = loadManifest('KeywordReply');
const chatSchema = PluginConfigSchema.compile(manifest.chatConfigSchema as Record<string, unknown>);

const text = (pattern: string, reply: string, more: Record<string, unknown> = {}) => ({
  pattern,
  reply: { type: 'text', text: reply },
  ...more,
});

function context(e: Parameters<typeof event>[0], config: Record<string, unknown>, store = memoryStore()) {
  const sent: unknown[][] = [];
  const notes: Record<string, unknown>[] = [];
  const result = { toWxid: 'x', msgId: '1', newMsgId: '2', createTime: 0 };
  const ev = event(e);
  const ctx = {
    event: ev,
    origin: 'live',
    robot: { id: 1, name: 'r', appId: 'wx_app_1', wxid: 'wxid_robot1', nickname: null },
    config: schema.check(config).config,
    log: {
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
    store,
    note: (d: Record<string, unknown>) => void notes.push(d),
    reply: (t: string) => (sent.push(['text', ev.chatId, t]), Promise.resolve(result)),
    send: {
      sendImage: (to: string, url: string) => (sent.push(['image', to, url]), Promise.resolve(result)),
      sendLink: (to: string, link: unknown) => (sent.push(['link', to, link]), Promise.resolve(result)),
    },
  } as unknown as HandlerContext;
  return { ctx, sent, notes, store };
}

const handle = (ctx: HandlerContext) => plugin.handlers?.[0].handle(ctx);

describeManifest('KeywordReply');

describe('KeywordReply rules', () => {
  it('matches exact (the whole trimmed text), contains and regex, case-insensitive unless asked', () => {
    const { rules, errors } = compileRules([
      text('Hello', 'exact', { match: 'exact' }),
      text('price', 'contains', { match: 'contains' }),
      text('^order\\s+(\\d+)$', 'regex', { match: 'regex' }),
      text('CaSe', 'sensitive', { match: 'contains', caseSensitive: true }),
    ]);
    expect(errors).toEqual([]);
    const hit = (t: string) => findRule(rules, t, false)?.rule.reply.text ?? null;
    expect(hit('  hello ')).toBe('exact');
    expect(hit('hello there')).toBeNull();
    expect(hit('What is the PRICE?')).toBe('contains');
    expect(hit('ORDER 42')).toBe('regex');
    expect(hit('order x')).toBeNull();
    expect(hit('a CaSe here')).toBe('sensitive');
    expect(hit('a case here')).toBeNull();
    expect(hit('   ')).toBeNull();
  });

  it('lets the first matching rule answer, and honours each rule’s scope', () => {
    const { rules } = compileRules([
      text('hi', 'groups only', { scope: 'groups' }),
      text('hi', 'private only', { scope: 'private' }),
      text('hi', 'anywhere'),
    ]);
    expect(findRule(rules, 'hi', true)?.rule.reply.text).toBe('groups only');
    expect(findRule(rules, 'hi', false)?.rule.reply.text).toBe('private only');
    const any = compileRules([text('hi', 'anywhere'), text('hi', 'later')]).rules;
    expect(findRule(any, 'oh hi', true)?.index).toBe(0);
  });

  it('refuses a regex that does not compile, and incomplete replies, saying which rule', () => {
    const { rules, errors } = compileRules([
      text('(', 'x', { match: 'regex' }),
      text('(', 'a contains pattern may hold any character'),
      { pattern: 'img', reply: { type: 'image' } },
      { pattern: 'lnk', reply: { type: 'link', link: { title: 't' } } },
      { pattern: '', reply: { type: 'text', text: 'x' } },
      'nope',
    ]);
    expect(rules.map((r) => r.index)).toEqual([1]);
    expect(errors).toEqual([
      expect.stringMatching(/^rules\[0\]\.pattern: invalid regular expression \/\(\/: /),
      'rules[2].reply.imageUrl is required',
      'rules[3].reply.link needs a title and a url',
      'rules[4].pattern must be a non-empty text',
      'rules[5] must be an object',
    ]);
    expect(compileRules('x').errors).toEqual(['rules must be a list']);
  });

  it('compiles a rule set once, whatever copy of the config it comes in', () => {
    const rules = [text('x', 'y', { match: 'regex' })];
    expect(compiledRules(structuredClone(rules))).toBe(compiledRules(structuredClone(rules)));
    expect(compiledRules([text('z', 'y')])).not.toBe(compiledRules(rules));
  });

  it('gives a rule an id from what it matches, not from where it stands', () => {
    expect(ruleId({ pattern: 'a', reply: {} })).toBe(ruleId({ pattern: 'a', match: 'contains', reply: { text: 'b' } }));
    expect(ruleId({ pattern: 'a', reply: {} })).not.toBe(ruleId({ pattern: 'a', match: 'exact', reply: {} }));
  });

  it('fills {name} with the sender’s name from the push text, else the wxid', () => {
    expect(renderText('hi {name}, {name}!', { name: 'Ann' })).toBe('hi Ann, Ann!');
    expect(renderText('$& {name}', { name: '$1' })).toBe('$& $1');
    expect(senderName({ pushContent: 'Alice : hello', senderWxid: 'wxid_a' })).toBe('Alice');
    expect(senderName({ pushContent: '小明在群聊中@了你', senderWxid: 'wxid_a' })).toBe('小明');
    expect(senderName({ pushContent: 'Bob mentioned you in a group chat', senderWxid: 'wxid_b' })).toBe('Bob');
    expect(senderName({ pushContent: null, senderWxid: 'wxid_c' })).toBe('wxid_c');
    expect(senderName({ pushContent: '收到一条消息', senderWxid: 'wxid_d' })).toBe('wxid_d');
  });
});

describe('KeywordReply cooldown', () => {
  it('lets a rule answer once per chat inside its cooldown, then again after it', async () => {
    const store = memoryStore();
    const turn = (chatId: string, now: number, ruleId = 'r1') =>
      takeTurn(store, { robotId: 1, chatId, ruleId, seconds: 60, now });
    expect(await turn('c1', 1_000)).toBe(true);
    expect(await turn('c1', 30_000)).toBe(false);
    expect(await turn('c2', 30_000)).toBe(true); // another chat
    expect(await turn('c1', 30_000, 'r2')).toBe(true); // another rule
    expect(await turn('c1', 61_001)).toBe(true);
    // expired entries are dropped when the key is written
    expect(await takeTurn(store, { robotId: 1, chatId: 'c1', ruleId: 'r3', seconds: 1, now: 200_000 })).toBe(true);
    expect(store.data.get('cooldown:1:c1')).toEqual({ r3: 201_000 });
  });

  it('stores nothing without a cooldown', async () => {
    const store = memoryStore();
    expect(await takeTurn(store, { robotId: 1, chatId: 'c', ruleId: 'r', seconds: 0 })).toBe(true);
    expect(store.data.size).toBe(0);
  });
});

describe('KeywordReply handler', () => {
  const rules = [
    text('hello', 'Hi {name}!', { match: 'exact' }),
    { pattern: 'pic', reply: { type: 'image', imageUrl: 'http://img.example/a.png' } },
    {
      pattern: 'docs',
      reply: { type: 'link', link: { title: 'Docs', url: 'http://docs.example/', description: 'Read me' } },
    },
  ];

  it('answers a text with {name}, an image and a link into the chat, and stops later plugins', async () => {
    const a = context({ text: 'Hello', pushContent: 'Ann : Hello' }, { rules });
    expect(await handle(a.ctx)).toBe(false);
    const b = context({ text: 'a pic please', isGroup: true, chatId: '1@chatroom' }, { rules });
    await handle(b.ctx);
    const c = context({ text: 'docs?' }, { rules, stopAfterReply: false });
    expect(await handle(c.ctx)).toBeUndefined();
    expect([...a.sent, ...b.sent, ...c.sent]).toEqual([
      ['text', 'wxid_friend', 'Hi Ann!'],
      ['image', '1@chatroom', 'http://img.example/a.png'],
      ['link', 'wxid_friend', { title: 'Docs', desc: 'Read me', linkUrl: 'http://docs.example/', thumbUrl: '' }],
    ]);
    expect(a.notes).toEqual([{ rule: 0, match: 'exact', pattern: 'hello', cooldown: false }]);
  });

  it('ignores the robot’s own messages, catch-up and replays, and texts no rule matches', async () => {
    for (const [e, origin] of [
      [{ text: 'hello', isSelf: true }, 'live'],
      [{ text: 'hello' }, 'catch_up'],
      [{ text: 'hello' }, 'replay'],
      [{ text: 'bye' }, 'live'],
      [{ text: null }, 'live'],
    ] as const) {
      const c = context(e, { rules });
      (c.ctx as { origin: string }).origin = origin;
      expect(await handle(c.ctx)).toBeUndefined();
      expect(c.sent).toEqual([]);
    }
  });

  it('stays silent for a rule in its cooldown, and notes why', async () => {
    const cooled = [text('hello', 'once', { cooldownSeconds: 3600 })];
    const store = memoryStore();
    const first = context({ text: 'hello' }, { rules: cooled }, store);
    await handle(first.ctx);
    const second = context({ text: 'hello' }, { rules: cooled }, store);
    expect(await handle(second.ctx)).toBeUndefined();
    expect(first.sent).toHaveLength(1);
    expect(second.sent).toEqual([]);
    expect(second.notes).toEqual([expect.objectContaining({ cooldown: true })]);
  });

  it('refuses to load with a rule whose regex does not compile', () => {
    const load = () =>
      plugin.onLoad?.({
        config: { rules: [text('[a-', 'x', { match: 'regex' })] },
        log: {} as never,
        store: memoryStore(),
      });
    expect(load).toThrow(/invalid rules: rules\[0\]\.pattern: invalid regular expression \/\[a-\//);
    expect(() => plugin.onLoad?.({ config: { rules }, log: {} as never, store: memoryStore() })).not.toThrow();
  });
});

describe('KeywordReply config', () => {
  it('refuses a regex rule whose pattern does not compile, naming the field, but not a contains pattern', () => {
    const bad = schema.check({ rules: [text('(', 'x', { match: 'regex' })] });
    expect(bad.errors).toContain('config.rules[0].pattern must match format "regex"');
    expect(schema.check({ rules: [text('(', 'x')] }).errors).toEqual([]);
  });

  it('requires what each reply type needs', () => {
    expect(schema.check({ rules: [{ pattern: 'a', reply: { type: 'image' } }] }).errors).toContain(
      'config.rules[0].reply.imageUrl is required',
    );
    expect(schema.check({ rules: [{ pattern: 'a', reply: {} }] }).errors).toContain(
      'config.rules[0].reply.text is required',
    );
    expect(
      schema.check({ rules: [{ pattern: 'a', reply: { type: 'link', link: { title: 't', url: 'http://x/' } } }] })
        .errors,
    ).toEqual([]);
  });

  it('fills a rule’s defaults: contains, case-insensitive, no cooldown, everywhere', () => {
    expect(schema.check({ rules: [text('a', 'b')] }).config).toEqual({
      rules: [
        {
          pattern: 'a',
          match: 'contains',
          caseSensitive: false,
          cooldownSeconds: 0,
          scope: 'all',
          reply: { type: 'text', text: 'b' },
        },
      ],
      stopAfterReply: true,
    });
    expect(schema.check({}).config).toEqual({ rules: [], stopAfterReply: true });
  });

  it('takes a chat’s own rules in the per-chat section (the same rule shape), which replace the global ones', async () => {
    expect(Object.keys(manifest.chatConfigSchema?.properties as object)).toEqual(['rules']);
    const chat = { rules: [text('hello', 'group answer')] };
    expect(chatSchema.check(chat).errors).toEqual([]);
    expect(chatSchema.check({ rules: [text('(', 'x', { match: 'regex' })] }).errors).toContain(
      'config.rules[0].pattern must match format "regex"',
    );
    expect(chatSchema.check({ stopAfterReply: false }).errors).toEqual(['config.stopAfterReply is not allowed']);
    // the resolver puts a chat's keys over the config: the chat's rules are the only ones that chat sees
    const global = schema.check({ rules: [text('hello', 'global answer'), text('bye', 'global bye')] }).config;
    const c = context({ text: 'hello' }, { ...global, ...chatSchema.check(chat).config });
    await handle(c.ctx);
    const d = context({ text: 'bye' }, { ...global, ...chatSchema.check(chat).config });
    await handle(d.ctx);
    expect([...c.sent, ...d.sent]).toEqual([['text', 'wxid_friend', 'group answer']]);
  });
});
