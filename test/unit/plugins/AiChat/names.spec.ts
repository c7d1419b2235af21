import { MemberNames, nameFromPush } from '../../../../plugins/AiChat/lib/names';

describe('AiChat names', () => {
  it("reads the sender's name from a push text", () => {
    expect(nameFromPush('朝夕。 : 123')).toBe('朝夕。');
    expect(nameFromPush('Alice在群聊中@了你')).toBe('Alice');
    expect(nameFromPush('Alice 在群聊中@了你')).toBe('Alice');
    expect(nameFromPush('no separator')).toBeNull();
    expect(nameFromPush(null)).toBeNull();
  });

  it('takes the name card, else the nickname, from the member list, cached; else the fallback, else the wxid', async () => {
    let now = 0;
    const calls: string[] = [];
    const gewe = {
      group: {
        getChatroomMemberList: (id: string) => {
          calls.push(id);
          return Promise.resolve({
            memberList: [
              { wxid: 'a', nickName: 'A nick', displayName: 'A card' },
              { wxid: 'b', nickName: 'B nick', displayName: null },
            ],
          });
        },
      },
    };
    const names = new MemberNames(() => now);
    expect(await names.nameOf(gewe, 'r@chatroom', 'a', null)).toBe('A card');
    expect(await names.nameOf(gewe, 'r@chatroom', 'b', null)).toBe('B nick');
    expect(calls).toHaveLength(1);
    now += 11 * 60_000;
    await names.nameOf(gewe, 'r@chatroom', 'a', null);
    expect(calls).toHaveLength(2);
    expect(await names.nameOf(gewe, 'r@chatroom', 'c', 'Push name')).toBe('Push name');
    const broken = { group: { getChatroomMemberList: () => Promise.reject(new Error('offline')) } };
    expect(await new MemberNames().nameOf(broken, 'r@chatroom', 'wxid_z', null)).toBe('wxid_z');
  });
});
