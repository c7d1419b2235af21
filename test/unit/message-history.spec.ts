import { nameFromPush } from '../../src/message-log/message-history.source';

describe('the message log’s sender names for ctx.history', () => {
  it('reads the display name from a push text', () => {
    expect(nameFromPush('张三 : 你好')).toBe('张三');
    expect(nameFromPush('Alice : [图片]')).toBe('Alice');
    expect(nameFromPush('a : b : c')).toBe('a');
    expect(nameFromPush('李四在群聊中@了你')).toBe('李四');
    expect(nameFromPush('Bob 在群聊中@了你')).toBe('Bob');
    expect(nameFromPush('你收到了一条消息')).toBeNull();
    expect(nameFromPush(' : x')).toBeNull();
    expect(nameFromPush(null)).toBeNull();
  });
});
