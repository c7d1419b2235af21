import { Logger } from '@nestjs/common';
import { FakeIdTable } from '../../test/support/fake-onebot-ids';
import { waitFor } from '../../test/support/wait';
import type { GeweEvent } from '../callback/events';
import type { EventBus } from '../live-events/event-bus';
import type { TranslateContext } from './onebot-events';
import { OneBotIdStore } from './onebot-ids.service';
import type { OneBotMedia } from './onebot-media';
import type { OneBotSettingsService } from './onebot-settings.service';
import { namesFrom, OneBotGateway } from './onebot.gateway';
import type { OneBotHub } from './onebot.hub';
import { DEFAULT_SETTINGS } from './onebot.types';
import type { OneBotEvent, OneBotSettings } from './onebot.types';

const event = (o: Partial<GeweEvent> = {}): GeweEvent => ({
  kind: 'text',
  robotId: 1,
  appId: 'wx_app',
  robotWxid: 'wxid_robot',
  typeName: 'AddMsg',
  msgType: 1,
  newMsgId: '7300000000000000001',
  msgId: '1',
  createTime: 1_700_000_000,
  fromWxid: 'wxid_alice',
  toWxid: 'wxid_robot',
  chatId: 'wxid_alice',
  isGroup: false,
  senderWxid: 'wxid_alice',
  isSelf: false,
  mentions: [],
  mentionsAll: false,
  mentionsSelf: false,
  text: 'hi',
  content: 'hi',
  pushContent: 'Alice : hi',
  details: {},
  raw: {},
  ...o,
});

function world(settings: Partial<OneBotSettings> = { enabled: true }) {
  const relayListeners: ((data: unknown) => void)[] = [];
  const relayed: unknown[] = [];
  const delivered: [number, OneBotEvent][] = [];
  const contexts: TranslateContext[] = [];
  const bus = {
    relay: (topic: string, data: unknown) => {
      expect(topic).toBe('onebot.event');
      relayed.push(data);
      for (const l of relayListeners) l(structuredClone(data));
    },
    onRelay: (_topic: string, l: (data: unknown) => void) => {
      relayListeners.push(l);
      return () => relayListeners.splice(relayListeners.indexOf(l), 1);
    },
  };
  const hub = { deliver: (robotId: number, e: OneBotEvent) => delivered.push([robotId, e]) };
  const store = new OneBotIdStore(new FakeIdTable().asTable());
  const gateway = new OneBotGateway(
    {
      get: (robotId: number) => Promise.resolve({ ...DEFAULT_SETTINGS, ...settings, robotId }),
    } as unknown as OneBotSettingsService,
    store,
    {
      inbound: (robotId: number, id: number, kind: string) => `http://h/onebot/media/${robotId}/${id}/${kind}`,
    } as OneBotMedia,
    hub as unknown as OneBotHub,
    bus as unknown as EventBus,
  );
  gateway.translate = (e, ctx) => {
    contexts.push(ctx);
    return Promise.resolve([{ time: e.createTime ?? 0, self_id: ctx.selfId, post_type: 'message', text: e.text }]);
  };
  return { gateway, store, relayed, delivered, contexts, hub };
}

describe('OneBotGateway', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('translates a message of an enabled robot with its context and relays it; the hub delivers it', async () => {
    const w = world();
    w.gateway.publish(event(), 42);
    await w.gateway.idle();
    const selfId = await w.store.mapper(1, 'alias').user('wxid_robot');
    expect(w.delivered).toEqual([[1, { time: 1_700_000_000, self_id: selfId, post_type: 'message', text: 'hi' }]]);
    const ctx = w.contexts[0];
    expect(ctx).toMatchObject({ selfId, messageLogId: 42, settings: { robotId: 1, enabled: true } });
    expect(ctx.ids.mode).toBe('alias');
    expect(ctx.mediaUrl('image')).toBe('http://h/onebot/media/1/42/image');
    expect(await ctx.names!('wxid_alice', null)).toEqual({ nickname: 'Alice', card: null });
  });

  it('does nothing for a robot whose OneBot is off', async () => {
    const w = world({ enabled: false });
    w.gateway.publish(event(), 1);
    await w.gateway.idle();
    expect(w.contexts).toEqual([]);
    expect(w.relayed).toEqual([]);
  });

  it('keeps a robot’s order when an earlier translation takes longer than a later one', async () => {
    const w = world();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    w.gateway.translate = async (e, ctx) => {
      if (e.text === 'first') await slow;
      return [{ time: 0, self_id: ctx.selfId, post_type: 'message', text: e.text }];
    };
    w.gateway.publish(event({ text: 'first' }), 1);
    w.gateway.publish(event({ text: 'second', newMsgId: '2' }), 2);
    w.gateway.publish(event({ robotId: 2, text: 'other robot' }), 3);
    // the other robot's chain does not wait for robot 1's, and robot 1's second waits for its first
    await waitFor(() => w.delivered.some(([r]) => r === 2));
    expect(w.delivered.filter(([r]) => r === 1)).toEqual([]);
    release();
    await w.gateway.idle();
    expect(w.delivered.filter(([r]) => r === 1).map(([, e]) => e.text)).toEqual(['first', 'second']);
  });

  it('never throws: a failed translation is logged and the next event still goes out', async () => {
    const w = world();
    const translate = w.gateway.translate;
    w.gateway.translate = (e, ctx) => (e.text === 'bad' ? Promise.reject(new Error('boom')) : translate(e, ctx));
    expect(() => w.gateway.publish(event({ text: 'bad' }), 1)).not.toThrow();
    w.gateway.publish(event({ text: 'good' }), 2);
    await w.gateway.idle();
    expect(w.delivered.map(([, e]) => e.text)).toEqual(['good']);
  });

  it('a hub that throws for one event does not keep the others from being delivered', async () => {
    const w = world();
    let calls = 0;
    w.hub.deliver = (robotId, e) => {
      if (calls++ === 0) throw new Error('hub down');
      w.delivered.push([robotId, e]);
      return 0;
    };
    w.gateway.translate = (_e, ctx) =>
      Promise.resolve([
        { time: 0, self_id: ctx.selfId, post_type: 'notice', n: 1 },
        { time: 0, self_id: ctx.selfId, post_type: 'notice', n: 2 },
      ]);
    w.gateway.publish(event(), 1);
    await w.gateway.idle();
    expect(w.delivered.map(([, e]) => e.n)).toEqual([2]);
  });

  it('relays nothing when the translation has no event for it', async () => {
    const w = world();
    w.gateway.translate = () => Promise.resolve([]);
    w.gateway.publish(event({ kind: 'sync' }), 1);
    await w.gateway.idle();
    expect(w.relayed).toEqual([]);
  });

  it('namesFrom reads the sender’s nickname from the push content, for the sender only', () => {
    expect(namesFrom(event(), 'wxid_alice')).toEqual({ nickname: 'Alice', card: null });
    expect(namesFrom(event(), 'wxid_bob')).toEqual({ nickname: null, card: null });
    expect(namesFrom(event({ pushContent: null }), 'wxid_alice')).toEqual({ nickname: null, card: null });
  });
});
