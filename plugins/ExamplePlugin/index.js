'use strict';
/**
 * ExamplePlugin: the reference plugin. It answers "ping" with "pong" (private chats and groups), answers a
 * mention (@) in a group, logs every event at debug, counts pings in its store and logs the count on a heartbeat.
 *
 * Types come from the service through JSDoc, so editors check this plain CommonJS file.
 * @typedef {import('../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../src/plugin/plugin.types').HandlerContext} HandlerContext
 * @typedef {import('../../src/plugin/plugin.types').JobContext} JobContext
 */

/** @param {string | null} text */
const isPing = (text) => (text ?? '').trim().toLowerCase() === 'ping';

/** @type {PluginDefinition} */
module.exports = {
  handlers: [
    {
      // priority 0: runs before everything else, and sees the robot's own messages too
      name: 'log-events',
      on: 'any',
      priority: 0,
      includeSelf: true,
      /** @param {HandlerContext} ctx */
      handle(ctx) {
        const e = ctx.event;
        ctx.log.debug(`event ${e.kind}`, {
          kind: e.kind,
          chatId: e.chatId,
          senderWxid: e.senderWxid,
          isSelf: e.isSelf,
        });
      },
    },
    {
      name: 'ping',
      on: 'text',
      /** @param {HandlerContext} ctx */
      async handle(ctx) {
        if (!isPing(ctx.event.text)) return;
        const pings = Number((await ctx.store.get('pings')) ?? 0) + 1;
        await ctx.store.set('pings', pings);
        await ctx.reply(String(ctx.config.pongText));
        ctx.log.info('Answered a ping', { pings, chatId: ctx.event.chatId });
        // Returning false here would stop every later handler (of any plugin) from seeing this message.
      },
    },
    {
      // `at`: a text in a group that mentions the robot
      name: 'at-reply',
      on: 'at',
      /** @param {HandlerContext} ctx */
      async handle(ctx) {
        if (isPing(ctx.event.text)) return; // "@robot ping" was answered by the ping handler
        await ctx.reply(String(ctx.config.atReply));
      },
    },
  ],
  jobs: [
    {
      // Ticks every minute (interval jobs run on the minute boundary on every instance, one of them takes the run);
      // logs every `heartbeatMinutes`, so a config change applies without a reload.
      name: 'heartbeat',
      intervalMs: 60_000,
      /** @param {JobContext} ctx */
      async run(ctx) {
        const every = Number(ctx.config.heartbeatMinutes) || 60;
        if (Math.floor(Date.now() / 60_000) % every !== 0) return;
        const pings = (await ctx.store.get('pings')) ?? 0;
        ctx.log.info('Heartbeat', { pings });
      },
    },
  ],
  onLoad({ config, log }) {
    log.info('ExamplePlugin loaded', { pongText: config.pongText, heartbeatMinutes: config.heartbeatMinutes });
  },
};
