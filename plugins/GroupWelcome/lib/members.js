'use strict';
/**
 * The members a group notice names (group_join's joined members, group_kick's kicked ones), from the classifier's
 * details: wxids and nicknames, paired by position when both lists are there.
 * @typedef {{ wxid: string | null, nickname: string | null }} Member
 */

/** @param {unknown} v */
const strings = (v) => (Array.isArray(v) ? v.filter((s) => typeof s === 'string' && s.trim() !== '') : []);

/**
 * @param {Record<string, unknown>} details the event's details
 * @param {'joined' | 'kicked'} prefix
 * @param {string | null} robotWxid the robot itself is never welcomed (its own join) nor announced
 * @returns {Member[]}
 */
function membersOf(details, prefix, robotWxid) {
  const wxids = /** @type {string[]} */ (strings(details[`${prefix}Wxids`]));
  const names = /** @type {string[]} */ (strings(details[`${prefix}Nicknames`]));
  /** @type {Member[]} */
  const out = [];
  const n = Math.max(wxids.length, names.length);
  for (let i = 0; i < n; i++) {
    // wxids and nicknames pair up when WeChat gave both for everyone; otherwise the wxids come first
    const paired = wxids.length === names.length || i < Math.min(wxids.length, names.length);
    const wxid = wxids[i] ?? null;
    const nickname = paired || wxid === null ? (names[i] ?? null) : null;
    if (wxid !== null && wxid === robotWxid) continue;
    out.push({ wxid, nickname });
  }
  return out;
}

/**
 * Members without repeats (by wxid, else by nickname), in order.
 * @param {Member[]} members
 */
function distinct(members) {
  const seen = new Set();
  return members.filter((m) => {
    const key = m.wxid ?? `~${m.nickname ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

module.exports = { membersOf, distinct };
