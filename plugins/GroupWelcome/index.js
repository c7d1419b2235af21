'use strict';
/**
 * GroupWelcome: welcomes members who join a group (a template mentioning each newcomer and their names, an
 * optional image), merging a burst of joins into one welcome; optionally a notice when members are removed.
 *
 * Merging without waiting in a handler: a join is recorded in the plugin's store (a batch per group, due
 * `mergeWindowSeconds` after its first join) and the `flush-welcomes` job, every second, sends the batches that are
 * due through the robot's send governor. A window of 0 welcomes at once from the handler.
 *
 * @typedef {import('../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../src/plugin/plugin.types').HandlerContext} HandlerContext
 * @typedef {import('../../src/plugin/plugin.types').JobContext} JobContext
 * @typedef {import('../../src/plugin/plugin.types').RobotMessenger} RobotMessenger
 * @typedef {import('./lib/members').Member} Member
 * @typedef {import('./lib/pending').WelcomeSettings} WelcomeSettings
 */
const { membersOf } = require('./lib/members');
const { render } = require('./lib/template');
const { addJoins, anyPending, takeDue } = require('./lib/pending');

/**
 * @param {Record<string, unknown>} config
 * @returns {WelcomeSettings}
 */
const welcomeSettings = (config) => ({
  welcomeText: String(config.welcomeText ?? ''),
  imageUrl: typeof config.imageUrl === 'string' ? config.imageUrl.trim() : '',
});

/**
 * Sends the welcome of `members` into `room`: the text (with its mentions), then the image if there is one.
 * @param {RobotMessenger} send
 * @param {string} room
 * @param {Member[]} members
 * @param {WelcomeSettings} s
 */
async function welcome(send, room, members, s) {
  if (s.welcomeText.trim() !== '') {
    const { text, ats } = render(s.welcomeText, members);
    await send.sendText(room, text, ats.length ? ats : undefined);
  }
  if (s.imageUrl !== '') await send.sendImage(room, s.imageUrl);
}

/** @type {PluginDefinition} */
module.exports = {
  handlers: [
    {
      name: 'welcome',
      on: 'group_join',
      /** @param {HandlerContext} ctx */
      async handle(ctx) {
        const e = ctx.event;
        if (ctx.origin !== 'live' || !e.isGroup || !e.chatId) return;
        const members = membersOf(e.details, 'joined', e.robotWxid ?? ctx.robot.wxid);
        if (members.length === 0) return;
        const settings = welcomeSettings(ctx.config);
        const windowMs = Math.max(0, Number(ctx.config.mergeWindowSeconds ?? 0)) * 1000;
        if (windowMs === 0) {
          await welcome(ctx.send, e.chatId, members, settings);
          ctx.note({ welcomed: members.length });
          return;
        }
        const batch = await addJoins(ctx.store, { robotId: e.robotId, room: e.chatId, members, settings, windowMs });
        ctx.note({ pending: batch.members.length, dueAt: new Date(batch.dueAt).toISOString() });
      },
    },
    {
      name: 'kick-notice',
      on: 'group_kick',
      /** @param {HandlerContext} ctx */
      async handle(ctx) {
        const e = ctx.event;
        if (ctx.origin !== 'live' || !e.isGroup || !e.chatId || ctx.config.kickNotice !== true) return;
        const members = membersOf(e.details, 'kicked', e.robotWxid ?? ctx.robot.wxid);
        const template = String(ctx.config.kickText ?? '');
        if (members.length === 0 || template.trim() === '') return;
        const operator = typeof e.details.operatorNickname === 'string' ? e.details.operatorNickname : null;
        // a notice names the removed members; it does not @ them (they are gone)
        const { text } = render(template.replace(/\{at\}/g, '{name}'), members, { operator });
        await ctx.send.sendText(e.chatId, text);
      },
    },
  ],
  jobs: [
    {
      // Sends the merged welcomes that are due. Runs once per second across instances (the scheduler's lock).
      name: 'flush-welcomes',
      intervalMs: 1000,
      /** @param {JobContext} ctx */
      async run(ctx) {
        if (!(await anyPending(ctx.store))) return;
        const robots = new Map((await ctx.robots()).map((r) => [r.robot.id, r]));
        const { due, dropped } = await takeDue(ctx.store, (id) => robots.get(id)?.status === 'online');
        for (const b of dropped)
          ctx.log.warn('Welcome dropped: its robot stayed unable to send', { robotId: b.robotId, room: b.room });
        for (const b of due) {
          const r = robots.get(b.robotId);
          if (!r) continue;
          try {
            await welcome(r.send, b.room, b.members, b.settings);
            ctx.log.info('Welcomed', { robotId: b.robotId, room: b.room, members: b.members.length });
          } catch (err) {
            ctx.log.warn('Welcome failed', { robotId: b.robotId, room: b.room, error: String(err) });
          }
        }
      },
    },
  ],
};
