import fc from 'fast-check';
import { decodeRequestFlag, encodeRequestFlag } from './request-flag';

describe('request flags', () => {
  it('decodes what it encoded', () => {
    const data = { v3: 'v3_abc@stranger', v4: 'v4_def@stranger', scene: 6 };
    const flag = encodeRequestFlag('friend', data);
    expect(flag).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-f]{12}$/);
    expect(decodeRequestFlag(flag)).toEqual({ kind: 'friend', data });
  });

  it('round-trips any data (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('friend' as const, 'group' as const),
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'),
          fc.oneof(fc.string(), fc.integer()),
        ),
        (kind, data) => {
          expect(decodeRequestFlag(encodeRequestFlag(kind, data))).toEqual({ kind, data });
        },
      ),
    );
  });

  it('refuses a changed flag', () => {
    const flag = encodeRequestFlag('group', { url: 'https://support.weixin.qq.com/x?ticket=A' });
    const [body, check] = flag.split('.');
    const other = encodeRequestFlag('group', { url: 'https://evil.example/' }).split('.')[0];
    expect(decodeRequestFlag(`${other}.${check}`)).toBeNull();
    expect(decodeRequestFlag(`${body}.${'0'.repeat(12)}`)).toBeNull();
    expect(decodeRequestFlag(flag.slice(1))).toBeNull();
  });

  it.each(['', '.', 'abc', 'abc.def', '!!!.123456789012', 'x'.repeat(10_000)])('returns null for %p', (garbage) => {
    expect(decodeRequestFlag(garbage)).toBeNull();
  });

  it('returns null for a well-formed flag whose content is not a request', () => {
    expect(decodeRequestFlag(encodeRequestFlag('other' as 'friend', {}))).toBeNull();
    expect(decodeRequestFlag(encodeRequestFlag('friend', { a: { b: 1 } } as never))).toBeNull();
  });
});
