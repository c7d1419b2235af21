import fc from 'fast-check';
import { ActionError, RETCODE, type Segment } from './onebot.types';
import { parseMessage, toCq } from './segments';

function bad(fn: () => unknown): ActionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ActionError);
    return err as ActionError;
  }
  throw new Error('did not throw');
}

describe('parseMessage', () => {
  it('reads a CQ-code string into text and code segments', () => {
    expect(parseMessage('hi [CQ:at,qq=123] see[CQ:image,file=https://x.example/a.png?a=1&amp;b=2]!')).toEqual([
      { type: 'text', data: { text: 'hi ' } },
      { type: 'at', data: { qq: '123' } },
      { type: 'text', data: { text: ' see' } },
      { type: 'image', data: { file: 'https://x.example/a.png?a=1&b=2' } },
      { type: 'text', data: { text: '!' } },
    ]);
  });

  it('unescapes &amp; &#91; &#93; in text and &#44; inside a code, in one pass', () => {
    expect(parseMessage('&#91;x&#93; &amp;#91; a&#44;b[CQ:share,url=u,title=a&#44;b&#91;c&#93;]')).toEqual([
      { type: 'text', data: { text: '[x] &#91; a&#44;b' } },
      { type: 'share', data: { url: 'u', title: 'a,b[c]' } },
    ]);
  });

  it('keeps what only looks like a code as text', () => {
    expect(parseMessage('[CQ:] [not a code] [CQ:at,qq=1')).toEqual([
      { type: 'text', data: { text: '[CQ:] [not a code] [CQ:at,qq=1' } },
    ]);
  });

  it('takes the whole string as text with auto_escape', () => {
    expect(parseMessage('[CQ:at,qq=1] &amp;', true)).toEqual([{ type: 'text', data: { text: '[CQ:at,qq=1] &amp;' } }]);
    expect(parseMessage('', true)).toEqual([]);
  });

  it('takes one segment object or an array of them', () => {
    expect(parseMessage({ type: 'text', data: { text: 'a' } })).toEqual([{ type: 'text', data: { text: 'a' } }]);
    expect(parseMessage([{ type: 'at', data: { qq: 5 } }, { type: 'face' }])).toEqual([
      { type: 'at', data: { qq: 5 } },
      { type: 'face', data: {} },
    ]);
  });

  it.each([[42], [null], [undefined], [true]])('refuses %p with 1400 naming message', (value) => {
    const err = bad(() => parseMessage(value));
    expect(err.retcode).toBe(RETCODE.BAD_REQUEST);
    expect(err.message).toMatch(/^message /);
  });

  it('refuses an array with something that is not a segment, naming its index', () => {
    const err = bad(() => parseMessage([{ type: 'text', data: { text: 'a' } }, 'b']));
    expect(err.retcode).toBe(RETCODE.BAD_REQUEST);
    expect(err.message).toMatch(/^message\[1\] /);
    expect(bad(() => parseMessage({ type: 'text', data: 'x' })).message).toMatch(/^message\.data /);
  });
});

describe('toCq', () => {
  it('writes segments as CQ codes, text and params escaped', () => {
    expect(
      toCq([
        { type: 'at', data: { qq: 10, wxid: 'wxid_a' } },
        { type: 'text', data: { text: ' [a] & b,c' } },
        { type: 'share', data: { url: 'https://x/?a=1&b=2', title: 'x,y', image: null } },
      ]),
    ).toBe('[CQ:at,qq=10,wxid=wxid_a] &#91;a&#93; &amp; b,c[CQ:share,url=https://x/?a=1&amp;b=2,title=x&#44;y]');
  });

  const text = fc
    .string({ minLength: 1, unit: 'grapheme-ascii' })
    .map((t): Segment => ({ type: 'text', data: { text: t } }));
  const code = fc
    .record({
      type: fc.constantFrom('at', 'image', 'reply', 'share', 'face'),
      data: fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.string({ unit: 'grapheme-ascii' }), { maxKeys: 4 }),
    })
    .map((s): Segment => ({ type: s.type, data: { ...s.data } }));
  /** Adjacent texts are one run in CQ codes: the array form a string reads back as. */
  const normal = (segs: Segment[]): Segment[] =>
    segs.reduce<Segment[]>((out, s) => {
      const last = out[out.length - 1];
      if (s.type === 'text' && last?.type === 'text')
        last.data = { text: `${String(last.data.text)}${String(s.data.text)}` };
      else out.push({ type: s.type, data: { ...s.data } });
      return out;
    }, []);

  it('reads back what it wrote (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(text, code), { maxLength: 8 }), (segs) => {
        expect(parseMessage(toCq(segs))).toEqual(normal(segs));
      }),
    );
  });

  /** Strings made of CQ syntax, so codes, broken codes and escapes actually occur. */
  const cqLike = fc
    .array(
      fc.constantFrom(
        '[CQ:',
        'at',
        'image',
        ',',
        '=',
        'qq',
        ']',
        '[',
        '&amp;',
        '&#91;',
        '&#93;',
        '&#44;',
        '&',
        'x',
        ' ',
      ),
      {
        maxLength: 30,
      },
    )
    .map((parts) => parts.join(''));

  it('writes back any string it read, unchanged once normalised (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme-ascii' }), cqLike), (s) => {
        const once = toCq(parseMessage(s));
        expect(toCq(parseMessage(once))).toBe(once);
      }),
    );
  });
});
