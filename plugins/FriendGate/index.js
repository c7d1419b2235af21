'use strict';
/**
 * FriendGate: answers friend requests. A request is accepted when its verification text matches the rules (keywords,
 * regexes), or always (mode all), or never (mode none), within a daily cap per robot; once accepted, a greeting
 * (paced by the send governor, with a typing delay) and invites into chosen groups follow, as deferred work. Every
 * decision is a record (`accepted` / `declined`) the operator can list.
 *
 * @typedef {import('../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../src/plugin/plugin.types').HandlerContext} HandlerContext
 * @typedef {import('../../src/plugin/plugin.types').DeferredContext} DeferredContext
 * @typedef {import('./lib/request').FriendRequest} FriendRequest
 */
const { compileGate, decide } = require('./lib/decide');
const { requestOf } = require('./lib/request');
const { release, reserve } = require('./lib/cap');

/**
 * The greeting, then the invites, for a contact just accepted. Failures are logged and noted, not thrown: the request
 * was accepted whatever becomes of them.
 * @param {DeferredContext} ctx
 * @param {FriendRequest & { wxid: string }} req
 */
async function welcomeNewFriend(ctx, req) {
  const greeting = String(ctx.config.greeting ?? '').trim();
  if (greeting !== '') {
    const text = greeting.replace(/\{name\}/g, () => req.nickname ?? '');
    const typingMs = Math.min(30, Math.max(0, Number(ctx.config.greetingDelaySeconds ?? 0))) * 1000;
    try {
      await ctx.send.sendText(req.wxid, text, undefined, { typingMs });
      ctx.note({ greeted: req.wxid });
    } catch (err) {
      ctx.log.warn('Greeting failed', { wxid: req.wxid, error: String(err) });
      ctx.note({ greetingError: String(err) });
    }
  }
  const groups = Array.isArray(ctx.config.inviteGroups) ? ctx.config.inviteGroups : [];
  for (const room of groups) {
    if (typeof room !== 'string' || room === '') continue;
    try {
      await ctx.gewe.group.inviteMember(room, req.wxid, String(ctx.config.inviteReason ?? ''));
      ctx.note({ invited: room });
    } catch (err) {
      ctx.log.warn('Invite failed', { wxid: req.wxid, room, error: String(err) });
      ctx.note({ inviteError: String(err), room });
    }
  }
}

/** @type {PluginDefinition} */
module.exports = {
  handlers: [
    {
      name: 'friend-request',
      on: 'friend_request',
      /** @param {HandlerContext} ctx */
      async handle(ctx) {
        const e = ctx.event;
        if (e.isSelf) return;
        const req = requestOf(e.details);
        const scope = { robotId: e.robotId, chatId: req.wxid };
        const about = { wxid: req.wxid, nickname: req.nickname, content: req.content, scene: req.scene };
        /** @param {string} reason @param {Record<string, unknown>} [more] */
        const decline = async (reason, more = {}) => {
          await ctx.records.add('declined', { ...about, reason, ...more }, scope);
          ctx.note({ decision: 'declined', reason });
          ctx.log.info('Friend request declined', { wxid: req.wxid, reason });
        };
        if (!req.wxid || !req.v3 || !req.v4 || req.scene === null) return decline('incomplete_request');

        const decision = decide(ctx.config, req.content);
        if (!decision.accept) return decline(decision.reason);
        const now = new Date();
        const cap = Number(ctx.config.dailyCap ?? 0);
        const count = await reserve(ctx.store, { robotId: e.robotId, cap, now, timeZone: ctx.timezone });
        if (count === null) return decline('daily_cap', { cap });
        try {
          await ctx.gewe.contact.addContacts({ scene: req.scene, option: 3, v3: req.v3, v4: req.v4, content: '' });
        } catch (err) {
          await release(ctx.store, { robotId: e.robotId, now, timeZone: ctx.timezone });
          await decline('accept_failed', { error: String(err) });
          throw err;
        }
        await ctx.records.add('accepted', { ...about, reason: decision.reason, rule: decision.rule ?? null }, scope);
        ctx.note({ decision: 'accepted', reason: decision.reason, today: count });
        ctx.log.info('Friend request accepted', { wxid: req.wxid, reason: decision.reason, today: count });
        // the contact exists now: greet and invite after the handler (the governor paces the sends)
        const friend = { ...req, wxid: req.wxid };
        ctx.defer('greet', (d) => welcomeNewFriend(d, friend));
      },
    },
  ],
  onLoad({ config }) {
    const { errors } = compileGate(config);
    if (errors.length) throw new Error(`invalid regexes: ${errors.join('; ')}`);
  },
};
