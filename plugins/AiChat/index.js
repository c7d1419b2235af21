'use strict';
/**
 * AiChat: replies with a large language model (an OpenAI-compatible Chat Completions API or a Dify app), only when
 * it should. The definition is built in lib/plugin.js (with its clock and random source injectable for the tests);
 * docs/plugins/AiChat.md is the guide. A reload loads this file afresh, so the in-memory state (requests in flight,
 * per-minute windows) starts anew with it.
 */
const { createAiChat } = require('./lib/plugin');

module.exports = createAiChat();
