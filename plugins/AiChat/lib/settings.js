'use strict';
/**
 * AiChat's settings with every default filled in. The service fills the schema's defaults into the stored config,
 * but a chat's section replaces whole keys without defaults (a chat may set `groupTrigger: { prefixes: ["ai"] }`),
 * so the plugin reads its config through this.
 *
 * @typedef {'member_in_group' | 'group' | 'member'} Scope
 * @typedef {{ onAt: boolean, onQuoteOfRobot: boolean, prefixes: string[], keywords: string[], regexes: string[], randomProbability: number }} GroupTrigger
 * @typedef {object} Settings
 * @property {'openai' | 'dify'} provider
 * @property {string} baseUrl
 * @property {string} apiKey
 * @property {string} model
 * @property {string} fallbackModel
 * @property {number} temperature
 * @property {number} maxTokens
 * @property {number} timeoutMs
 * @property {number} retries
 * @property {boolean} stream
 * @property {'chat' | 'agent' | 'workflow'} difyApp
 * @property {GroupTrigger} groupTrigger
 * @property {'always' | 'prefix'} privateTrigger
 * @property {string[]} privatePrefixes
 * @property {{ senders: string[], regexes: string[] }} ignore
 * @property {boolean} replyToReplays
 * @property {Scope} scope
 * @property {number} maxTurns
 * @property {number} maxContextTokens
 * @property {number} idleMinutes
 * @property {string} systemPrompt
 * @property {{ robotId: number, systemPrompt: string }[]} robotPrompts
 * @property {string[]} resetCommands
 * @property {string} resetReply
 * @property {number} maxMessageChars
 * @property {boolean} atAsker
 * @property {number} typingMsPerChar
 * @property {number} typingMsMax
 * @property {boolean} markdownToText
 * @property {number} perUserPerMinute
 * @property {number} perGroupPerMinute
 * @property {number} dailyTokenBudget
 * @property {string} failureHint
 * @property {string} difyNoReplyMarker
 */

/** @param {unknown} v */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @param {unknown} v
 * @returns {string[]}
 */
const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string' && x.length > 0) : []);

/**
 * @param {unknown} v
 * @param {string} d
 */
const str = (v, d) => (typeof v === 'string' ? v : d);

/**
 * @param {unknown} v
 * @param {number} d
 */
const num = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/**
 * @param {unknown} v
 * @param {boolean} d
 */
const bool = (v, d) => (typeof v === 'boolean' ? v : d);

/**
 * @template {string} T
 * @param {unknown} v
 * @param {readonly T[]} allowed
 * @param {T} d
 * @returns {T}
 */
const oneOf = (v, allowed, d) => (allowed.includes(/** @type {T} */ (v)) ? /** @type {T} */ (v) : d);

/**
 * @param {Record<string, unknown> | undefined | null} config
 * @returns {Settings}
 */
function settingsOf(config) {
  const c = config ?? {};
  const g = isObject(c.groupTrigger) ? /** @type {Record<string, unknown>} */ (c.groupTrigger) : {};
  const ig = isObject(c.ignore) ? /** @type {Record<string, unknown>} */ (c.ignore) : {};
  return {
    provider: oneOf(c.provider, /** @type {const} */ (['openai', 'dify']), 'openai'),
    baseUrl: str(c.baseUrl, 'https://api.openai.com/v1'),
    apiKey: str(c.apiKey, ''),
    model: str(c.model, 'gpt-4o-mini'),
    fallbackModel: str(c.fallbackModel, ''),
    temperature: num(c.temperature, 0.7),
    maxTokens: num(c.maxTokens, 1024),
    timeoutMs: num(c.timeoutMs, 45_000),
    retries: num(c.retries, 1),
    stream: bool(c.stream, true),
    difyApp: oneOf(c.difyApp, /** @type {const} */ (['chat', 'agent', 'workflow']), 'chat'),
    groupTrigger: {
      onAt: bool(g.onAt, true),
      onQuoteOfRobot: bool(g.onQuoteOfRobot, true),
      prefixes: strings(g.prefixes),
      keywords: strings(g.keywords),
      regexes: strings(g.regexes),
      randomProbability: Math.min(1, Math.max(0, num(g.randomProbability, 0))),
    },
    privateTrigger: oneOf(c.privateTrigger, /** @type {const} */ (['always', 'prefix']), 'always'),
    privatePrefixes: strings(c.privatePrefixes),
    ignore: { senders: strings(ig.senders), regexes: strings(ig.regexes) },
    replyToReplays: bool(c.replyToReplays, false),
    scope: oneOf(c.scope, /** @type {const} */ (['member_in_group', 'group', 'member']), 'member_in_group'),
    maxTurns: Math.max(0, num(c.maxTurns, 10)),
    maxContextTokens: Math.max(1, num(c.maxContextTokens, 4000)),
    idleMinutes: Math.max(0, num(c.idleMinutes, 30)),
    systemPrompt: str(c.systemPrompt, ''),
    robotPrompts: (Array.isArray(c.robotPrompts) ? c.robotPrompts : [])
      .filter(isObject)
      .map((r) => ({ robotId: num(r.robotId, 0), systemPrompt: str(r.systemPrompt, '') }))
      .filter((r) => r.robotId > 0),
    resetCommands: Array.isArray(c.resetCommands) ? strings(c.resetCommands) : ['/new', '#清除记忆'],
    resetReply: str(c.resetReply, ''),
    maxMessageChars: Math.max(1, num(c.maxMessageChars, 500)),
    atAsker: bool(c.atAsker, true),
    typingMsPerChar: Math.max(0, num(c.typingMsPerChar, 50)),
    typingMsMax: Math.max(0, num(c.typingMsMax, 5000)),
    markdownToText: bool(c.markdownToText, true),
    perUserPerMinute: Math.max(0, num(c.perUserPerMinute, 5)),
    perGroupPerMinute: Math.max(0, num(c.perGroupPerMinute, 20)),
    dailyTokenBudget: Math.max(0, num(c.dailyTokenBudget, 0)),
    failureHint: str(c.failureHint, ''),
    difyNoReplyMarker: str(c.difyNoReplyMarker, '$NO_REPLY$'),
  };
}

/**
 * The backend settings of ctx.ai.chat, from the plugin's settings.
 * @param {Settings} s
 * @returns {import('../../../src/ai/ai.types').AiBackendConfig}
 */
function backendOf(s) {
  return {
    provider: s.provider,
    baseUrl: s.baseUrl,
    apiKey: s.apiKey,
    ...(s.model ? { model: s.model } : {}),
    ...(s.fallbackModel ? { fallbackModel: s.fallbackModel } : {}),
    temperature: s.temperature,
    maxTokens: s.maxTokens,
    timeoutMs: s.timeoutMs,
    retries: s.retries,
    stream: s.stream,
    difyApp: s.difyApp,
  };
}

/**
 * The system prompt of a request: the chat's own (its section sets `systemPrompt`), else the robot's (`robotPrompts`),
 * else the plugin's.
 * @param {Settings} s @param {number} robotId @param {Record<string, unknown> | null | undefined} chatConfig
 */
function promptFor(s, robotId, chatConfig) {
  if (chatConfig && typeof chatConfig.systemPrompt === 'string') return chatConfig.systemPrompt;
  return s.robotPrompts.find((r) => r.robotId === robotId)?.systemPrompt ?? s.systemPrompt;
}

module.exports = { settingsOf, backendOf, promptFor };
