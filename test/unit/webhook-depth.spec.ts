import { nestingDepth } from '../../src/webhook/webhook.service';

describe('nestingDepth', () => {
  it('measures the deepest object or array nesting', () => {
    expect(nestingDepth('{}')).toBe(1);
    expect(nestingDepth('{"a":{"b":[1,{"c":2}]}}')).toBe(4);
    expect(nestingDepth('[[[[[]]]]]')).toBe(5);
    expect(nestingDepth('42')).toBe(0);
  });

  it('ignores brackets inside strings, including escaped quotes', () => {
    expect(nestingDepth('{"a":"[[[[{{{{"}')).toBe(1);
    expect(nestingDepth('{"a":"\\"[[[","b":{}}')).toBe(2);
  });
});
