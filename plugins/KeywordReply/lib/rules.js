'use strict';
/**
 * KeywordReply's rules: checked once per config (a regex that does not compile is refused), matched in order.
 *
 * @typedef {{ title: string, description?: string, url: string, thumbUrl?: string }} LinkReply
 * @typedef {{ type?: 'text' | 'image' | 'link', text?: string, imageUrl?: string, link?: LinkReply }} Reply
 * @typedef {{
 *   match?: 'exact' | 'contains' | 'regex',
 *   pattern: string,
 *   caseSensitive?: boolean,
 *   reply: Reply,
 *   cooldownSeconds?: number,
 *   scope?: 'all' | 'groups' | 'private',
 * }} Rule
 * @typedef {{ rule: Rule, index: number, id: string, test: (text: string) => boolean }} CompiledRule
 */
const { createHash } = require('node:crypto');

/** Texts longer than this are matched on their first MAX_TEXT characters (a regex never sees more). */
const MAX_TEXT = 4000;

/**
 * A stable id of a rule for its cooldown: what it matches, not its position (editing another rule keeps it).
 * @param {Rule} rule
 */
function ruleId(rule) {
  const key = `${rule.match ?? 'contains'}\u0000${rule.caseSensitive === true}\u0000${rule.pattern}`;
  return createHash('sha1').update(key).digest('hex').slice(0, 12);
}

/**
 * Compiles `rules` (a config's list, possibly not an array): each valid rule with its test, and one message per rule
 * that cannot be used (`rules[2]: invalid regular expression /(/: …`).
 * @param {unknown} rules
 * @returns {{ rules: CompiledRule[], errors: string[] }}
 */
function compileRules(rules) {
  /** @type {CompiledRule[]} */
  const out = [];
  /** @type {string[]} */
  const errors = [];
  if (rules === undefined || rules === null) return { rules: out, errors };
  if (!Array.isArray(rules)) return { rules: out, errors: ['rules must be a list'] };
  rules.forEach((raw, index) => {
    const at = `rules[${index}]`;
    if (typeof raw !== 'object' || raw === null) return void errors.push(`${at} must be an object`);
    const rule = /** @type {Rule} */ (raw);
    if (typeof rule.pattern !== 'string' || rule.pattern.trim() === '')
      return void errors.push(`${at}.pattern must be a non-empty text`);
    const match = rule.match ?? 'contains';
    const sensitive = rule.caseSensitive === true;
    /** @type {(s: string) => string} */
    const fold = sensitive ? (s) => s : (s) => s.toLowerCase();
    /** @type {(text: string) => boolean} */
    let test;
    if (match === 'regex') {
      /** @type {RegExp} */
      let re;
      try {
        re = new RegExp(rule.pattern, sensitive ? '' : 'i');
      } catch (err) {
        return void errors.push(
          `${at}.pattern: invalid regular expression /${rule.pattern}/: ${/** @type {Error} */ (err).message}`,
        );
      }
      test = (text) => re.test(text);
    } else if (match === 'exact') {
      const want = fold(rule.pattern.trim());
      test = (text) => fold(text) === want;
    } else if (match === 'contains') {
      const want = fold(rule.pattern.trim());
      test = (text) => fold(text).includes(want);
    } else {
      return void errors.push(`${at}.match must be exact, contains or regex`);
    }
    const reply = rule.reply;
    const problem = replyProblem(reply);
    if (problem) return void errors.push(`${at}.reply${problem}`);
    out.push({ rule, index, id: ruleId(rule), test });
  });
  return { rules: out, errors };
}

/**
 * What is missing from a reply for its type ('' when it is complete).
 * @param {Reply | undefined} reply
 */
function replyProblem(reply) {
  if (typeof reply !== 'object' || reply === null) return ' is required';
  const type = reply.type ?? 'text';
  if (type === 'text') return typeof reply.text === 'string' && reply.text !== '' ? '' : '.text is required';
  if (type === 'image')
    return typeof reply.imageUrl === 'string' && reply.imageUrl !== '' ? '' : '.imageUrl is required';
  if (type === 'link') {
    const link = reply.link;
    if (!link || typeof link.title !== 'string' || typeof link.url !== 'string') return '.link needs a title and a url';
    return '';
  }
  return '.type must be text, image or link';
}

/** @type {Map<string, { rules: CompiledRule[], errors: string[] }>} */
const cache = new Map();
const CACHE_SIZE = 100;

/**
 * `compileRules` memoized on the rules' JSON (a config arrives as a fresh copy with every event): each rule set is
 * compiled once, the most recent CACHE_SIZE sets kept.
 * @param {unknown} rules
 */
function compiledRules(rules) {
  const key = JSON.stringify(rules ?? null);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = compileRules(rules);
  cache.set(key, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(/** @type {string} */ (cache.keys().next().value));
  return compiled;
}

/**
 * The first rule that answers `text` in a group (isGroup) or a private chat, or null.
 * @param {CompiledRule[]} rules
 * @param {string} text
 * @param {boolean} isGroup
 */
function findRule(rules, text, isGroup) {
  const subject = text.trim().slice(0, MAX_TEXT);
  if (subject === '') return null;
  for (const r of rules) {
    const scope = r.rule.scope ?? 'all';
    if ((scope === 'groups' && !isGroup) || (scope === 'private' && isGroup)) continue;
    if (r.test(subject)) return r;
  }
  return null;
}

/**
 * A reply text with its placeholders filled: {name} (the sender's name).
 * @param {string} template
 * @param {{ name: string }} vars
 */
function renderText(template, vars) {
  return template.replace(/\{name\}/g, () => vars.name);
}

/** The sender's name in WeChat's notification text: "Alice : hi", "Alice在群聊中@了你", "Alice mentioned you…". */
const PUSH_NAME = /^(.{1,64}?)(?: : |在群聊中@了你| mentioned you)/s;

/**
 * The sender's name as the event gives it (the push text WeChat shows in notifications), else their wxid.
 * @param {{ pushContent: string | null, senderWxid: string | null }} event
 */
function senderName(event) {
  const m = event.pushContent === null ? null : PUSH_NAME.exec(event.pushContent);
  const name = m?.[1]?.trim();
  return name || event.senderWxid || '';
}

module.exports = { compileRules, compiledRules, findRule, renderText, senderName, ruleId, MAX_TEXT };
