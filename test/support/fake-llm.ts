import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * Fake model servers for tests: a real HTTP server on 127.0.0.1 (a random port) speaking the public protocol of an
 * OpenAI-compatible Chat Completions API (`startFakeOpenAi`) or of a Dify app's service API (`startFakeDify`), and
 * refusing what the real ones refuse (a wrong key, a malformed body, `stream_options` without `stream`, blocking mode
 * on an agent app, an unknown conversation…).
 *
 * Each request takes the next programmed answer from a queue (`reply`, `fail`, `hang`, Dify's `errorEvent`); when the
 * queue is empty the default answer is given (`setDefault`, initially a reply "fake answer"). Every request is kept in
 * `requests` (its path, headers and parsed body) and every answer in `served`.
 *
 * No timers are needed in tests: hold an answer with a `Gate` (`reply(text, { gate })`), wait for `gate.reached`
 * (the request has arrived and is held: "one request in flight"), then `gate.open()`.
 */

/** Holds answers until the test opens it. `reached` resolves when the first request arrives at the closed gate. */
export class Gate {
  private opened = false;
  private readonly waiters: (() => void)[] = [];
  private markReached!: () => void;
  /** Resolves when a request is held here (or passed it, when the gate was already open). */
  readonly reached: Promise<void> = new Promise<void>((r) => (this.markReached = r));
  /** How many requests are held right now. */
  held = 0;

  get isOpen(): boolean {
    return this.opened;
  }

  /** Lets every held answer (and any later one) go. */
  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** @internal the fake's side: resolves when the gate is open. */
  pass(): Promise<void> {
    this.markReached();
    if (this.opened) return Promise.resolve();
    this.held++;
    return new Promise<void>((r) =>
      this.waiters.push(() => {
        this.held--;
        r();
      }),
    );
  }
}

/** Token counts the fake reports (OpenAI's `usage`, Dify's `metadata.usage`). */
export interface FakeUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ReplyOptions {
  /**
   * OpenAI: true/false force an event stream or a JSON answer whatever the request asked (false: a server without
   * stream support); default: what the request asked. Dify: ignored (response_mode decides).
   */
  stream?: boolean;
  /** OpenAI: reasoning sent in its own field (streamed before the content). */
  reasoning?: string;
  /** OpenAI: the field that carries `reasoning` (default reasoning_content, as DeepSeek; OpenRouter/vLLM: reasoning). */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** Usage to report; null: none. Default: prompt 10 tokens, completion one per 4 characters of the text. */
  usage?: FakeUsage | null;
  /** The content chunks of a stream (their concatenation should be the text); default: pieces of 4 characters. */
  chunks?: string[];
  /** Waits this long before answering (a slow server). Tests that need an order use `gate` instead. */
  delayMs?: number;
  /** Holds the answer until the gate is opened. */
  gate?: Gate;
  /** Dify workflow: the run's outputs (default `{ text }`). */
  outputs?: Record<string, unknown>;
  /** Dify chat/agent: the conversation id to answer with (default: the request's, or a new one). */
  conversationId?: string;
}

export interface FailOptions {
  /** `Retry-After` header: seconds (a number) or an HTTP date (a string). */
  retryAfter?: number | string;
  /** The error body (default: the protocol's error shape). */
  body?: unknown;
  gate?: Gate;
}

export interface HangOptions {
  /** Sends the status and the first part of the stream, then stalls (default: nothing at all is answered). */
  midStream?: boolean;
}

export type FakeAnswer =
  | { kind: 'reply'; text: string; options: ReplyOptions }
  | { kind: 'fail'; status: number; options: FailOptions }
  | { kind: 'hang'; options: HangOptions }
  | { kind: 'errorEvent'; message: string; code: string; status: number };

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: string;
}

interface FakeBase {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The API root to configure: `${url}/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly requests: FakeRequest[];
  /** The answer each request got (refusals of malformed requests included, as `fail`). */
  readonly served: FakeAnswer[];
  reply(text: string, options?: ReplyOptions): this;
  fail(status: number, options?: FailOptions): this;
  hang(options?: HangOptions): this;
  /** The answer when the queue is empty. */
  setDefault(answer: FakeAnswer): this;
  /** Programmed answers not used yet. */
  pending(): number;
  close(): Promise<void>;
}

export type FakeOpenAi = FakeBase;

export interface FakeDify extends FakeBase {
  readonly app: 'chat' | 'agent' | 'workflow';
  /** A streamed `error` event (status 200, then `event: error`); blocking mode answers it as an HTTP error. */
  errorEvent(message: string, options?: { code?: string; status?: number }): this;
  /** Conversation ids this app has handed out. */
  readonly conversations: Set<string>;
}

export interface FakeOptions {
  apiKey?: string;
}

const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function defaultUsage(text: string): FakeUsage {
  return { promptTokens: 10, completionTokens: Math.max(1, Math.ceil(text.length / 4)) };
}

function pieces(text: string, size = 4): string[] {
  const out: string[] = [];
  const chars = [...text];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out.length ? out : [''];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The machinery both fakes share: the server, the queue, the recorded requests, gates and delays, closing. */
abstract class FakeServer implements FakeBase {
  url = '';
  baseUrl = '';
  readonly requests: FakeRequest[] = [];
  readonly served: FakeAnswer[] = [];
  protected readonly queue: FakeAnswer[] = [];
  protected fallback: FakeAnswer = { kind: 'reply', text: 'fake answer', options: {} };
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly apiKey: string) {}

  reply(text: string, options: ReplyOptions = {}): this {
    this.queue.push({ kind: 'reply', text, options });
    return this;
  }
  fail(status: number, options: FailOptions = {}): this {
    this.queue.push({ kind: 'fail', status, options });
    return this;
  }
  hang(options: HangOptions = {}): this {
    this.queue.push({ kind: 'hang', options });
    return this;
  }
  setDefault(answer: FakeAnswer): this {
    this.fallback = answer;
    return this;
  }
  pending(): number {
    return this.queue.length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.baseUrl = `${this.url}/v1`;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  protected abstract handle(req: FakeRequest, res: ServerResponse): Promise<void>;
  protected abstract errorBody(status: number, message: string): unknown;

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += (chunk as Buffer).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0];
    const recorded: FakeRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, raw };
    this.requests.push(recorded);
    try {
      await this.handle(recorded, res);
    } catch (err) {
      if (!res.headersSent) this.json(res, 500, this.errorBody(500, String(err)));
      else res.destroy();
    }
  }

  /** The next programmed answer (or the default). */
  protected next(): FakeAnswer {
    const a = this.queue.shift() ?? this.fallback;
    this.served.push(a);
    return a;
  }

  /** A refusal of a malformed request (not taken from the queue). */
  protected refuse(res: ServerResponse, status: number, message: string, body?: unknown): void {
    this.served.push({ kind: 'fail', status, options: {} });
    this.json(res, status, body ?? this.errorBody(status, message));
  }

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  protected checkBearer(req: FakeRequest): boolean {
    return req.headers.authorization === `Bearer ${this.apiKey}`;
  }

  /** Waits for the answer's delay and gate. */
  protected async hold(options: { delayMs?: number; gate?: Gate }): Promise<void> {
    if (options.delayMs) await new Promise<void>((r) => this.timers.add(setTimeout(r, options.delayMs)));
    if (options.gate) await options.gate.pass();
  }

  protected async failWith(res: ServerResponse, a: Extract<FakeAnswer, { kind: 'fail' }>): Promise<void> {
    await this.hold(a.options);
    const headers: Record<string, string> = {};
    if (a.options.retryAfter !== undefined) headers['retry-after'] = String(a.options.retryAfter);
    this.json(res, a.status, a.options.body ?? this.errorBody(a.status, `fake failure ${a.status}`), headers);
  }

  protected sse(res: ServerResponse, data: unknown, event?: string): void {
    res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }
}

class FakeOpenAiServer extends FakeServer implements FakeOpenAi {
  protected errorBody(status: number, message: string): unknown {
    const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
    return { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } };
  }

  protected async handle(req: FakeRequest, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions')
      return this.refuse(res, 404, `Invalid URL (${req.method} ${req.path})`);
    if (!this.checkBearer(req)) return this.refuse(res, 401, 'Incorrect API key provided.');
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
      return this.refuse(res, 400, 'Content-Type must be application/json');
    const problem = checkChatBody(req.body);
    if (problem) return this.refuse(res, 400, problem);
    const body = req.body as Record<string, unknown>;
    const a = this.next();
    if (a.kind === 'hang') {
      if (a.options.midStream) {
        res.writeHead(200, sseHeaders);
        this.sse(res, chunk(String(body.model), { role: 'assistant', content: '' }));
      }
      return; // never answers (the socket is destroyed on close)
    }
    if (a.kind === 'fail' || a.kind === 'errorEvent')
      return this.failWith(res, a.kind === 'fail' ? a : { kind: 'fail', status: a.status, options: {} });
    await this.hold(a.options);
    const model = String(body.model);
    const usage = a.options.usage === undefined ? defaultUsage(a.text) : a.options.usage;
    const field = a.options.reasoningField ?? 'reasoning_content';
    const stream = a.options.stream ?? body.stream === true;
    const usageJson = usage && {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    };
    if (!stream) {
      const message: Record<string, unknown> = { role: 'assistant', content: a.text };
      if (a.options.reasoning !== undefined) message[field] = a.options.reasoning;
      return this.json(res, 200, {
        id: `chatcmpl-${randomUUID()}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message, finish_reason: 'stop', logprobs: null }],
        ...(usageJson ? { usage: usageJson } : {}),
      });
    }
    const id = `chatcmpl-${randomUUID()}`;
    res.writeHead(200, sseHeaders);
    this.sse(res, chunk(model, { role: 'assistant', content: '' }, id));
    if (a.options.reasoning !== undefined)
      for (const p of pieces(a.options.reasoning)) this.sse(res, chunk(model, { [field]: p }, id));
    for (const p of a.options.chunks ?? pieces(a.text)) this.sse(res, chunk(model, { content: p }, id));
    this.sse(res, chunk(model, {}, id, 'stop'));
    const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
    if (includeUsage && usageJson)
      this.sse(res, {
        id,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [],
        usage: usageJson,
      });
    this.sse(res, '[DONE]');
    res.end();
  }
}

function chunk(model: string, delta: Record<string, unknown>, id = 'chatcmpl-x', finish: string | null = null) {
  return {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** What OpenAI's Chat Completions refuses with a 400 (the parts a client of ours could get wrong). */
function checkChatBody(body: unknown): string | null {
  if (!isObject(body)) return 'We could not parse the JSON body of your request.';
  if (typeof body.model !== 'string' || !body.model) return 'you must provide a model parameter';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "'messages' must be a non-empty array";
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    if (!isObject(m) || typeof m.role !== 'string' || !ROLES.has(m.role)) return `messages[${i}].role is invalid`;
    if (typeof m.content !== 'string') return `messages[${i}].content must be a string`;
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return "'stream' must be a boolean";
  if (body.stream_options !== undefined && body.stream !== true)
    return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
  if (
    body.temperature !== undefined &&
    (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 2)
  )
    return "'temperature' must be a number between 0 and 2";
  if (body.max_tokens !== undefined && (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1))
    return "'max_tokens' must be a positive integer";
  if (body.user !== undefined && typeof body.user !== 'string') return "'user' must be a string";
  return null;
}

class FakeDifyServer extends FakeServer implements FakeDify {
  readonly conversations = new Set<string>();

  constructor(
    apiKey: string,
    readonly app: 'chat' | 'agent' | 'workflow',
  ) {
    super(apiKey);
  }

  errorEvent(message: string, options: { code?: string; status?: number } = {}): this {
    this.queue.push({
      kind: 'errorEvent',
      message,
      code: options.code ?? 'completion_request_error',
      status: options.status ?? 400,
    });
    return this;
  }

  protected errorBody(status: number, message: string): unknown {
    const code =
      status === 401
        ? 'unauthorized'
        : status === 404
          ? 'not_found'
          : status === 429
            ? 'too_many_requests'
            : status >= 500
              ? 'internal_server_error'
              : 'invalid_param';
    return { code, message, status };
  }

  protected async handle(req: FakeRequest, res: ServerResponse): Promise<void> {
    const chat = req.path === '/v1/chat-messages';
    const workflow = req.path === '/v1/workflows/run';
    if (req.method !== 'POST' || (!chat && !workflow))
      return this.refuse(res, 404, 'The requested URL was not found on the server.');
    if (!this.checkBearer(req)) return this.refuse(res, 401, 'Access token is invalid');
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
      return this.refuse(
        res,
        415,
        'Did not attempt to load JSON data because the request Content-Type was not application/json.',
      );
    const body = req.body as Record<string, unknown>;
    if (!isObject(body))
      return this.refuse(res, 400, 'The browser (or proxy) sent a request that this server could not understand.');
    if (chat && this.app === 'workflow')
      return this.refuse(res, 400, 'Please check if your app mode matches the right API route.', {
        code: 'not_chat_app',
        message: 'Please check if your app mode matches the right API route.',
        status: 400,
      });
    if (workflow && this.app !== 'workflow')
      return this.refuse(res, 400, 'Please check if your app mode matches the right API route.', {
        code: 'not_workflow_app',
        message: 'Please check if your app mode matches the right API route.',
        status: 400,
      });
    if (!isObject(body.inputs)) return this.refuse(res, 400, 'inputs is required in input form');
    if (typeof body.user !== 'string' || !body.user) return this.refuse(res, 400, 'user is required');
    if (body.response_mode !== 'streaming' && body.response_mode !== 'blocking')
      return this.refuse(res, 400, 'response_mode must be streaming or blocking');
    const streaming = body.response_mode === 'streaming';
    if (chat) {
      if (typeof body.query !== 'string' || !body.query) return this.refuse(res, 400, 'query is required');
      if (this.app === 'agent' && !streaming)
        return this.refuse(res, 400, 'Agent Chat App does not support blocking mode', {
          code: 'app_unavailable',
          message: 'Agent Chat App does not support blocking mode',
          status: 400,
        });
      const cid = body.conversation_id;
      if (cid !== undefined && cid !== null && typeof cid !== 'string')
        return this.refuse(res, 400, 'conversation_id must be a string');
      if (typeof cid === 'string' && cid && !this.conversations.has(cid))
        return this.refuse(res, 404, 'Conversation Not Exists.', {
          code: 'not_found',
          message: 'Conversation Not Exists.',
          status: 404,
        });
    }
    const a = this.next();
    if (a.kind === 'hang') {
      if (a.options.midStream && streaming) {
        res.writeHead(200, sseHeaders);
        res.write('event: ping\n\n');
      }
      return;
    }
    if (a.kind === 'fail') return this.failWith(res, a);
    const taskId = randomUUID();
    if (a.kind === 'errorEvent') {
      if (!streaming) return this.json(res, a.status, { code: a.code, message: a.message, status: a.status });
      res.writeHead(200, sseHeaders);
      res.write('event: ping\n\n');
      this.sse(res, {
        event: 'error',
        task_id: taskId,
        message_id: randomUUID(),
        status: a.status,
        code: a.code,
        message: a.message,
      });
      res.end();
      return;
    }
    await this.hold(a.options);
    const usage = a.options.usage === undefined ? defaultUsage(a.text) : a.options.usage;
    const usageJson = usage
      ? {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
          total_price: '0',
          currency: 'USD',
          latency: 0.01,
        }
      : undefined;
    const created = Math.floor(Date.now() / 1000);
    if (workflow) return this.runWorkflow(res, a, streaming, taskId, usageJson, created);
    const cid = a.options.conversationId ?? ((body.conversation_id as string) || randomUUID());
    this.conversations.add(cid);
    const messageId = randomUUID();
    const metadata = { usage: usageJson ?? {}, retriever_resources: [] };
    if (!streaming)
      return this.json(res, 200, {
        event: 'message',
        task_id: taskId,
        id: messageId,
        message_id: messageId,
        conversation_id: cid,
        mode: 'chat',
        answer: a.text,
        metadata,
        created_at: created,
      });
    res.writeHead(200, sseHeaders);
    res.write('event: ping\n\n');
    const event = this.app === 'agent' ? 'agent_message' : 'message';
    const common = { task_id: taskId, id: messageId, message_id: messageId, conversation_id: cid, created_at: created };
    if (this.app === 'agent')
      this.sse(res, {
        event: 'agent_thought',
        ...common,
        position: 1,
        thought: '',
        observation: '',
        tool: '',
        tool_input: '',
        message_files: [],
      });
    for (const p of a.options.chunks ?? pieces(a.text)) this.sse(res, { event, ...common, answer: p });
    this.sse(res, { event: 'message_end', ...common, metadata });
    res.end();
  }

  private runWorkflow(
    res: ServerResponse,
    a: Extract<FakeAnswer, { kind: 'reply' }>,
    streaming: boolean,
    taskId: string,
    usage: Record<string, unknown> | undefined,
    created: number,
  ): void {
    const runId = randomUUID();
    const outputs = a.options.outputs ?? { text: a.text };
    const data = {
      id: runId,
      workflow_id: 'fake-workflow',
      status: 'succeeded',
      outputs,
      error: null,
      elapsed_time: 0.01,
      total_tokens: usage ? (usage.total_tokens as number) : 0,
      total_steps: 3,
      created_at: created,
      finished_at: created,
    };
    if (!streaming) return this.json(res, 200, { workflow_run_id: runId, task_id: taskId, data });
    res.writeHead(200, sseHeaders);
    res.write('event: ping\n\n');
    const common = { task_id: taskId, workflow_run_id: runId };
    this.sse(res, {
      event: 'workflow_started',
      ...common,
      data: { id: runId, workflow_id: 'fake-workflow', sequence_number: 1, created_at: created },
    });
    this.sse(res, {
      event: 'node_started',
      ...common,
      data: { id: randomUUID(), node_id: 'llm', node_type: 'llm', title: 'LLM', index: 1, created_at: created },
    });
    for (const p of a.options.chunks ?? pieces(a.text))
      this.sse(res, { event: 'text_chunk', ...common, data: { text: p, from_variable_selector: ['llm', 'text'] } });
    this.sse(res, {
      event: 'node_finished',
      ...common,
      data: {
        id: randomUUID(),
        node_id: 'llm',
        node_type: 'llm',
        title: 'LLM',
        index: 1,
        status: 'succeeded',
        outputs: { text: a.text },
        created_at: created,
      },
    });
    this.sse(res, { event: 'workflow_finished', ...common, data });
    res.end();
  }
}

/** A fake OpenAI-compatible server: POST /v1/chat/completions (configure `baseUrl`, i.e. `${url}/v1`). */
export function startFakeOpenAi(options: FakeOptions = {}): Promise<FakeOpenAi> {
  return new FakeOpenAiServer(options.apiKey ?? 'sk-fake-openai-key').start();
}

/** A fake Dify app: POST /v1/chat-messages (chat, agent) or /v1/workflows/run (workflow). */
export function startFakeDify(options: FakeOptions & { app?: 'chat' | 'agent' | 'workflow' } = {}): Promise<FakeDify> {
  return new FakeDifyServer(options.apiKey ?? 'app-fake-dify-key', options.app ?? 'chat').start();
}
