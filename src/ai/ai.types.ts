/**
 * The contract of the AI backends plugins call through `ctx.ai` (AiChat, GroupDigest): an OpenAI-compatible Chat
 * Completions API or a Dify app. The caller passes the backend's settings with every call (they are the plugin's
 * config, possibly per chat); the client does the HTTP (through the outbound URL policy), streaming, retries, the
 * fallback model and the metrics.
 */

export type AiProvider = 'openai' | 'dify';

/** A Dify app's kind: chat and agent apps answer on /v1/chat-messages, workflows on /v1/workflows/run. */
export type DifyAppKind = 'chat' | 'agent' | 'workflow';

export interface AiBackendConfig {
  provider: AiProvider;
  /** OpenAI-compatible: the API root (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`); Dify: `https://api.dify.ai/v1`. */
  baseUrl: string;
  apiKey: string;
  /** OpenAI-compatible: the model; Dify: ignored (the app decides), but used as the metrics label when given. */
  model?: string;
  /** OpenAI-compatible: tried once when the model's attempts all failed. */
  fallbackModel?: string;
  temperature?: number;
  maxTokens?: number;
  /** Per attempt, ms (default 60 000). */
  timeoutMs?: number;
  /** Attempts after the first on a network error, a timeout, 429 or 5xx (default 2), with backoff (Retry-After honoured). */
  retries?: number;
  /** Ask for a stream (default true); a server that answers with plain JSON instead is read as JSON. */
  stream?: boolean;
  /** Dify only (default chat). */
  difyApp?: DifyAppKind;
}

export interface AiMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface AiRequest {
  /**
   * OpenAI-compatible: the whole conversation. Dify: the last user message is the query, a system message (if any)
   * goes to `inputs.system_prompt`; earlier turns are Dify's own (by `conversationId`).
   */
  messages: AiMessage[];
  /** Dify: the conversation to continue (null: a new one). */
  conversationId?: string | null;
  /** Dify's `user` (required by Dify), OpenAI's `user`: a stable id of the asker. */
  user?: string;
  /** Dify: extra `inputs` of the app. */
  inputs?: Record<string, unknown>;
  /** Aborts the call (and its retries). */
  signal?: AbortSignal;
  /** A label for metrics and logs: which plugin feature asked (`chat`, `digest`). */
  purpose?: string;
}

export interface AiUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface AiAnswer {
  /** The answer's content as the model wrote it (reasoning *fields* left out; `<think>` blocks in the text are kept). */
  text: string;
  /** `reasoning_content` / `reasoning` fields, when the server sent them. */
  reasoning: string | null;
  /** The model that answered (the fallback when it was used; Dify: `model` of the config or `dify`). */
  model: string;
  /** Token usage as the server reported it (null when it did not). */
  usage: AiUsage | null;
  /** From the request to the last byte, all attempts included. */
  latencyMs: number;
  attempts: number;
  streamed: boolean;
  /** Dify: the conversation id to pass next time. */
  conversationId: string | null;
}

/** Why a call failed: stable codes (shown in the console as their own text). */
export type AiErrorCode =
  | 'AI_TIMEOUT'
  | 'AI_RATE_LIMITED'
  | 'AI_HTTP_ERROR'
  | 'AI_NETWORK_ERROR'
  | 'AI_BAD_RESPONSE'
  | 'AI_URL_REFUSED'
  | 'AI_NOT_CONFIGURED'
  | 'AI_ABORTED'
  /** The request cannot be sent as it is (no messages; for Dify, no user message to be the query). */
  | 'AI_BAD_REQUEST';

export class AiError extends Error {
  override readonly name = 'AiError';
  constructor(
    readonly code: AiErrorCode,
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status: number | null = null,
    readonly attempts = 1,
    readonly model: string | null = null,
  ) {
    super(message);
  }
}

/** What plugins get as `ctx.ai`. */
export interface AiClient {
  chat(backend: AiBackendConfig, request: AiRequest): Promise<AiAnswer>;
}
