'use strict';
/**
 * Cooldowns per rule and chat, in the plugin's store (shared by every instance): one key per robot and chat holding
 * `{ [ruleId]: untilMs }`, expired entries dropped whenever it is written.
 * @typedef {import('../../../src/plugin/plugin.types').PluginStore} PluginStore
 */

/**
 * @param {number} robotId
 * @param {string} chatId
 */
const cooldownKey = (robotId, chatId) => `cooldown:${robotId}:${chatId}`;

/**
 * Takes the rule's turn in the chat: false while an earlier answer's cooldown runs, else true (and the cooldown
 * starts now). A cooldown of 0 is always true and stores nothing.
 * @param {PluginStore} store
 * @param {{ robotId: number, chatId: string, ruleId: string, seconds: number, now?: number }} o
 */
async function takeTurn(store, o) {
  if (!(o.seconds > 0)) return true;
  const now = o.now ?? Date.now();
  const key = cooldownKey(o.robotId, o.chatId);
  const stored = await store.get(key);
  /** @type {Record<string, number>} */
  const until = typeof stored === 'object' && stored !== null ? /** @type {Record<string, number>} */ (stored) : {};
  if ((until[o.ruleId] ?? 0) > now) return false;
  /** @type {Record<string, number>} */
  const next = {};
  for (const [id, t] of Object.entries(until)) if (typeof t === 'number' && t > now) next[id] = t;
  next[o.ruleId] = now + o.seconds * 1000;
  await store.set(key, next);
  return true;
}

module.exports = { takeTurn, cooldownKey };
