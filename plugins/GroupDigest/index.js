'use strict';
/**
 * GroupDigest: a summary of a group's last hours from the message log (ctx.history) — on demand, when someone sends
 * a command in the group ("#群总结", "/digest", "/digest 12" for the last 12 hours), or on a schedule for configured
 * groups. With `useAi`, and AiChat loaded and enabled, AiChat's model writes it (`complete(…, { purpose: 'digest' })`);
 * otherwise, or when that fails (noted on the result), statistics: how many messages, the most active members by
 * name, the busiest hours. The work runs deferred (ctx.defer): the history query and a model call can take a while.
 * @typedef {import('../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../src/plugin/plugin.types').HandlerContext} HandlerContext
 * @typedef {import('../../src/plugin/plugin.types').JobContext} JobContext
 * @typedef {import('../../src/plugin/plugin.types').ChatHistory} ChatHistory
 * @typedef {import('../../src/plugin/plugin.types').AiMessage} AiMessage
 * @typedef {{ complete(robotId: number, chatId: string, messages: AiMessage[], o: { purpose: string, timeZone?: string }): Promise<{ text: string }> }} AiChatApi
 */
const { Cron } = require('croner');
const { parseCommand, statistics, formatStatistics, aiMessages, MAX_HOURS } = require('./lib/digest');

const MINUTE = 60_000;

/** @param {Record<string, unknown>} config @returns {string[]} */
const commandsOf = (config) =>
  Array.isArray(config.commands) ? config.commands.filter((c) => typeof c === 'string' && c.trim() !== '') : [];

/** @param {unknown} v @param {number} d */
const hoursOf = (v, d) => Math.min(Math.max(1, Math.floor(Number(v) || d)), MAX_HOURS);

/**
 * The digest of a chat: the model's, when asked for and available, else statistics.
 * @param {{ config: Record<string, unknown>, timezone: string, plugin: HandlerContext['plugin'] }} ctx
 * @param {ChatHistory} history @param {number} robotId @param {string} chatId @param {number} hours
 * @param {(data: Record<string, unknown>) => void} note
 * @returns {Promise<{ text: string, mode: 'ai' | 'statistics', messages: number }>}
 */
async function digest(ctx, history, robotId, chatId, hours, note) {
  const c = ctx.config;
  const language = c.language === 'en' ? 'en' : 'zh';
  const commands = commandsOf(c);
  const since = new Date(Date.now() - hours * 3_600_000);
  const all = await history.recent(chatId, { since, limit: Math.min(Number(c.maxMessages) || 2000, 2000) });
  // the commands asking for digests are not part of it
  const messages = all.filter((m) => !(m.kind === 'text' && parseCommand(m.text, commands, hours) !== null));
  const stats = statistics(messages, { timezone: ctx.timezone, top: Number(c.topMembers) || 5 });

  if (c.useAi !== false) {
    const ai = /** @type {AiChatApi | undefined} */ (ctx.plugin('AiChat'));
    if (ai && typeof ai.complete === 'function' && messages.some((m) => !m.isSelf && m.text)) {
      try {
        const prompt = typeof c.aiPrompt === 'string' ? c.aiPrompt : '';
        const answer = await ai.complete(
          robotId,
          chatId,
          aiMessages(messages, { hours, language, timezone: ctx.timezone, maxChars: 24_000, prompt }),
          { purpose: 'digest', timeZone: ctx.timezone },
        );
        const text = typeof answer?.text === 'string' ? answer.text.trim() : '';
        if (!text) throw new Error('the model gave an empty answer');
        const title = language === 'en' ? `Group digest — the last ${hours} hours` : `📝 最近 ${hours} 小时群聊总结`;
        return { text: `${title}\n${text}`, mode: 'ai', messages: stats.total };
      } catch (err) {
        note({ digest: 'ai_failed', error: err instanceof Error ? err.message : String(err), fallback: 'statistics' });
      }
    }
  }
  return { text: formatStatistics(stats, { hours, language }), mode: 'statistics', messages: stats.total };
}

/** @type {PluginDefinition} */
module.exports = {
  handlers: [
    {
      name: 'command',
      on: 'text',
      priority: 20,
      /** @param {HandlerContext} ctx */
      handle(ctx) {
        const e = ctx.event;
        if (ctx.origin !== 'live' || e.isSelf || !e.isGroup || !e.chatId) return;
        const hours = parseCommand(e.text, commandsOf(ctx.config), hoursOf(ctx.config.hours, 24));
        if (hours === null) return;
        const chatId = e.chatId;
        ctx.defer('digest', async (d) => {
          const out = await digest(d, d.history, d.robot.id, chatId, hours, (n) => d.note(n));
          await d.send.sendText(chatId, out.text);
          d.note({ digest: out.mode, hours, messages: out.messages });
        });
        // the command is GroupDigest's: later handlers (an AI reply to "@robot /digest") do not answer it too
        return false;
      },
    },
  ],
  jobs: [
    {
      // every minute; sends when `scheduleCron` fires in the minute of scheduledAt (a config-driven schedule)
      name: 'scheduled',
      cron: '* * * * *',
      /** @param {JobContext} ctx */
      async run(ctx) {
        const expr = typeof ctx.config.scheduleCron === 'string' ? ctx.config.scheduleCron.trim() : '';
        const groups = Array.isArray(ctx.config.scheduleGroups)
          ? ctx.config.scheduleGroups.filter((g) => typeof g === 'string' && g !== '')
          : [];
        if (!expr || !groups.length) return;
        const minute = Math.floor(ctx.scheduledAt.getTime() / MINUTE) * MINUTE;
        let next;
        try {
          next = new Cron(expr, { timezone: ctx.timezone, mode: '5-or-6-parts' }).nextRun(new Date(minute - 1));
        } catch (err) {
          ctx.log.warn('scheduleCron is not a valid cron expression', { scheduleCron: expr, error: String(err) });
          return;
        }
        if (!next || next.getTime() >= minute + MINUTE) return;
        const hours = hoursOf(ctx.config.hours, 24);
        for (const r of await ctx.robots()) {
          if (r.status !== 'online') continue;
          for (const group of groups) {
            if (!(await ctx.chat(r.robot.id, group)).enabled) continue;
            // once per robot, group and minute, whoever runs it (a run now and the scheduled one)
            const key = `scheduled:${r.robot.id}:${group}`;
            if (Number(await ctx.store.get(key)) >= minute) continue;
            await ctx.store.set(key, minute);
            try {
              const out = await digest(ctx, ctx.history(r.robot.id), r.robot.id, group, hours, (n) =>
                ctx.log.warn('Digest noted', { group, ...n }),
              );
              await r.send.sendText(group, out.text);
              ctx.log.info('Scheduled digest sent', { robotId: r.robot.id, group, mode: out.mode });
            } catch (err) {
              ctx.log.warn('Scheduled digest failed', { robotId: r.robot.id, group, error: String(err) });
            }
          }
        }
      },
    },
  ],
};
