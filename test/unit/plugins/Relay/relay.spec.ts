/* eslint-disable @typescript-eslint/no-require-imports */
import type * as RelayLib from '../../../../plugins/Relay/lib/relay';
import { describeManifest } from '../../../support/plugin-manifest-check';

const lib = require('../../../../plugins/Relay/lib/relay') as typeof RelayLib;

const A = 'a@chatroom';
const B = 'b@chatroom';
const C = 'c@chatroom';

describe('Relay routes', () => {
  it('normalises routes: a single target, all kinds by default, the plugin prefix, no route to itself', () => {
    const [r] = lib.normaliseRoutes([{ from: A, to: B }], '[{name}] ');
    expect(r).toEqual({
      from: A,
      to: [B],
      bothWays: false,
      kinds: ['text', 'image', 'file', 'link', 'video', 'emoji'],
      allowSenders: [],
      denySenders: [],
      prefix: '[{name}] ',
    });
    expect(lib.normaliseRoutes([{ from: A, to: [A, B], prefix: '' }], 'x')[0]).toMatchObject({ to: [B], prefix: '' });
    expect(lib.normaliseRoutes([{ from: '', to: [B] }, { from: A, to: [] }, null, 'x'], '')).toEqual([]);
    expect(lib.normaliseRoutes(undefined, '')).toEqual([]);
  });

  it('sends one way, or back to the source on a both-way route, each target once', () => {
    const routes = lib.normaliseRoutes(
      [
        { from: A, to: [B, C] },
        { from: A, to: [B], prefix: 'second ' },
        { from: C, to: [B], bothWays: true },
      ],
      'p ',
    );
    expect(lib.targetsFor(routes, A, 'text', 'w', 'n').map((t) => [t.to, t.route.prefix])).toEqual([
      [B, 'p '],
      [C, 'p '],
    ]);
    expect(lib.targetsFor(routes, B, 'text', 'w', 'n').map((t) => t.to)).toEqual([C]);
    expect(lib.targetsFor(routes, C, 'text', 'w', 'n').map((t) => t.to)).toEqual([B]);
    expect(lib.targetsFor(routes, 'other', 'text', 'w', 'n')).toEqual([]);
  });

  it('filters by kind and by sender: deny wins, an empty allow list allows all, wxid or name match', () => {
    const [r] = lib.normaliseRoutes(
      [{ from: A, to: [B], kinds: ['image'], allowSenders: ['wxid_a', 'Bob'], denySenders: ['Bob'] }],
      '',
    );
    expect(lib.targetsFor([r], A, 'text', 'wxid_a', 'Al')).toEqual([]);
    expect(lib.targetsFor([r], A, 'image', 'wxid_a', 'Al')).toHaveLength(1);
    expect(lib.targetsFor([r], A, 'image', 'wxid_b', 'Bob')).toEqual([]);
    expect(lib.targetsFor([r], A, 'image', 'wxid_c', 'Carol')).toEqual([]);
    expect(lib.senderAllowed({ ...r, allowSenders: [] }, 'wxid_c', null)).toBe(true);
    expect(lib.relayKind('quote')).toBe('text');
    expect(lib.relayKind('voice')).toBeNull();
    expect(lib.relayKind('file_notice')).toBeNull();
  });
});

describe('Relay names, prefixes and the loop guard', () => {
  it('reads the sender name from the push text', () => {
    expect(lib.nameFromPush('张三 : 你好')).toBe('张三');
    expect(lib.nameFromPush('张三在群聊中@了你')).toBe('张三');
    expect(lib.nameFromPush('Alice 在群聊中@了你')).toBe('Alice');
    expect(lib.nameFromPush('a : b : c')).toBe('a');
    expect(lib.nameFromPush('你收到了一条消息')).toBeNull();
    expect(lib.nameFromPush(null)).toBeNull();
  });

  it('fills the template and counts the prefixes a text already carries', () => {
    expect(lib.fillPrefix('[{name}] ', 'Bob')).toBe('[Bob] ');
    expect(lib.fillPrefix('{name}说：{name}', 'A')).toBe('A说：A');
    const t = ['[{name}] ', '转自群: '];
    expect(lib.hopsOf('hello', t)).toBe(0);
    expect(lib.hopsOf('[Bob] hello', t)).toBe(1);
    expect(lib.hopsOf('[Bob] [Alice] hello', t)).toBe(2);
    expect(lib.hopsOf('转自群: [Bob] x', t)).toBe(2);
    expect(lib.hopsOf('[a.b*] x', t)).toBe(1);
    expect(lib.hopsOf('[Bob]no space', t)).toBe(0);
    expect(lib.hopsOf('anything', ['', ' '])).toBe(0);
  });

  it('remembers a bounded list of relayed ids', () => {
    expect(lib.remember(undefined, ['1'], 3)).toEqual(['1']);
    expect(lib.remember(['1', '2', 3], ['4', '5'], 3)).toEqual(['2', '4', '5']);
  });
});

// the shared manifest checks: loads through the loader, texts in both languages, enums labelled, defaults valid,
// per-chat keys top-level config properties
describeManifest('Relay');
