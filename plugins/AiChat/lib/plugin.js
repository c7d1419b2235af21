'use strict';
/**
 * AiChat's definition (index.js exports one): replies with a large language model (an OpenAI-compatible Chat Completions API or a Dify app), only when
 * it should (lib/trigger.js), in sessions kept in the database (lib/session.js), with answers made fit for WeChat
 * (lib/output.js), within limits and a daily token budget (lib/limits.js). docs/plugins/AiChat.md is the guide.
 *
 * The handler decides and returns at once; the model call runs deferred (ctx.defer), outside the handler's timeout.
 * One request is in flight per session: messages arriving meanwhile are merged into the next turn.
 *
 * @typedef {import('../../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../../src/plugin/plugin.types').HandlerContext} HandlerContext
 * @typedef {import('../../../src/plugin/plugin.types').DeferredContext} DeferredContext
 * @typedef {import('../../../src/plugin/plugin.types').PluginApiTools} PluginApiTools
 * @typedef {import('../../../src/plugin/plugin.types').AiMessage} AiMessage
 * @typedef {import('../../../src/plugin/plugin.types').AiAnswer} AiAnswer
 * @typedef {import('./settings').Settings} Settings
 * @typedef {{ wxid: string, pushName: string | null }} Asker
 * @typedef {{ text: string, asker: Asker }} Input
 * @typedef {{ busy: Promise<void> | null, next: Input[] | null, generation: number }} InFlight
 *   busy: the last turn started or waiting; next: the question of the turn waiting for the one in flight (messages
 *   arriving meanwhile join it); generation: counts resets (a turn started before one does not keep its answer)
 * @typedef {{ clock?: () => number, random?: () => number }} AiChatOptions
 * @typedef {{ maxTokens?: number, temperature?: number, user?: string, purpose?: string, markdownToText?: boolean, signal?: AbortSignal, timeZone?: string }} CompleteOptions
 * @typedef {{ text: string, model: string, usage: AiAnswer['usage'], latencyMs: number, attempts: number }} Completion
 */
const { settingsOf, backendOf, promptFor } = require('./settings');
const { decide, isReset, textOf } = require('./trigger');
const { SessionStore, sessionKey, buildMessages, withTurn, estimateTokens } = require('./session');
const { prepare, stripThink, markdownToText } = require('./output');
const { RateLimiter, TokenBudget, timezoneOf, BudgetExhaustedError } = require('./limits');
const { nameFromPush, MemberNames } = require('./names');

/** @param {unknown} err */
const errorFields = (err) => {
  const e =
    /** @type {{ code?: unknown, message?: unknown, attempts?: unknown, model?: unknown, status?: unknown }} */ (
      typeof err === 'object' && err !== null ? err : {}
    );
  return {
    code: typeof e.code === 'string' ? e.code : 'AI_ERROR',
    message: String(e.message ?? err).slice(0, 500),
    attempts: typeof e.attempts === 'number' ? e.attempts : null,
    model: typeof e.model === 'string' ? e.model : null,
    status: typeof e.status === 'number' ? e.status : null,
  };
};

/**
 * The plugin, with its own clock and random source (the tests inject them) and its in-memory state: the requests in
 * flight per session and the per-minute windows.
 * @param {AiChatOptions} [o]
 * @returns {PluginDefinition}
 */
function createAiChat(o = {}) {
  const clock = o.clock ?? Date.now;
  const random = o.random ?? Math.random;
  const limiter = new RateLimiter(clock);
  const names = new MemberNames(clock);
  /** @type {Map<string, InFlight>} */
  const inflight = new Map();
  /** @type {string | null} [plugins].timezone as the last handler context gave it */
  let lastZone = null;

  /**
   * Sends `parts` to the event's chat, the first one mentioning the askers in a group.
   * @param {DeferredContext | HandlerContext} ctx
   * @param {Settings} s
   * @param {{ text: string, typingMs: number }[]} parts
   * @param {Asker[]} askers
   */
  async function sendParts(ctx, s, parts, askers) {
    const e = ctx.event;
    const chatId = /** @type {string} */ (e.chatId);
    const at = e.isGroup && s.atAsker ? askers : [];
    let prefix = '';
    for (const a of at) prefix += `@${await names.nameOf(ctx.gewe, chatId, a.wxid, a.pushName)} `;
    for (const [i, part] of parts.entries()) {
      const first = i === 0 && at.length > 0;
      await ctx.send.sendText(
        chatId,
        first ? prefix + part.text : part.text,
        first ? at.map((a) => a.wxid) : undefined,
        { typingMs: part.typingMs },
      );
    }
  }

  /**
   * The failure hint, when there is one (else silence).
   * @param {DeferredContext} ctx
   * @param {Settings} s
   * @param {Asker[]} askers
   */
  async function hint(ctx, s, askers) {
    if (!s.failureHint.trim()) return;
    await sendParts(ctx, s, [{ text: s.failureHint, typingMs: 0 }], askers);
  }

  /**
   * One turn: the question of `batch` (one message, or several merged) to the model, the answer to the chat.
   * @param {DeferredContext} ctx
   * @param {string} key the session
   * @param {InFlight} state
   * @param {Input[]} batch
   */
  async function turn(ctx, key, state, batch) {
    const s = settingsOf(ctx.config);
    const robotId = ctx.robot.id;
    const question = batch.map((b) => b.text).join('\n');
    /** @type {Asker[]} */
    const askers = [];
    for (const b of batch) if (!askers.some((a) => a.wxid === b.asker.wxid)) askers.push(b.asker);
    const zone = timezoneOf(ctx);
    if (zone) lastZone = zone;
    const budget = new TokenBudget(ctx.store, { clock, timeZone: zone });
    if (await budget.exhausted(robotId, s.dailyTokenBudget)) {
      const spent = new BudgetExhaustedError(s.dailyTokenBudget);
      ctx.note({ model: s.model || null, error: spent.message, code: spent.code, budget: s.dailyTokenBudget });
      return hint(ctx, s, askers);
    }
    const sessions = new SessionStore(ctx.store);
    const generation = state.generation;
    const session = await sessions.load(key, { idleMinutes: s.idleMinutes, now: clock() });
    const dify = s.provider === 'dify';
    const messages = buildMessages(session, question, {
      systemPrompt: promptFor(s, robotId, ctx.chatConfig),
      maxTurns: s.maxTurns,
      maxContextTokens: s.maxContextTokens,
      history: !dify,
    });
    const started = clock();
    /** @type {AiAnswer} */
    let answer;
    try {
      answer = await ctx.ai.chat(backendOf(s), {
        messages,
        conversationId: dify ? session.conversationId : null,
        user: askers[0]?.wxid ?? ctx.event.chatId ?? undefined,
        purpose: 'chat',
      });
    } catch (err) {
      const f = errorFields(err);
      ctx.note({
        model: f.model ?? (s.model || null),
        promptTokens: null,
        completionTokens: null,
        latencyMs: clock() - started,
        attempts: f.attempts,
        // the message as data, the code in words (the console translates `code`, with the note's `status`)
        error: f.message,
        code: f.code,
        ...(f.status !== null ? { status: f.status } : {}),
      });
      ctx.log.warn('The model call failed', { code: f.code, message: f.message, chatId: ctx.event.chatId });
      return hint(ctx, s, askers);
    }
    ctx.note({
      model: answer.model,
      promptTokens: answer.usage?.promptTokens ?? null,
      completionTokens: answer.usage?.completionTokens ?? null,
      latencyMs: answer.latencyMs,
      attempts: answer.attempts,
      streamed: answer.streamed,
      error: null,
    });
    const used =
      answer.usage?.totalTokens ??
      messages.reduce((n, m) => n + estimateTokens(m.content), 0) + estimateTokens(answer.text);
    await budget.spend(robotId, used);
    const out = prepare(answer.text, s);
    const silent = s.difyNoReplyMarker !== '' && out.text.includes(s.difyNoReplyMarker);
    // a reset while this turn was in flight: its answer is still sent, not kept
    if (state.generation === generation)
      await sessions.save(
        key,
        silent || !out.text
          ? { ...session, conversationId: answer.conversationId ?? session.conversationId, updatedAt: clock() }
          : withTurn(
              session,
              { user: question, assistant: out.text },
              { conversationId: answer.conversationId ?? session.conversationId, now: clock(), keep: s.maxTurns },
            ),
      );
    if (silent) return ctx.note({ silent: 'no_reply_marker' });
    if (out.parts.length === 0) return ctx.note({ silent: 'empty_answer' });
    await sendParts(ctx, s, out.parts, askers);
  }

  /**
   * @param {HandlerContext} ctx
   */
  async function handle(ctx) {
    const e = ctx.event;
    const chatId = e.chatId;
    if (!chatId) return;
    const s = settingsOf(ctx.config);
    const robotWxid = e.robotWxid ?? ctx.robot.wxid;
    const d = decide(e, s, { robotWxid, origin: ctx.origin, random });
    const key = sessionKey({ robotId: ctx.robot.id, chatId, isGroup: e.isGroup, senderWxid: e.senderWxid }, s.scope);
    const flightKey = `${key}|${chatId}`;
    /** @type {Asker} */
    const asker = { wxid: e.senderWxid ?? chatId, pushName: nameFromPush(e.pushContent) };

    // A reset command: in a group it must trigger (e.g. @ the robot); in a private chat it needs no prefix.
    const resetText = d.fire ? d.text : !e.isGroup && d.reason === 'no_trigger' ? textOf(e) : null;
    if (resetText !== null && isReset(resetText, s.resetCommands)) {
      const chain = inflight.get(flightKey);
      if (chain) {
        chain.generation++; // the turn in flight is not kept
        if (chain.next) chain.next.length = 0; // nor asked: what waited was said before the reset
      }
      await new SessionStore(ctx.store).reset(key);
      ctx.note({ session: 'reset' });
      if (s.resetReply.trim())
        ctx.defer('reset-reply', (dctx) => sendParts(dctx, s, [{ text: s.resetReply, typingMs: 0 }], [asker]));
      return;
    }
    if (!d.fire) return;

    /** @type {Input} */
    const input = { text: d.text, asker };
    let chain = inflight.get(flightKey);
    // a turn is already waiting for the one in flight: this message joins its question
    if (chain?.next) {
      chain.next.push(input);
      ctx.note({ trigger: d.via, merged: true });
      return;
    }
    const limit = limiter.take([
      { key: `u:${ctx.robot.id}:${asker.wxid}`, limit: s.perUserPerMinute },
      ...(e.isGroup ? [{ key: `g:${ctx.robot.id}:${chatId}`, limit: s.perGroupPerMinute }] : []),
    ]);
    if (!limit.ok) {
      ctx.note({
        trigger: d.via,
        skipped: 'rate_limited',
        code: limit.key.startsWith('u:') ? 'AICHAT_USER_RATE_LIMITED' : 'AICHAT_GROUP_RATE_LIMITED',
      });
      return;
    }
    if (!chain) {
      chain = { busy: null, next: null, generation: 0 };
      inflight.set(flightKey, chain);
    }
    const mine = chain;
    /** @type {Input[]} */
    const batch = [input];
    // A request is in flight: this message starts the next turn, which waits for it (and takes in what comes
    // meanwhile). Each deferred task so waits for one turn at most, then runs its own.
    const before = mine.busy;
    if (before) mine.next = batch;
    ctx.note(before ? { trigger: d.via, merged: true } : { trigger: d.via });
    /** @type {() => void} */
    let done = () => undefined;
    /** @type {Promise<void>} */
    const running = new Promise((r) => (done = r));
    mine.busy = running;
    const release = () => {
      done();
      if (mine.busy === running && inflight.get(flightKey) === mine) inflight.delete(flightKey);
    };
    try {
      ctx.defer('answer', async (dctx) => {
        try {
          if (before) await before;
          if (mine.next === batch) mine.next = null;
          if (batch.length > 0) await turn(dctx, key, mine, batch);
        } finally {
          release();
        }
      });
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * For other plugins (GroupDigest): one completion with AiChat's backend and budget, the answer cleaned (think
   * blocks removed, Markdown to text unless told otherwise).
   * @param {PluginApiTools} tools
   */
  function api(tools) {
    return {
      /**
       * @param {number} robotId
       * @param {string | null} chatId
       * @param {AiMessage[]} messages
       * @param {CompleteOptions} [options]
       * @returns {Promise<Completion>}
       */
      async complete(robotId, chatId, messages, options = {}) {
        const s = settingsOf(await tools.config(robotId, chatId ?? null));
        // the same day as the handlers count in: the caller's zone (a job's ctx.timezone), the tools', the one the
        // handlers last saw, else UTC
        const timeZone = options.timeZone || timezoneOf(tools) || lastZone;
        const budget = new TokenBudget(tools.store, { clock, timeZone });
        if (await budget.exhausted(robotId, s.dailyTokenBudget)) throw new BudgetExhaustedError(s.dailyTokenBudget);
        const backend = {
          ...backendOf(s),
          ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        };
        const answer = await tools.ai.chat(backend, {
          messages,
          user: options.user ?? `robot-${robotId}`,
          purpose: options.purpose ?? 'complete',
          ...(options.signal ? { signal: options.signal } : {}),
        });
        await budget.spend(
          robotId,
          answer.usage?.totalTokens ??
            messages.reduce((n, m) => n + estimateTokens(m.content), 0) + estimateTokens(answer.text),
        );
        const thought = stripThink(answer.text);
        const text = (options.markdownToText ?? s.markdownToText) ? markdownToText(thought) : thought;
        return {
          text,
          model: answer.model,
          usage: answer.usage,
          latencyMs: answer.latencyMs,
          attempts: answer.attempts,
        };
      },
    };
  }

  return {
    handlers: [{ name: 'chat', on: ['text', 'quote'], handle }],
    api,
    onUnload() {
      inflight.clear();
    },
  };
}

module.exports = { createAiChat };
