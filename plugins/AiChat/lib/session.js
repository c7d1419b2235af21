'use strict';
/**
 * Conversations: which session a message belongs to (by scope), the history a request carries (the last turns within
 * a token budget), idle expiry, resets, and the Dify conversation id. Sessions live in the plugin's store (the
 * database), so a restart keeps them.
 *
 * @typedef {import('../../../src/plugin/plugin.types').PluginStore} PluginStore
 * @typedef {import('../../../src/plugin/plugin.types').AiMessage} AiMessage
 * @typedef {import('./settings').Scope} Scope
 * @typedef {{ user: string, assistant: string }} Turn
 * @typedef {{ turns: Turn[], conversationId: string | null, updatedAt: number }} Session
 */
const { createHash } = require('node:crypto');

/** The store takes keys of up to 191 characters. */
const MAX_KEY = 191;
/** A store value holds 64 KiB of JSON; a session is kept well below. */
const MAX_SESSION_BYTES = 48_000;
/** Turns kept in the store at most, whatever maxTurns says (the window is cut from these). */
const MAX_STORED_TURNS = 100;

/**
 * The session a message belongs to. member_in_group: each member of a group apart (a private chat is its person);
 * group: the whole group together; member: the person, across groups and the private chat.
 * @param {{ robotId: number, chatId: string, isGroup: boolean, senderWxid: string | null }} m
 * @param {Scope} scope
 */
function sessionKey(m, scope) {
  const person = m.senderWxid ?? m.chatId;
  const id = !m.isGroup
    ? `p:${m.chatId}`
    : scope === 'group'
      ? `g:${m.chatId}`
      : scope === 'member'
        ? `p:${person}`
        : `m:${m.chatId}/${person}`;
  const key = `session:${m.robotId}:${id}`;
  return key.length <= MAX_KEY ? key : `session:${m.robotId}:h:${createHash('sha256').update(id).digest('hex')}`;
}

/**
 * A rough token count: a CJK character is about one token, other text about four characters per token.
 * @param {string} text
 */
function estimateTokens(text) {
  let cjk = 0;
  for (const ch of text) if (/[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u.test(ch)) cjk++;
  const rest = [...text].length - cjk;
  return cjk + Math.ceil(rest / 4) + 4; // + a few for the message's framing
}

/** @returns {Session} */
const emptySession = () => ({ turns: [], conversationId: null, updatedAt: 0 });

/**
 * @param {unknown} v
 * @returns {Session}
 */
function parseSession(v) {
  if (typeof v !== 'object' || v === null) return emptySession();
  const o = /** @type {Record<string, unknown>} */ (v);
  const turns = Array.isArray(o.turns)
    ? o.turns.filter(
        /** @returns {t is Turn} */
        (t) => typeof t === 'object' && t !== null && typeof t.user === 'string' && typeof t.assistant === 'string',
      )
    : [];
  return {
    turns,
    conversationId: typeof o.conversationId === 'string' ? o.conversationId : null,
    updatedAt: typeof o.updatedAt === 'number' ? o.updatedAt : 0,
  };
}

/**
 * Whether a session was left idle longer than `idleMinutes` (0: never expires).
 * @param {Session} s
 * @param {number} idleMinutes
 * @param {number} now ms
 */
const isExpired = (s, idleMinutes, now) =>
  idleMinutes > 0 && s.updatedAt > 0 && now - s.updatedAt > idleMinutes * 60_000;

/**
 * The turns a request carries: the last `maxTurns`, then the oldest dropped while the system prompt, the turns and
 * the new question are estimated above `maxTokens`.
 * @param {Turn[]} turns
 * @param {{ maxTurns: number, maxTokens: number, reserved?: number }} o
 * @returns {Turn[]}
 */
function windowTurns(turns, o) {
  const kept = o.maxTurns > 0 ? turns.slice(-o.maxTurns) : [];
  let total = (o.reserved ?? 0) + kept.reduce((n, t) => n + estimateTokens(t.user) + estimateTokens(t.assistant), 0);
  while (kept.length > 0 && total > o.maxTokens) {
    const t = /** @type {Turn} */ (kept.shift());
    total -= estimateTokens(t.user) + estimateTokens(t.assistant);
  }
  return kept;
}

/**
 * The messages of a request: the system prompt, the window of history, the question.
 * @param {Session} session
 * @param {string} question
 * @param {{ systemPrompt: string, maxTurns: number, maxContextTokens: number, history?: boolean }} o
 *   history false: no earlier turns (Dify keeps its own, by conversation id)
 * @returns {AiMessage[]}
 */
function buildMessages(session, question, o) {
  /** @type {AiMessage[]} */
  const out = [];
  if (o.systemPrompt.trim()) out.push({ role: 'system', content: o.systemPrompt });
  if (o.history !== false) {
    const reserved = estimateTokens(o.systemPrompt) + estimateTokens(question);
    for (const t of windowTurns(session.turns, { maxTurns: o.maxTurns, maxTokens: o.maxContextTokens, reserved })) {
      out.push({ role: 'user', content: t.user }, { role: 'assistant', content: t.assistant });
    }
  }
  out.push({ role: 'user', content: question });
  return out;
}

/**
 * The session after a turn: the turn appended (at most MAX_STORED_TURNS kept, and few enough for the store), the
 * conversation id of the answer.
 * @param {Session} session
 * @param {Turn} turn
 * @param {{ conversationId?: string | null, now: number, keep?: number }} o
 * @returns {Session}
 */
function withTurn(session, turn, o) {
  const keep = Math.max(1, Math.min(MAX_STORED_TURNS, o.keep ?? MAX_STORED_TURNS));
  const turns = [...session.turns, turn].slice(-keep);
  const next = {
    turns,
    conversationId: o.conversationId === undefined ? session.conversationId : o.conversationId,
    updatedAt: o.now,
  };
  while (next.turns.length > 1 && Buffer.byteLength(JSON.stringify(next)) > MAX_SESSION_BYTES) next.turns.shift();
  if (Buffer.byteLength(JSON.stringify(next)) > MAX_SESSION_BYTES) next.turns = [];
  return next;
}

/** Sessions in a plugin store, with idle expiry. */
class SessionStore {
  /** @param {PluginStore} store */
  constructor(store) {
    this.store = store;
  }

  /**
   * The session under `key`; an empty one when there is none or it expired.
   * @param {string} key
   * @param {{ idleMinutes: number, now: number }} o
   * @returns {Promise<Session>}
   */
  async load(key, o) {
    const s = parseSession(await this.store.get(key));
    return isExpired(s, o.idleMinutes, o.now) ? emptySession() : s;
  }

  /**
   * @param {string} key
   * @param {Session} session
   */
  save(key, session) {
    return this.store.set(key, session);
  }

  /** @param {string} key */
  reset(key) {
    return this.store.delete(key);
  }
}

module.exports = {
  sessionKey,
  estimateTokens,
  emptySession,
  parseSession,
  isExpired,
  windowTurns,
  buildMessages,
  withTurn,
  SessionStore,
};
