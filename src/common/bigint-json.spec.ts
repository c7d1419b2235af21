import { parse as losslessParse, isSafeNumber } from 'lossless-json';
import { parseJsonBigSafe, stringifyJson } from './bigint-json';

/** What the parser answered before (lossless-json, in JavaScript): the reference for every number. */
const reference = (text: string) => losslessParse(text, undefined, (v: string) => (isSafeNumber(v) ? Number(v) : v));

describe('parseJsonBigSafe', () => {
  it.each([
    ['a 64-bit NewMsgId', '{"Data":{"NewMsgId":7000000000000000123,"MsgId":123}}'],
    ['negative and exact numbers', '[-9223372036854775808,-1,0,-0,1.5,1e5,2.5E-3,9007199254740991,9007199254740993]'],
    ['decimals a double rounds', '[0.1234567890123456789,1e400,-1e400,123456789012345.678]'],
    ['numbers inside strings stay text', '{"s":"12345678901234567890","t":"a \\"q\\" 99999999999999999999 \\\\"}'],
    ['nesting, booleans, null, unicode', '{"a":[{"b":null,"c":true,"d":false}],"e":"微信 \\u00e9","f":[]}'],
  ])('reads %s as the lossless parser did', (_name, text) => {
    expect(parseJsonBigSafe(text)).toEqual(reference(text));
  });

  it('keeps an id above 2^53 to the digit, and writes it back as a bare number', () => {
    const v = parseJsonBigSafe('{"NewMsgId":1234567890123456789}') as { NewMsgId: string };
    expect(v.NewMsgId).toBe('1234567890123456789');
    expect(stringifyJson({ n: 1 })).toBe('{"n":1}');
  });

  it.each(['{"a":', '[1.2.3]', '[12345678901234567.8.9]', '{"a":01}', '["unterminated 12345678901234567890]', ''])(
    'refuses %j as the engine does',
    (text) => {
      expect(() => parseJsonBigSafe(text)).toThrow(SyntaxError);
    },
  );
});
