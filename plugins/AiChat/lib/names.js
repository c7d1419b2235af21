'use strict';
/**
 * The asker's name for the "@Name " text of an answer in a group (WeChat shows a mention only when the text has it
 * beside the wxid in `ats`): the member's name card or nickname from the group's member list, else the name in the
 * message's push text, else the wxid.
 */

/**
 * The sender's name in a push text: "Name : text" (a group message) or "Name在群聊中@了你" / "Name 在群聊中@了你".
 * @param {string | null | undefined} push
 * @returns {string | null}
 */
function nameFromPush(push) {
  if (typeof push !== 'string' || !push) return null;
  const at = /^(.{1,64}?)\s*在群聊中@了你/.exec(push);
  if (at) return at[1].trim() || null;
  const colon = push.indexOf(' : ');
  return colon > 0 && colon <= 64 ? push.slice(0, colon).trim() || null : null;
}

const TTL_MS = 10 * 60_000;

/** Group member names, cached for ten minutes per group. */
class MemberNames {
  /** @param {() => number} [clock] */
  constructor(clock) {
    this.clock = clock ?? Date.now;
    /** @type {Map<string, { at: number, names: Map<string, string> }>} */
    this.groups = new Map();
  }

  /**
   * @param {{ group: { getChatroomMemberList(chatroomId: string): Promise<{ memberList: { wxid: string, nickName: string | null, displayName: string | null }[] }> } }} gewe
   * @param {string} chatId
   * @param {string} wxid
   * @param {string | null} fallback
   * @returns {Promise<string>}
   */
  async nameOf(gewe, chatId, wxid, fallback) {
    const now = this.clock();
    let cached = this.groups.get(chatId);
    if (!cached || now - cached.at > TTL_MS || !cached.names.has(wxid)) {
      try {
        const list = await gewe.group.getChatroomMemberList(chatId);
        /** @type {Map<string, string>} */
        const names = new Map();
        for (const m of list.memberList) {
          const n = m.displayName || m.nickName;
          if (n) names.set(m.wxid, n);
        }
        cached = { at: now, names };
        if (this.groups.size > 1000) this.groups.clear();
        this.groups.set(chatId, cached);
      } catch {
        // no list: the push text's name or the wxid
      }
    }
    return cached?.names.get(wxid) ?? fallback ?? wxid;
  }
}

module.exports = { nameFromPush, MemberNames };
