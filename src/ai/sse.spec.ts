import { SseParser } from './sse';

const all = (chunks: string[]) => {
  const p = new SseParser();
  const events = chunks.flatMap((c) => p.feed(c));
  return [...events, ...p.end()];
};

describe('SseParser', () => {
  it('parses OpenAI-style data lines up to [DONE]', () => {
    const text = 'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n';
    expect(all([text]).map((e) => e.data)).toEqual(['{"a":1}', '{"a":2}', '[DONE]']);
    expect(all([text])[0].event).toBe('message');
  });

  it('gives the same events whatever the chunk boundaries, with CRLF, CR and LF line ends', () => {
    const text =
      'event: message_end\r\ndata: {"x":"é"}\r\n\r\n: a comment\rdata: one\rdata: two\r\rid: 7\ndata:no-space\n\n';
    const whole = all([text]);
    expect(whole).toEqual([
      { event: 'message_end', data: '{"x":"é"}' },
      { event: 'message', data: 'one\ntwo' },
      { event: 'message', data: 'no-space', id: '7' },
    ]);
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(all(chunks)).toEqual(whole);
    }
  });

  it('does not dispatch an event without data (Dify ping), drops a BOM, ignores unknown fields and retry', () => {
    expect(all(['\ufeffevent: ping\n\nretry: 10\nfoo: bar\ndata: x\n\n'])).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('keeps an empty data line, and a colon inside the value', () => {
    expect(all(['data\ndata: a: b\n\n'])).toEqual([{ event: 'message', data: '\na: b' }]);
  });

  it('dispatches the last event when the stream ends without its blank line, and nothing more', () => {
    expect(all(['data: {"a":1}\n\ndata: last'])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: 'last' },
    ]);
    expect(all(['data: cut\r'])).toEqual([{ event: 'message', data: 'cut' }]);
    expect(all([''])).toEqual([]);
  });

  it('resets the event name after each dispatch', () => {
    expect(all(['event: error\ndata: 1\n\ndata: 2\n\n']).map((e) => e.event)).toEqual(['error', 'message']);
  });
});
