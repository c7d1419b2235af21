import { FakeIdTable } from '../../test/support/fake-onebot-ids';
import { aliasOf, LruMap, OneBotIdStore } from './onebot-ids.service';
import type { MessageRef } from './onebot.types';

const ref = (newMsgId: string, o: Partial<MessageRef> = {}): MessageRef => ({
  robotId: 1,
  newMsgId,
  msgId: null,
  createTime: null,
  chatId: null,
  messageLogId: null,
  ...o,
});

function setup() {
  const table = new FakeIdTable();
  return { table, store: new OneBotIdStore(table.asTable()), another: () => new OneBotIdStore(table.asTable()) };
}

describe('OneBotIdStore', () => {
  it('gives a wxid one integer alias, the same for every robot, and answers it again from memory', async () => {
    const { table, store } = setup();
    const a = await store.mapper(1, 'alias').user('wxid_alice');
    expect(typeof a).toBe('number');
    expect(await store.mapper(2, 'alias').user('wxid_alice')).toBe(a);
    expect(table.statements).toEqual(['insert id']);
    expect(await store.mapper(1, 'alias').user('wxid_bob')).not.toBe(a);
  });

  it('never gives a user and a group the same alias, and maps each alias back only to its own kind', async () => {
    const { store } = setup();
    const ids = store.mapper(1, 'alias');
    const user = await ids.user('wxid_alice');
    const group = await ids.group('123@chatroom');
    expect(group).not.toBe(user);
    expect(await ids.userWxid(user)).toBe('wxid_alice');
    expect(await ids.groupChatId(group)).toBe('123@chatroom');
    expect(await ids.userWxid(group)).toBeNull();
    expect(await ids.groupChatId(user)).toBeNull();
  });

  it('accepts an alias as a number or its digits, or the raw id; refuses what is neither', async () => {
    const { store } = setup();
    const ids = store.mapper(1, 'alias');
    const user = (await ids.user('wxid_alice')) as number;
    expect(await ids.userWxid(String(user))).toBe('wxid_alice');
    expect(await ids.userWxid('wxid_someone_else')).toBe('wxid_someone_else');
    expect(await ids.groupChatId('999@chatroom')).toBe('999@chatroom');
    expect(await ids.userWxid('999@chatroom')).toBeNull(); // a group id is no user
    expect(await ids.groupChatId('wxid_alice')).toBeNull();
    for (const bad of [0, -1, 1.5, '', '  ', null, undefined, {}, [], '12345678901234567890', 'x'.repeat(101)])
      expect(await ids.userWxid(bad)).toBeNull();
    expect(await ids.userWxid(987654)).toBeNull(); // an alias nobody was given
  });

  it('finds an alias allocated by another instance (after a restart too) from the table', async () => {
    const { store, another } = setup();
    const user = await store.mapper(1, 'alias').user('wxid_alice');
    const restarted = another().mapper(1, 'alias');
    expect(await restarted.userWxid(user)).toBe('wxid_alice');
    expect(await restarted.user('wxid_alice')).toBe(user);
  });

  it('two instances racing for a new wxid get the same alias: the unique index decides, the loser reads', async () => {
    const { table, store, another } = setup();
    const [a, b] = await Promise.all([
      store.mapper(1, 'alias').user('wxid_new'),
      another().mapper(1, 'alias').user('wxid_new'),
    ]);
    expect(a).toBe(b);
    expect(table.statements).toEqual(['insert id', 'insert id', 'select id']);
  });

  it('concurrent asks for one new wxid in one instance make one INSERT', async () => {
    const { table, store } = setup();
    const ids = store.mapper(1, 'alias');
    const all = await Promise.all([ids.user('wxid_new'), ids.user('wxid_new'), ids.user('wxid_new')]);
    expect(new Set(all).size).toBe(1);
    expect(table.statements).toEqual(['insert id']);
  });

  it('gives a message an int32 alias per robot, and keeps what revoking it needs behind it', async () => {
    const { store } = setup();
    const ids = store.mapper(1, 'alias');
    const full = ref('7300000000000000001', {
      msgId: '123',
      createTime: 1_700_000_000,
      chatId: 'wxid_a',
      messageLogId: 5,
    });
    const id = await ids.message(full);
    expect(typeof id).toBe('number');
    expect(id).toBeLessThanOrEqual(2_147_483_647);
    expect(await ids.message(full)).toBe(id);
    expect(await ids.messageRef(id)).toEqual(full);
    expect(await ids.messageRef(String(id))).toEqual(full);
    // the same NewMsgId on another robot is another message
    expect(await store.mapper(2, 'alias').message({ ...full, robotId: 2 })).not.toBe(id);
    // and another robot's client cannot reach this robot's message
    expect(await store.mapper(2, 'alias').messageRef(id)).toBeNull();
    expect(await ids.messageRef(424242)).toBeNull();
    expect(await ids.messageRef(2 ** 40)).toBeNull();
  });

  it('fills in what a message was first stored without (seen as a quote first, then as itself)', async () => {
    const { store, another } = setup();
    const ids = store.mapper(1, 'alias');
    const id = await ids.message(ref('7300000000000000002'));
    const full = ref('7300000000000000002', {
      msgId: '9',
      createTime: 1_700_000_001,
      chatId: 'g@chatroom',
      messageLogId: 8,
    });
    expect(await ids.message(full)).toBe(id);
    expect(await ids.messageRef(id)).toEqual(full);
    expect(await another().mapper(1, 'alias').messageRef(id)).toEqual(full);
  });

  it('in string mode passes the raw ids, and a message travels as its NewMsgId, found again by it or its alias', async () => {
    const { store } = setup();
    const ids = store.mapper(1, 'string');
    expect(ids.mode).toBe('string');
    expect(await ids.user('wxid_alice')).toBe('wxid_alice');
    expect(await ids.group('1@chatroom')).toBe('1@chatroom');
    expect(await ids.userWxid('wxid_alice')).toBe('wxid_alice');
    const full = ref('7300000000000000003', { msgId: '1', chatId: 'wxid_alice' });
    expect(await ids.message(full)).toBe('7300000000000000003');
    expect(await ids.messageRef('7300000000000000003')).toEqual(full);
    const alias = await store.mapper(1, 'alias').message(full);
    expect(await ids.messageRef(alias)).toEqual(full);
  });

  it('aliasOf takes positive safe integers and their digits only', () => {
    expect(aliasOf(5)).toBe(5);
    expect(aliasOf('42')).toBe(42);
    expect(aliasOf('042')).toBe(42);
    expect(aliasOf(2 ** 53)).toBeNull();
    expect(aliasOf('1e3')).toBeNull();
    expect(aliasOf(true)).toBeNull();
  });
});

describe('LruMap', () => {
  it('forgets the least recently used entry beyond its size (a read counts as a use)', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1);
    m.set('c', 3);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
    expect(m.size).toBe(2);
  });
});
