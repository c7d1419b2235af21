import { Injectable, Logger, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { backoffDelay, BackoffOptions } from '../common/backoff';
import { PACKAGE } from '../common/package-info';
import { MetricsService } from '../metrics/metrics.service';
import { outboundRequest, readCapped } from '../net/outbound-http';
import { isRefusedHost, OUTBOUND_REFUSED_CODE } from '../net/outbound-url-policy';
import {
  AiAnswer,
  AiBackendConfig,
  AiClient,
  AiError,
  AiErrorCode,
  AiMessage,
  AiRequest,
  AiUsage,
  DifyAppKind,
} from './ai.types';
import { SseParser } from './sse';

/** What one successful attempt read. */
interface Reply {
  text: string;
  reasoning: string | null;
  usage: AiUsage | null;
  streamed: boolean;
  conversationId: string | null;
}

/** One attempt of one call: what to POST where, and how to read the answer. */
interface AttemptPlan {
  url: string;
  body: unknown;
  /** Reads a 2xx answer. */
  read: (res: IncomingMessage, contentType: string) => Promise<Reply>;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_RETRIES = 2;
/** `retries` above this count as this. */
export const MAX_RETRIES = 10;
/** A `Retry-After` longer than this is waited for this long only. */
export const RETRY_AFTER_CAP_MS = 30_000;
/** The most of an answer (JSON body, or all of a stream) that is read. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** The most of an error body that is read (for its message). */
const MAX_ERROR_BYTES = 64 * 1024;
const USER_AGENT = `${PACKAGE.name}/${PACKAGE.version}`;

/**
 * The AI backends plugins call as `ctx.ai`: an OpenAI-compatible Chat Completions API (streamed when the server
 * streams, JSON otherwise) and Dify apps (chat, agent, workflow). Every request goes through the outbound HTTP client
 * (the URL policy: link-local and metadata addresses are refused). A call makes up to 1 + `retries` attempts of the
 * model (on a network error, a timeout, 429 or 5xx; with backoff, `Retry-After` honoured up to RETRY_AFTER_CAP_MS),
 * then one attempt of `fallbackModel` when there is one; each attempt has its own timeout; `request.signal` aborts
 * all of it. Each call is one debug log line (never the key) and one `aiCall` in the metrics. See docs/AI.md.
 */
@Injectable()
export class AiClientService implements AiClient {
  private readonly logger = new Logger('AiClient');
  /** The wait between attempts without a Retry-After (replaceable in tests). */
  backoff: BackoffOptions = { baseMs: 500, maxMs: 8_000, jitter: 0.2 };

  constructor(@Optional() private readonly metrics?: MetricsService) {
    // plugins get this object as ctx.ai: `const { chat } = ctx.ai` must work too
    this.chat = this.chat.bind(this);
  }

  async chat(backend: AiBackendConfig, request: AiRequest): Promise<AiAnswer> {
    const started = Date.now();
    const state = { attempts: 0, model: modelLabel(backend) };
    let outcome = 'ok';
    let answer: AiAnswer | undefined;
    try {
      const reply = await this.run(backend, request, state);
      answer = { ...reply, model: state.model, latencyMs: Date.now() - started, attempts: state.attempts };
      return answer;
    } catch (err) {
      const e = this.toAiError(err, backend);
      outcome = e.code;
      throw new AiError(e.code, e.message, e.status, state.attempts, state.model);
    } finally {
      const ms = Date.now() - started;
      this.metrics?.aiCall({
        provider: backend?.provider ?? 'other',
        model: state.model,
        purpose: request?.purpose,
        outcome,
        durationMs: ms,
        promptTokens: answer?.usage?.promptTokens,
        completionTokens: answer?.usage?.completionTokens,
      });
      const tokens = answer?.usage ? `, tokens ${answer.usage.promptTokens}+${answer.usage.completionTokens}` : '';
      this.logger.debug(
        `${backend?.provider ?? '?'} ${hostOf(backend?.baseUrl)} model=${state.model} purpose=${request?.purpose ?? '-'}: ` +
          `${outcome} in ${ms} ms, ${state.attempts} attempt(s)${answer?.streamed ? ', streamed' : ''}${tokens}`,
      );
    }
  }

  private async run(
    backend: AiBackendConfig,
    request: AiRequest,
    state: { attempts: number; model: string },
  ): Promise<Reply> {
    checkConfig(backend);
    if (request.signal?.aborted) throw aborted();
    const retries = Number(backend.retries ?? DEFAULT_RETRIES);
    const tries = 1 + (Number.isFinite(retries) ? Math.min(MAX_RETRIES, Math.max(0, Math.floor(retries))) : 0);
    if (backend.provider === 'dify') return this.attempts(backend, request, difyPlan(backend, request), tries, state);
    const primary = backend.model!;
    try {
      return await this.attempts(backend, request, openAiPlan(backend, request, primary), tries, state);
    } catch (err) {
      const e = err as AiError;
      const fallback = backend.fallbackModel?.trim();
      if (!fallback || fallback === primary || !fallsBack(e)) throw e;
      state.model = fallback;
      return this.attempts(backend, request, openAiPlan(backend, request, fallback), 1, state);
    }
  }

  /** Up to `tries` attempts of one plan, with backoff between them. */
  private async attempts(
    backend: AiBackendConfig,
    request: AiRequest,
    plan: AttemptPlan,
    tries: number,
    state: { attempts: number },
  ): Promise<Reply> {
    for (let i = 1; ; i++) {
      state.attempts++;
      try {
        return await this.attempt(backend, request, plan);
      } catch (err) {
        const e = err as AttemptError;
        if (!retryable(e) || i >= tries) throw e;
        const wait = e.retryAfterMs ?? backoffDelay(i, this.backoff);
        await pause(Math.min(wait, RETRY_AFTER_CAP_MS), request.signal);
      }
    }
  }

  /** One request with its own timeout; every failure becomes an AiError. */
  private async attempt(backend: AiBackendConfig, request: AiRequest, plan: AttemptPlan): Promise<Reply> {
    const timeoutMs = positive(backend.timeoutMs) ?? DEFAULT_TIMEOUT_MS;
    const ctl = new AbortController();
    const timer = setTimeout(
      () => ctl.abort(new AiError('AI_TIMEOUT', `no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = () => ctl.abort(aborted());
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();
    let res: IncomingMessage | undefined;
    try {
      const stream = backend.stream !== false;
      const answer = await outboundRequest(plan.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${backend.apiKey}`,
          'content-type': 'application/json',
          accept: stream ? 'text/event-stream, application/json' : 'application/json',
          'user-agent': USER_AGENT,
        },
        body: JSON.stringify(plan.body),
        signal: ctl.signal,
        redirect: 'manual',
      });
      res = answer.body;
      if (answer.status < 200 || answer.status >= 300) throw await httpError(answer.status, res, backend.apiKey);
      return await plan.read(res, String(res.headers['content-type'] ?? '').toLowerCase());
    } catch (err) {
      if (ctl.signal.aborted) throw ctl.signal.reason as AiError;
      throw this.toAiError(err, backend);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (res && !res.destroyed) res.destroy();
    }
  }

  private toAiError(err: unknown, backend: AiBackendConfig | undefined): AiError {
    if (err instanceof AiError) return err;
    const e = err as NodeJS.ErrnoException;
    if (e?.code === OUTBOUND_REFUSED_CODE) return new AiError('AI_URL_REFUSED', e.message);
    const text = redact(`${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}`, backend?.apiKey);
    return new AiError('AI_NETWORK_ERROR', text);
  }
}

/** An attempt's failure, with the server's Retry-After when it sent one. */
class AttemptError extends AiError {
  retryAfterMs: number | null = null;
}

const aborted = () => new AiError('AI_ABORTED', 'the call was aborted');

function retryable(e: AiError): boolean {
  if (e.code === 'AI_TIMEOUT' || e.code === 'AI_NETWORK_ERROR' || e.code === 'AI_RATE_LIMITED') return true;
  return e.code === 'AI_HTTP_ERROR' && e.status !== null && e.status >= 500;
}

/** The fallback model is tried after any failure of the model but those another model cannot mend. */
function fallsBack(e: AiError): boolean {
  if (e.code === 'AI_ABORTED' || e.code === 'AI_URL_REFUSED' || e.code === 'AI_NOT_CONFIGURED') return false;
  if (e.code === 'AI_BAD_REQUEST') return false;
  return !(e.code === 'AI_HTTP_ERROR' && (e.status === 401 || e.status === 403));
}

function modelLabel(backend: AiBackendConfig | undefined): string {
  const model = backend?.model?.trim();
  if (model) return model;
  return backend?.provider === 'dify' ? 'dify' : 'unknown';
}

function positive(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function hostOf(url: string | undefined): string {
  try {
    return new URL(url ?? '').host;
  } catch {
    return '-';
  }
}

function redact(text: string, apiKey: string | undefined): string {
  return apiKey && apiKey.length >= 4 ? text.split(apiKey).join('***') : text;
}

/** AI_NOT_CONFIGURED for what is missing, AI_URL_REFUSED for a refused host. */
function checkConfig(b: AiBackendConfig): void {
  if (!b || (b.provider !== 'openai' && b.provider !== 'dify'))
    throw new AiError('AI_NOT_CONFIGURED', `unknown AI provider ${String(b?.provider)} (openai or dify)`);
  const missing = [
    !b.baseUrl?.trim() && 'baseUrl',
    !b.apiKey?.trim() && 'apiKey',
    b.provider === 'openai' && !b.model?.trim() && 'model',
  ].filter(Boolean);
  if (missing.length) throw new AiError('AI_NOT_CONFIGURED', `the ${b.provider} backend needs ${missing.join(', ')}`);
  let url: URL;
  try {
    url = new URL(b.baseUrl.trim());
  } catch {
    throw new AiError('AI_NOT_CONFIGURED', 'baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AiError('AI_NOT_CONFIGURED', 'baseUrl must use http or https');
  if (isRefusedHost(url.hostname))
    throw new AiError(
      'AI_URL_REFUSED',
      `baseUrl points at a link-local or cloud-metadata address (${url.hostname}), which this server does not call`,
    );
  if (b.provider === 'dify' && b.difyApp !== undefined && !['chat', 'agent', 'workflow'].includes(b.difyApp))
    throw new AiError('AI_NOT_CONFIGURED', `difyApp must be chat, agent or workflow (not ${String(b.difyApp)})`);
}

function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.trim().replace(/\/+$/, '')}${path}`;
}

/** Waits `ms`, or rejects with AI_ABORTED when the signal fires. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** A non-2xx answer as an AiError (429: AI_RATE_LIMITED), with the server's message and Retry-After. */
async function httpError(status: number, res: IncomingMessage, apiKey: string): Promise<AttemptError> {
  let detail = '';
  try {
    const text = await readCapped(res, MAX_ERROR_BYTES, () => new Error('too large'));
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; code?: unknown };
      const msg =
        typeof body.error === 'object' && body.error ? body.error.message : (body.error ?? body.message ?? '');
      detail = [typeof body.code === 'string' ? body.code : '', typeof msg === 'string' ? msg : '']
        .filter(Boolean)
        .join(': ');
    } catch {
      detail = text.trim();
    }
  } catch {
    // the message is a nicety
  }
  detail = redact(detail.slice(0, 300), apiKey);
  const code: AiErrorCode = status === 429 ? 'AI_RATE_LIMITED' : 'AI_HTTP_ERROR';
  const e = new AttemptError(code, `the AI server answered HTTP ${status}${detail ? ` (${detail})` : ''}`, status);
  e.retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  return e;
}

const bad = (message: string) => new AiError('AI_BAD_RESPONSE', message);

/** Reads the events of a stream (total size capped); `onEvent` returns true to stop (the answer is complete). */
async function readEvents(res: IncomingMessage, onEvent: (data: string) => boolean): Promise<boolean> {
  const parser = new SseParser();
  const decoder = new TextDecoder('utf-8');
  let total = 0;
  for await (const chunk of res) {
    const b = chunk as Buffer;
    total += b.byteLength;
    if (total > MAX_ANSWER_BYTES) throw bad(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    for (const e of parser.feed(decoder.decode(b, { stream: true }))) if (onEvent(e.data)) return true;
  }
  for (const e of [...parser.feed(decoder.decode()), ...parser.end()]) if (onEvent(e.data)) return true;
  return false;
}

async function readJson(res: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readCapped(res, MAX_ANSWER_BYTES, () =>
    bad(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`),
  );
  try {
    const v: unknown = JSON.parse(text);
    if (isObject(v)) return v;
  } catch {
    // below
  }
  throw bad(`the answer is not JSON (${res.headers['content-type'] ?? 'no content type'})`);
}

function parseEvent(data: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(data);
    if (isObject(v)) return v;
  } catch {
    // below
  }
  throw bad(`an event of the stream is not a JSON object: ${data.slice(0, 100)}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);

/** OpenAI's usage object (Dify's `metadata.usage` has the same names); null when absent. */
function usageOf(v: unknown): AiUsage | null {
  if (!isObject(v)) return null;
  if (v.prompt_tokens === undefined && v.completion_tokens === undefined && v.total_tokens === undefined) return null;
  const promptTokens = count(v.prompt_tokens);
  const completionTokens = count(v.completion_tokens);
  return { promptTokens, completionTokens, totalTokens: count(v.total_tokens) || promptTokens + completionTokens };
}

// --- OpenAI-compatible Chat Completions ----------------------------------------------------------------------

function openAiPlan(backend: AiBackendConfig, request: AiRequest, model: string): AttemptPlan {
  if (!request.messages?.length) throw new AiError('AI_BAD_REQUEST', 'the request has no messages');
  const stream = backend.stream !== false;
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map((m: AiMessage) => ({ role: m.role, content: String(m.content ?? '') })),
  };
  if (typeof backend.temperature === 'number') body.temperature = backend.temperature;
  const maxTokens = positive(backend.maxTokens);
  if (maxTokens) body.max_tokens = Math.floor(maxTokens);
  if (request.user) body.user = request.user;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return {
    url: endpoint(backend.baseUrl, '/chat/completions'),
    body,
    read: (res, type) => (type.includes('text/event-stream') ? readOpenAiStream(res) : readOpenAiJson(res)),
  };
}

async function readOpenAiJson(res: IncomingMessage): Promise<Reply> {
  const body = await readJson(res);
  const choice = Array.isArray(body.choices) ? (body.choices[0] as unknown) : undefined;
  const message = isObject(choice) ? choice.message : undefined;
  if (!isObject(message)) throw bad('the answer has no choices[0].message');
  const reasoning = str(message.reasoning_content) || str(message.reasoning);
  return {
    text: str(message.content),
    reasoning: reasoning || null,
    usage: usageOf(body.usage),
    streamed: false,
    conversationId: null,
  };
}

async function readOpenAiStream(res: IncomingMessage): Promise<Reply> {
  let text = '';
  let reasoning = '';
  let usage: AiUsage | null = null;
  let finished = false;
  const done = await readEvents(res, (data) => {
    if (data.trim() === '[DONE]') return true;
    const chunk = parseEvent(data);
    if (isObject(chunk.error)) throw bad(`the stream reported an error: ${str(chunk.error.message).slice(0, 300)}`);
    usage = usageOf(chunk.usage) ?? usage;
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as unknown) : undefined;
    if (!isObject(choice)) return false;
    if (isObject(choice.delta)) {
      text += str(choice.delta.content);
      reasoning += str(choice.delta.reasoning_content) || str(choice.delta.reasoning);
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) finished = true;
    return false;
  });
  if (!done && !finished) throw new AiError('AI_NETWORK_ERROR', 'the stream ended before the answer was complete');
  return { text, reasoning: reasoning || null, usage, streamed: true, conversationId: null };
}

// --- Dify --------------------------------------------------------------------------------------------------------

function difyPlan(backend: AiBackendConfig, request: AiRequest): AttemptPlan {
  const app: DifyAppKind = backend.difyApp ?? 'chat';
  const query = [...(request.messages ?? [])].reverse().find((m) => m.role === 'user')?.content;
  if (!query) throw new AiError('AI_BAD_REQUEST', 'a Dify app needs a user message (the query)');
  const system = (request.messages ?? []).find((m) => m.role === 'system')?.content;
  const inputs: Record<string, unknown> = { ...(request.inputs ?? {}) };
  if (system && inputs.system_prompt === undefined) inputs.system_prompt = system;
  // agent apps answer only in streaming mode; chat and workflow apps may block when streaming is turned off
  const mode = app === 'agent' || backend.stream !== false ? 'streaming' : 'blocking';
  const user = request.user || 'opengewe';
  if (app === 'workflow') {
    return {
      url: endpoint(backend.baseUrl, '/workflows/run'),
      body: { inputs: { ...inputs, query }, response_mode: mode, user },
      read: (res, type) => (type.includes('text/event-stream') ? readDifyStream(res, app) : readWorkflowJson(res)),
    };
  }
  return {
    url: endpoint(backend.baseUrl, '/chat-messages'),
    body: { inputs, query, response_mode: mode, conversation_id: request.conversationId ?? '', user },
    read: (res, type) => (type.includes('text/event-stream') ? readDifyStream(res, app) : readDifyChatJson(res)),
  };
}

/** A workflow's answer: its `text` or `answer` output, or else its first string output. */
function workflowText(outputs: unknown, streamed: string): string {
  if (isObject(outputs)) {
    if (typeof outputs.text === 'string') return outputs.text;
    if (typeof outputs.answer === 'string') return outputs.answer;
    const first = Object.values(outputs).find((v) => typeof v === 'string');
    if (typeof first === 'string') return first;
  }
  if (streamed) return streamed;
  throw bad('the workflow has no text output (outputs.text, outputs.answer or any string)');
}

function workflowResult(data: unknown, streamed: string): Reply {
  if (!isObject(data)) throw bad('the workflow answer has no data');
  if (data.status !== undefined && data.status !== 'succeeded')
    throw bad(
      `the workflow ${str(data.status) || 'failed'}${str(data.error) ? `: ${str(data.error).slice(0, 300)}` : ''}`,
    );
  const total = count(data.total_tokens);
  return {
    text: workflowText(data.outputs, streamed),
    reasoning: null,
    usage: total ? { promptTokens: 0, completionTokens: 0, totalTokens: total } : null,
    streamed: false,
    conversationId: null,
  };
}

async function readWorkflowJson(res: IncomingMessage): Promise<Reply> {
  return workflowResult((await readJson(res)).data, '');
}

async function readDifyChatJson(res: IncomingMessage): Promise<Reply> {
  const body = await readJson(res);
  if (typeof body.answer !== 'string') throw bad('the Dify answer has no answer field');
  return {
    text: body.answer,
    reasoning: null,
    usage: isObject(body.metadata) ? usageOf(body.metadata.usage) : null,
    streamed: false,
    conversationId: str(body.conversation_id) || null,
  };
}

/** A Dify error event (or error body) as an AiError: 429 rate-limited, otherwise an HTTP error with its status. */
function difyError(e: Record<string, unknown>): AiError {
  const status = typeof e.status === 'number' ? e.status : null;
  const detail = [str(e.code), str(e.message).slice(0, 300)].filter(Boolean).join(': ');
  return new AiError(
    status === 429 ? 'AI_RATE_LIMITED' : 'AI_HTTP_ERROR',
    `the Dify app reported an error${detail ? ` (${detail})` : ''}`,
    status,
  );
}

async function readDifyStream(res: IncomingMessage, app: DifyAppKind): Promise<Reply> {
  let message = '';
  let agent = '';
  let chunks = '';
  let conversationId: string | null = null;
  let usage: AiUsage | null = null;
  let result: Reply | null = null;
  const done = await readEvents(res, (data) => {
    const e = parseEvent(data);
    if (typeof e.conversation_id === 'string' && e.conversation_id) conversationId = e.conversation_id;
    switch (e.event) {
      case 'message':
        message += str(e.answer);
        return false;
      case 'agent_message':
        agent += str(e.answer);
        return false;
      case 'message_replace':
        message = str(e.answer);
        agent = '';
        return false;
      case 'text_chunk':
        if (isObject(e.data)) chunks += str(e.data.text);
        return false;
      case 'error':
        throw difyError(e);
      case 'message_end':
        if (isObject(e.metadata)) usage = usageOf(e.metadata.usage);
        return app !== 'workflow';
      case 'workflow_finished':
        if (app !== 'workflow') return false;
        result = workflowResult(e.data, chunks);
        return true;
      default:
        return false;
    }
  });
  if (!done) throw new AiError('AI_NETWORK_ERROR', 'the stream ended before the answer was complete');
  if (result) return { ...(result as Reply), streamed: true };
  // a New Agent app streams agent_message deltas, then the whole answer once as a message: the deltas are the answer
  return { text: agent || message, reasoning: null, usage, streamed: true, conversationId };
}
