'use strict';
/**
 * FriendGate's decision on a friend request: by mode (all, none) or by rules on its verification text (keywords it
 * contains, regexes it matches; letter case ignored). Regexes are compiled once per rule set.
 *
 * @typedef {{ mode?: string, keywords?: unknown, regexes?: unknown }} GateRules
 * @typedef {{ accept: boolean, reason: 'mode_all' | 'mode_none' | 'keyword' | 'regex' | 'no_match', rule?: string }} Decision
 * @typedef {{ keywords: string[], regexes: { source: string, re: RegExp }[], errors: string[] }} CompiledGate
 */

/** @param {unknown} v */
const texts = (v) =>
  Array.isArray(v) ? /** @type {string[]} */ (v.filter((s) => typeof s === 'string' && s.trim() !== '')) : [];

/**
 * @param {GateRules} rules
 * @returns {CompiledGate}
 */
function compileGate(rules) {
  const keywords = texts(rules.keywords).map((k) => k.trim().toLowerCase());
  /** @type {{ source: string, re: RegExp }[]} */
  const regexes = [];
  /** @type {string[]} */
  const errors = [];
  texts(rules.regexes).forEach((source, i) => {
    try {
      regexes.push({ source, re: new RegExp(source, 'i') });
    } catch (err) {
      errors.push(`regexes[${i}]: invalid regular expression /${source}/: ${/** @type {Error} */ (err).message}`);
    }
  });
  return { keywords, regexes, errors };
}

/** @type {Map<string, CompiledGate>} */
const cache = new Map();

/**
 * `compileGate` memoized on the rules' JSON (the most recent 50 rule sets).
 * @param {GateRules} rules
 */
function compiledGate(rules) {
  const key = JSON.stringify([rules.keywords ?? null, rules.regexes ?? null]);
  let hit = cache.get(key);
  if (!hit) {
    hit = compileGate(rules);
    cache.set(key, hit);
    if (cache.size > 50) cache.delete(/** @type {string} */ (cache.keys().next().value));
  }
  return hit;
}

/**
 * @param {GateRules} rules
 * @param {string | null | undefined} verification the request's text ("我是…")
 * @returns {Decision}
 */
function decide(rules, verification) {
  const mode = rules.mode ?? 'rules';
  if (mode === 'all') return { accept: true, reason: 'mode_all' };
  if (mode === 'none') return { accept: false, reason: 'mode_none' };
  const text = (verification ?? '').trim().slice(0, 1000);
  const gate = compiledGate(rules);
  const lower = text.toLowerCase();
  const keyword = gate.keywords.find((k) => lower.includes(k));
  if (keyword !== undefined) return { accept: true, reason: 'keyword', rule: keyword };
  const regex = gate.regexes.find((r) => r.re.test(text));
  if (regex) return { accept: true, reason: 'regex', rule: regex.source };
  return { accept: false, reason: 'no_match' };
}

module.exports = { decide, compileGate, compiledGate };
