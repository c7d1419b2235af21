'use strict';
/**
 * Whether a message should get an answer, and the text the model is asked. Pure: the event, the settings and an
 * injectable random number source in, a decision out.
 *
 * @typedef {import('../../../src/plugin/plugin.types').GeweEvent} GeweEvent
 * @typedef {import('../../../src/plugin/plugin.types').EventOrigin} EventOrigin
 * @typedef {import('./settings').Settings} Settings
 * @typedef {'at' | 'quote' | 'prefix' | 'keyword' | 'regex' | 'random' | 'private' | 'private_prefix'} Via
 * @typedef {'self' | 'official' | 'origin' | 'kind' | 'empty' | 'ignored' | 'no_trigger'} Refusal
 * @typedef {{ fire: true, via: Via, text: string } | { fire: false, reason: Refusal }} Decision
 */

/** Mention markup left in a text (`@Name` + U+2005): the classifier takes it off text events, not always off quotes. */
const MENTION_MARKUP = /@[^@\u2005\n]{1,64}\u2005/g;

/** @type {Map<string, RegExp | null>} */
const compiled = new Map();

/**
 * A case-insensitive RegExp of an operator's pattern; null (never matches) for one that does not compile.
 * @param {string} pattern
 */
function regexOf(pattern) {
  if (!compiled.has(pattern)) {
    let re = null;
    try {
      re = new RegExp(pattern, 'i');
    } catch {
      re = null;
    }
    if (compiled.size > 500) compiled.clear();
    compiled.set(pattern, re);
  }
  return compiled.get(pattern) ?? null;
}

/**
 * @param {string} text
 * @param {string[]} patterns
 */
const matchesAny = (text, patterns) => patterns.some((p) => regexOf(p)?.test(text) === true);

/**
 * The text after the first of `prefixes` it starts with (case-insensitive), trimmed; null when none matches.
 * @param {string} text
 * @param {string[]} prefixes
 * @returns {string | null}
 */
function afterPrefix(text, prefixes) {
  const lower = text.toLowerCase();
  for (const p of prefixes) if (lower.startsWith(p.toLowerCase())) return text.slice(p.length).trim();
  return null;
}

/** An official account (公众号) or a service's wxid. */
const isOfficial = (/** @type {string | null | undefined} */ wxid) =>
  typeof wxid === 'string' && (wxid.startsWith('gh_') || wxid === 'weixin' || wxid === 'fmessage');

/**
 * The human text of a text or quote event, without mention markup.
 * @param {GeweEvent} event
 */
function textOf(event) {
  return (event.text ?? '').replace(MENTION_MARKUP, ' ').trim();
}

/**
 * @param {GeweEvent} event
 * @param {Settings} s
 * @param {{ robotWxid: string | null, origin: EventOrigin, random?: () => number }} o
 * @returns {Decision}
 */
function decide(event, s, o) {
  if (event.isSelf || (o.robotWxid !== null && event.senderWxid === o.robotWxid))
    return { fire: false, reason: 'self' };
  if (isOfficial(event.senderWxid) || isOfficial(event.chatId)) return { fire: false, reason: 'official' };
  if (!(o.origin === 'live' || (o.origin === 'replay' && s.replyToReplays))) return { fire: false, reason: 'origin' };
  if (event.kind !== 'text' && event.kind !== 'quote') return { fire: false, reason: 'kind' };
  const text = textOf(event);
  if (!text) return { fire: false, reason: 'empty' };
  if ((event.senderWxid !== null && s.ignore.senders.includes(event.senderWxid)) || matchesAny(text, s.ignore.regexes))
    return { fire: false, reason: 'ignored' };

  if (!event.isGroup) {
    if (s.privateTrigger === 'always')
      return { fire: true, via: 'private', text: afterPrefix(text, s.privatePrefixes) || text };
    const rest = afterPrefix(text, s.privatePrefixes);
    return rest ? { fire: true, via: 'private_prefix', text: rest } : { fire: false, reason: 'no_trigger' };
  }

  const g = s.groupTrigger;
  const rest = afterPrefix(text, g.prefixes);
  // "@robot ai hello": the prefix is taken off an @-mention too
  const asked = rest || text;
  if (g.onAt && event.mentionsSelf) return { fire: true, via: 'at', text: asked };
  const quoted = event.details && event.details.quotedSender;
  if (g.onQuoteOfRobot && event.kind === 'quote' && o.robotWxid !== null && quoted === o.robotWxid)
    return { fire: true, via: 'quote', text: asked };
  if (rest) return { fire: true, via: 'prefix', text: rest };
  const lower = text.toLowerCase();
  if (g.keywords.some((k) => lower.includes(k.toLowerCase()))) return { fire: true, via: 'keyword', text };
  if (matchesAny(text, g.regexes)) return { fire: true, via: 'regex', text };
  if (g.randomProbability > 0 && (o.random ?? Math.random)() < g.randomProbability)
    return { fire: true, via: 'random', text };
  return { fire: false, reason: 'no_trigger' };
}

/**
 * Whether `text` is one of the reset commands (whole, case-insensitive, spaces around ignored).
 * @param {string} text
 * @param {string[]} commands
 */
const isReset = (text, commands) => commands.some((c) => c.trim().toLowerCase() === text.trim().toLowerCase());

module.exports = { decide, isReset, textOf, isOfficial };
