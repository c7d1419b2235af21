'use strict';
/**
 * Fills a welcome (or notice) template:
 * - `{at}`: a mention of each member ("＠Nickname" with an ASCII at sign; their wxids go in the send's `ats`); a
 *   member whose wxid the notice did not give is named without a mention;
 * - `{name}`: the members' names joined with "、";
 * - `{count}`: how many they are; `{operator}`: who removed them (notices).
 * @typedef {import('./members').Member} Member
 */

/** @param {Member} m */
const nameOf = (m) => m.nickname ?? m.wxid ?? '';

/**
 * @param {string} template
 * @param {Member[]} members
 * @param {{ operator?: string | null }} [extra]
 * @returns {{ text: string, ats: string[] }}
 */
function render(template, members, extra = {}) {
  const atWanted = template.includes('{at}');
  const ats = atWanted ? members.flatMap((m) => (m.wxid ? [m.wxid] : [])) : [];
  const at = members.map((m) => (m.wxid ? `@${nameOf(m)}` : nameOf(m))).join(' ');
  const values = /** @type {Record<string, string>} */ ({
    at,
    name: members.map(nameOf).join('、'),
    count: String(members.length),
    operator: extra.operator ?? '',
  });
  const text = template.replace(/\{(at|name|count|operator)\}/g, (_, key) => values[key] ?? '');
  return { text, ats: [...new Set(ats)] };
}

module.exports = { render };
