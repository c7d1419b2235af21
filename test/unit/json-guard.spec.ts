import { assertSafeJson, MAX_JSON_DEPTH, scanJson } from '../../src/common/json-guard';
import { DomainError } from '../../src/common/domain-error';

const both = (text: string) => [scanJson(text), scanJson(Buffer.from(text))];
const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

describe('scanJson', () => {
  it('lets nesting up to the limit through and stops at the first level beyond it', () => {
    expect(both(nested(MAX_JSON_DEPTH))).toEqual([null, null]);
    expect(both(nested(MAX_JSON_DEPTH + 1))).toEqual(Array(2).fill({ kind: 'too_deep', maxDepth: MAX_JSON_DEPTH }));
    expect(scanJson('['.repeat(1_000_000))).toEqual({ kind: 'too_deep', maxDepth: MAX_JSON_DEPTH });
    expect(scanJson('[[[[[]]]]]', 5)).toBeNull();
    expect(scanJson('[[[[[]]]]]', 4)).toEqual({ kind: 'too_deep', maxDepth: 4 });
    expect(scanJson('42', 0)).toBeNull();
  });

  it('ignores brackets inside strings, including escaped quotes', () => {
    expect(scanJson('{"a":"[[[[{{{{"}', 1)).toBeNull();
    expect(scanJson('{"a":"\\"[[[","b":{}}', 2)).toBeNull();
    expect(scanJson('{"a":"\\"[[[","b":{}}', 1)).toEqual({ kind: 'too_deep', maxDepth: 1 });
  });

  it('finds a forbidden key at any depth and names its path', () => {
    expect(both('{"__proto__":{"isAdmin":true}}')).toEqual(
      Array(2).fill({ kind: 'forbidden_key', key: '__proto__', path: '__proto__' }),
    );
    expect(scanJson('{"a":[1,{"x":2},{"b":{"constructor":{}}}]}')).toEqual({
      kind: 'forbidden_key',
      key: 'constructor',
      path: 'a[2].b.constructor',
    });
    expect(scanJson('[{}, {"prototype": 1}]')).toEqual({
      kind: 'forbidden_key',
      key: 'prototype',
      path: '[1].prototype',
    });
  });

  it('decodes escaped spellings of a key', () => {
    expect(both('{"\\u005f_proto__":1}')).toEqual(
      Array(2).fill({ kind: 'forbidden_key', key: '__proto__', path: '__proto__' }),
    );
    expect(
      scanJson('{"\\u0063\\u006f\\u006e\\u0073\\u0074\\u0072\\u0075\\u0063\\u0074\\u006f\\u0072":1}'),
    ).toMatchObject({
      key: 'constructor',
    });
  });

  it('lets the same words through as values, inside strings and as parts of longer keys', () => {
    expect(scanJson('{"name":"__proto__","list":["constructor","prototype"]}')).toBeNull();
    expect(scanJson('{"text":"{\\"__proto__\\":1}"}')).toBeNull();
    expect(scanJson('{"__proto__x":1,"my_prototype":2,"Constructor":3}')).toBeNull();
  });

  it('reads keys after multi-byte UTF-8 text in a byte buffer', () => {
    expect(scanJson(Buffer.from('{"名字":"微信 😀","x":{"__proto__":1}}'))).toEqual({
      kind: 'forbidden_key',
      key: '__proto__',
      path: 'x.__proto__',
    });
  });
});

describe('assertSafeJson', () => {
  const error = (text: string) => {
    try {
      assertSafeJson(text, 'The callback body');
      return null;
    } catch (e) {
      return e as DomainError;
    }
  };

  it('refuses with 400 and a stable code per problem', () => {
    expect(error(nested(40))).toMatchObject({
      status: 400,
      code: 'JSON_TOO_DEEP',
      message: `The callback body is nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
    expect(error('{"Data":{"__proto__":{}}}')).toMatchObject({
      status: 400,
      code: 'FORBIDDEN_JSON_KEY',
      message: 'The callback body has the key "__proto__" (at Data.__proto__), which is not allowed',
    });
    expect(error('{"Data":{"NewMsgId":7600000000000000001}}')).toBeNull();
  });
});
