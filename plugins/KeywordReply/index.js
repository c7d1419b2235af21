'use strict';
/**
 * KeywordReply: answers a text that matches a rule (exact, contains or regex) with a text ({name} = the sender's
 * name), an image or a link. The first matching rule answers; each rule has a cooldown per chat. A chat's own `rules`
 * (chatConfigSchema) replace the global ones for that chat. Only live messages of other people are answered.
 *
 * @typedef {import('../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../src/plugin/plugin.types').HandlerContext} HandlerContext
 * @typedef {import('./lib/rules').CompiledRule} CompiledRule
 */
const { compileRules, compiledRules, findRule, renderText, senderName } = require('./lib/rules');
const { takeTurn } = require('./lib/cooldown');

/**
 * Sends the rule's answer into the event's chat.
 * @param {HandlerContext} ctx
 * @param {CompiledRule} r
 * @param {string} chatId
 */
async function answer(ctx, r, chatId) {
  const reply = r.rule.reply;
  const type = reply.type ?? 'text';
  if (type === 'image') return ctx.send.sendImage(chatId, String(reply.imageUrl));
  if (type === 'link') {
    const link = reply.link ?? { title: '', url: '' };
    return ctx.send.sendLink(chatId, {
      title: link.title,
      desc: link.description ?? '',
      linkUrl: link.url,
      thumbUrl: link.thumbUrl ?? '',
    });
  }
  return ctx.reply(renderText(String(reply.text), { name: senderName(ctx.event) }));
}

/** @type {PluginDefinition} */
module.exports = {
  handlers: [
    {
      name: 'keyword-reply',
      on: 'text',
      // before the default 50 (AiChat and most plugins): a keyword answer can stop them
      priority: 40,
      /** @param {HandlerContext} ctx */
      async handle(ctx) {
        const e = ctx.event;
        if (ctx.origin !== 'live' || e.isSelf || !e.chatId || !e.text) return;
        const { rules, errors } = compiledRules(ctx.config.rules);
        if (errors.length) ctx.log.warn('Rules left out', { errors, chatId: e.chatId });
        const r = findRule(rules, e.text, e.isGroup);
        if (!r) return;
        const ok = await takeTurn(ctx.store, {
          robotId: e.robotId,
          chatId: e.chatId,
          ruleId: r.id,
          seconds: Number(r.rule.cooldownSeconds ?? 0),
        });
        ctx.note({ rule: r.index, match: r.rule.match ?? 'contains', pattern: r.rule.pattern, cooldown: !ok });
        if (!ok) return;
        await answer(ctx, r, e.chatId);
        if (ctx.config.stopAfterReply !== false) return false;
      },
    },
  ],
  onLoad({ config }) {
    // A stored config passed the schema (a regex rule's pattern must compile), but refuse anything it let through.
    const { errors } = compileRules(config.rules);
    if (errors.length) throw new Error(`invalid rules: ${errors.join('; ')}`);
  },
};
