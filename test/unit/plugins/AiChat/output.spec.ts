import {
  markdownToText,
  prepare,
  sentences,
  splitMessage,
  stripThink,
  typingMs,
} from '../../../../plugins/AiChat/lib/output';

describe('AiChat output', () => {
  describe('stripThink', () => {
    it('removes think blocks, several and multi-line', () => {
      expect(stripThink('<think>\nthe user greets me\n</think>\n\n你好！')).toBe('你好！');
      expect(stripThink('a<think>x</think>b<THINK>y</THINK>c')).toBe('abc');
    });

    it('removes reasoning whose opening tag is missing, and a block left open', () => {
      expect(stripThink('reasoning here</think>答案')).toBe('答案');
      expect(stripThink('答案<think>still thinking')).toBe('答案');
      expect(stripThink('<think>cut off while thinking')).toBe('');
    });

    it('leaves a text without think blocks alone', () => {
      expect(stripThink('  plain  ')).toBe('plain');
    });
  });

  describe('markdownToText', () => {
    it('turns headings, bold, italics, strikethrough and inline code into plain text', () => {
      expect(markdownToText('# Title\n## Sub ##\nSome **bold**, *it*, ~~old~~ and `code`.')).toBe(
        'Title\nSub\nSome bold, it, old and code.',
      );
    });

    it('keeps underscores and asterisks inside words', () => {
      expect(markdownToText('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
    });

    it('writes links as "text (url)" and images as "alt (url)"', () => {
      expect(markdownToText('See [the docs](https://x.example/docs) or ![logo](https://x.example/l.png).')).toBe(
        'See the docs (https://x.example/docs) or logo (https://x.example/l.png).',
      );
      expect(markdownToText('[https://a.example](https://a.example)')).toBe('https://a.example');
    });

    it('writes lists with bullets, keeps numbered ones, drops rules, unquotes', () => {
      expect(markdownToText('- one\n* two\n  + nested\n1. first\n---\n> quoted')).toBe(
        '• one\n• two\n  • nested\n1. first\nquoted',
      );
    });

    it('keeps the content of code fences as written, without the fences', () => {
      expect(markdownToText('Run:\n```bash\nnpm i **x**\n# not a heading\n```\nDone')).toBe(
        'Run:\nnpm i **x**\n# not a heading\nDone',
      );
    });

    it('flattens tables', () => {
      expect(markdownToText('| a | b |\n|---|:---:|\n| 1 | 2 |')).toBe('a | b\n1 | 2');
    });
  });

  describe('splitMessage', () => {
    it('cuts into sentences at 。！？.!? and newlines', () => {
      expect(sentences('你好。今天好吗？好！Yes. No?\nNext')).toEqual([
        '你好。',
        '今天好吗？',
        '好！',
        'Yes.',
        ' No?',
        '\n',
        'Next',
      ]);
      // a dot inside a number or a domain is no boundary
      expect(sentences('Pi is 3.14 at example.com. Next')).toEqual(['Pi is 3.14 at example.com.', ' Next']);
    });

    it('keeps a short answer whole', () => {
      expect(splitMessage('  short  ', 100)).toEqual(['short']);
      expect(splitMessage('', 100)).toEqual([]);
    });

    it('packs whole sentences into parts of at most max characters, in order', () => {
      const text = '第一句话。第二句话！第三句话？第四句话。';
      const parts = splitMessage(text, 10);
      expect(parts).toEqual(['第一句话。第二句话！', '第三句话？第四句话。']);
      expect(parts.join('')).toBe(text);
    });

    it('cuts a sentence longer than max at spaces, else anywhere', () => {
      const parts = splitMessage('aaaa bbbb cccc dddd', 10);
      expect(parts).toEqual(['aaaa bbbb', 'cccc dddd']);
      expect(splitMessage('一二三四五六七八九十一二三', 5)).toEqual(['一二三四五', '六七八九十', '一二三']);
      for (const p of splitMessage('x'.repeat(1234) + '。' + 'y'.repeat(10), 100))
        expect(p.length).toBeLessThanOrEqual(100);
    });
  });

  it('gives each part a typing delay proportional to its length, capped', () => {
    expect(typingMs('12345', 50, 5000)).toBe(250);
    expect(typingMs('x'.repeat(1000), 50, 5000)).toBe(5000);
    expect(typingMs('abc', 0, 5000)).toBe(0);
  });

  it('prepares an answer: think removed, Markdown flattened, split, typing delays', () => {
    const out = prepare('<think>hmm</think>**你好**！这是一个很长的回答。这里还有第二句。', {
      markdownToText: true,
      maxMessageChars: 12,
      typingMsPerChar: 100,
      typingMsMax: 800,
    });
    expect(out.text).toBe('你好！这是一个很长的回答。这里还有第二句。');
    expect(out.parts).toEqual([
      { text: '你好！', typingMs: 300 },
      { text: '这是一个很长的回答。', typingMs: 800 },
      { text: '这里还有第二句。', typingMs: 800 },
    ]);
    expect(
      prepare('**kept**', { markdownToText: false, maxMessageChars: 50, typingMsPerChar: 0, typingMsMax: 0 }).text,
    ).toBe('**kept**');
  });
});
