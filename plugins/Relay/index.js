'use strict';
/**
 * Relay: forwards messages from one chat to others (groups or contacts) along configured routes, one way or both
 * ways, filtered by kind and sender, with the original sender's name before the text. Images, files, links and
 * videos go with Gewe's forward* calls (the message's own XML: nothing is downloaded or uploaded again), emojis by
 * their md5; texts are sent again with the prefix. Everything goes through the send governor.
 *
 * Loop guard: the robot's own messages are never relayed (so a both-way route cannot bounce what it relayed), nor a
 * message whose id Relay sent, nor a text already carrying `maxHops` relay prefixes (another robot's relay). Only
 * live messages are relayed: not WeChat's catch-up after an outage, not a replay from the message log.
 * @typedef {import('../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../src/plugin/plugin.types').HandlerContext} HandlerContext
 * @typedef {import('../../src/plugin/plugin.types').SentMessage} SentMessage
 */
const { normaliseRoutes, relayKind, targetsFor, nameFromPush, fillPrefix, hopsOf, remember } = require('./lib/relay');

/** How many relayed message ids the loop guard remembers. */
const REMEMBERED = 500;
const RELAYED_KEY = 'relayed';

/**
 * Sends one message to one target; answers what Gewe answered.
 * @param {HandlerContext} ctx @param {string} kind @param {string} to @param {string} prefix
 * @returns {Promise<SentMessage[]>}
 */
async function relayOne(ctx, kind, to, prefix) {
  const e = ctx.event;
  const xml = e.content ?? '';
  /** @type {SentMessage[]} */
  const sent = [];
  if (kind === 'text') {
    sent.push(await ctx.send.sendText(to, prefix + (e.text ?? '')));
    return sent;
  }
  const header = prefix.trim();
  if (ctx.config.mediaHeader !== false && header) sent.push(await ctx.send.sendText(to, header));
  const m = ctx.gewe.message;
  if (kind === 'image') sent.push(await m.forwardImage(to, xml));
  else if (kind === 'file') sent.push(await m.forwardFile(to, xml));
  else if (kind === 'link') sent.push(await m.forwardUrl(to, xml));
  else if (kind === 'video') sent.push(await m.forwardVideo(to, xml));
  else if (kind === 'emoji') {
    const md5 = typeof e.details.md5 === 'string' ? e.details.md5 : '';
    const size = Number(e.details.length) || 0;
    if (!md5) throw new Error('the emoji has no md5');
    sent.push(await m.postEmoji(to, md5, size));
  }
  return sent;
}

/** @type {PluginDefinition} */
module.exports = {
  handlers: [
    {
      name: 'relay',
      on: ['text', 'quote', 'image', 'file', 'link', 'video', 'emoji'],
      priority: 80,
      /** @param {HandlerContext} ctx */
      async handle(ctx) {
        const e = ctx.event;
        if (ctx.origin !== 'live' || e.isSelf || !e.chatId) return;
        const kind = relayKind(e.kind);
        if (!kind) return;
        const routes = normaliseRoutes(ctx.config.routes, String(ctx.config.prefix ?? ''));
        const name = nameFromPush(e.pushContent) ?? e.senderWxid ?? '';
        const targets = targetsFor(routes, e.chatId, kind, e.senderWxid, name);
        if (!targets.length) return;

        const relayed = /** @type {string[] | undefined} */ (await ctx.store.get(RELAYED_KEY)) ?? [];
        if (e.newMsgId && relayed.includes(e.newMsgId)) {
          ctx.note({ relay: 'skipped', reason: 'relayed_message' });
          return;
        }
        if (kind === 'text') {
          const hops = hopsOf(
            e.text ?? '',
            routes.map((r) => r.prefix),
          );
          const maxHops = Number(ctx.config.maxHops ?? 1);
          if (hops >= maxHops) {
            ctx.note({ relay: 'skipped', reason: 'hop_limit', hops, maxHops });
            return;
          }
        }

        /** @type {string[]} */
        const ids = [];
        /** @type {string[]} */
        const done = [];
        for (const { to, route } of targets) {
          try {
            const sent = await relayOne(ctx, kind, to, fillPrefix(route.prefix, name));
            for (const s of sent) if (s && s.newMsgId) ids.push(String(s.newMsgId));
            done.push(to);
          } catch (err) {
            ctx.log.warn('Could not relay a message', { kind, from: e.chatId, to, error: String(err) });
            ctx.note({ relay: 'failed', to, error: String(err) });
          }
        }
        if (ids.length) await ctx.store.set(RELAYED_KEY, remember(await ctx.store.get(RELAYED_KEY), ids, REMEMBERED));
        if (done.length) ctx.note({ relay: 'sent', kind, to: done });
      },
    },
  ],
};
