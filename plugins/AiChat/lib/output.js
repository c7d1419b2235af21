'use strict';
/**
 * An answer made fit for WeChat: reasoning (`<think>…</think>`) taken out, Markdown turned into plain text, long
 * answers split at sentence boundaries into several messages, each with a typing delay proportional to its length.
 */

/**
 * The text without reasoning blocks: every `<think>…</think>`, a block left open (the answer cut off while thinking),
 * and reasoning whose opening tag the server left out (text up to a `</think>` that has no `<think>` before it).
 * @param {string} text
 */
function stripThink(text) {
  let out = text.replace(/<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi, '');
  const close = out.search(/<\/think(?:ing)?>/i);
  if (close >= 0 && !/<think(?:ing)?>/i.test(out.slice(0, close)))
    out = out.slice(close).replace(/^<\/think(?:ing)?>/i, '');
  out = out.replace(/<think(?:ing)?>[\s\S]*$/i, '');
  return out.trim();
}

/**
 * Markdown outside code: headings, emphasis, links, images, lists, quotes, rules, tables' separator rows.
 * @param {string} text
 */
function inlineToText(text) {
  return (
    text
      // images and links: "text (url)"
      .replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, alt, url) => (alt ? `${alt} (${url})` : url))
      .replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, t, url) => (t === url ? url : `${t} (${url})`))
      .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
      // inline code
      .replace(/`([^`\n]+)`/g, '$1')
      // bold, italic, strikethrough
      .replace(/\*\*\*([^*\n]+)\*\*\*/g, '$1')
      .replace(/\*\*([^*\n]+)\*\*/g, '$1')
      .replace(/__([^_\n]+)__/g, '$1')
      .replace(/(^|[^\w*])\*([^*\n]+)\*(?!\w)/g, '$1$2')
      .replace(/(^|[^\w])_([^_\n]+)_(?!\w)/g, '$1$2')
      .replace(/~~([^~\n]+)~~/g, '$1')
  );
}

/** @param {string} line */
function lineToText(line) {
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return null; // horizontal rule
  if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line)) return null; // table separator row
  let l = line.replace(/^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/, '$1');
  l = l.replace(/^(\s*)>\s?/, '$1');
  l = l.replace(/^(\s*)[-*+]\s+\[( |x|X)\]\s+/, (_m, sp, x) => `${sp}${x === ' ' ? '☐' : '☑'} `);
  l = l.replace(/^(\s*)[-*+]\s+/, '$1• ');
  if (/^\s*\|.*\|\s*$/.test(l))
    l = l
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim())
      .join(' | ');
  return inlineToText(l);
}

/**
 * Markdown to plain text; code blocks keep their content (without the fences) as written.
 * @param {string} text
 */
function markdownToText(text) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  /** @type {string[]} */
  const out = [];
  let fence = /** @type {string | null} */ (null);
  for (const line of lines) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length && line.trim() === f[1]) fence = null;
      else out.push(line);
      continue;
    }
    if (f) {
      fence = f[1];
      continue;
    }
    const l = lineToText(line);
    if (l !== null) out.push(l);
  }
  return out
    .join('\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Sentences (and lines) of a text, each with its ending: 。！？!? (with closing quotes or brackets after them), a "."
 * followed by a space or the end, or a newline.
 * @param {string} text
 * @returns {string[]}
 */
function sentences(text) {
  /** @type {string[]} */
  const out = [];
  const re = /[^\n。！？!?.]*(?:[。！？!?]+[”’"'）)\]」』]*|\.(?=\s|$)[”’"'）)\]」』]*|\.|\n+|$)/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m[0] === '') {
      if (re.lastIndex >= text.length) break;
      re.lastIndex++;
      continue;
    }
    out.push(m[0]);
  }
  // a "." inside a word (3.14, example.com) is no boundary: join what the regex cut there
  /** @type {string[]} */
  const joined = [];
  for (const s of out) {
    const prev = joined[joined.length - 1];
    if (prev !== undefined && /\.$/.test(prev) && !/\s$/.test(prev) && /^\S/.test(s) && !/[。！？!?]$/.test(prev))
      joined[joined.length - 1] = prev + s;
    else joined.push(s);
  }
  return joined;
}

/**
 * Parts of at most `max` characters, cut at sentence boundaries (a sentence longer than `max` is cut at spaces or,
 * failing that, anywhere).
 * @param {string} text
 * @param {number} max
 * @returns {string[]}
 */
function splitMessage(text, max) {
  const limit = Math.max(1, Math.floor(max));
  const t = text.trim();
  if (!t) return [];
  if ([...t].length <= limit) return [t];
  /** @type {string[]} */
  const parts = [];
  let cur = '';
  const flush = () => {
    if (cur.trim()) parts.push(cur.trim());
    cur = '';
  };
  for (const s of sentences(t)) {
    if ([...(cur + s)].length <= limit) {
      cur += s;
      continue;
    }
    flush();
    let rest = s;
    while ([...rest.trim()].length > limit) {
      const chars = [...rest];
      let cut = chars
        .slice(0, limit)
        .join('')
        .search(/\s\S*$/);
      if (cut <= 0) cut = chars.slice(0, limit).join('').length;
      parts.push(rest.slice(0, cut).trim());
      rest = rest.slice(cut);
    }
    cur = rest;
  }
  flush();
  return parts;
}

/**
 * The typing delay of a part: proportional to its length, capped.
 * @param {string} part
 * @param {number} perChar
 * @param {number} max
 */
const typingMs = (part, perChar, max) => Math.max(0, Math.min(max, Math.round([...part].length * perChar)));

/**
 * The answer as WeChat messages.
 * @param {string} answer
 * @param {{ markdownToText: boolean, maxMessageChars: number, typingMsPerChar: number, typingMsMax: number }} o
 * @returns {{ text: string, parts: { text: string, typingMs: number }[] }}
 */
function prepare(answer, o) {
  const thought = stripThink(answer);
  const text = o.markdownToText ? markdownToText(thought) : thought;
  const parts = splitMessage(text, o.maxMessageChars).map((p) => ({
    text: p,
    typingMs: typingMs(p, o.typingMsPerChar, o.typingMsMax),
  }));
  return { text, parts };
}

module.exports = { stripThink, markdownToText, sentences, splitMessage, typingMs, prepare };
