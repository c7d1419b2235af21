import { nameFromPush, senderNameOf } from '../../src/message-log/message-history.source';

describe('the message log’s sender names for ctx.history', () => {
  it('reads the display name from the push text of a logged callback', () => {
    const raw = (push: unknown) => JSON.stringify({ TypeName: 'AddMsg', Data: { PushContent: push } });
    expect(senderNameOf(raw('张三 : 你好'))).toBe('张三');
    expect(senderNameOf(raw({ string: 'Alice : [图片]' }))).toBe('Alice');
    expect(senderNameOf(raw('李四在群聊中@了你'))).toBe('李四');
    expect(senderNameOf(raw('你收到了一条消息'))).toBeNull();
    expect(senderNameOf(raw(null))).toBeNull();
    expect(senderNameOf(JSON.stringify({ sent: { kind: 'text' } }))).toBeNull();
    expect(senderNameOf('{"PushContent": truncated')).toBeNull();
    expect(senderNameOf(null)).toBeNull();
    expect(nameFromPush(' : x')).toBeNull();
  });
});
