import { Logger, type LoggerService } from '@nestjs/common';
import { createServer, type Server } from 'node:net';
import { AiClientService, parseRetryAfter } from '../../src/ai/ai.client';
import { AiBackendConfig, AiError, AiRequest } from '../../src/ai/ai.types';
import { MetricsService } from '../../src/metrics/metrics.service';
import { Gate, startFakeDify, startFakeOpenAi, type FakeDify, type FakeOpenAi } from '../support/fake-llm';
import { parsePrometheusText, sampleValue } from '../support/prom-text';

/**
 * The AI client against the fake OpenAI-compatible and Dify servers (real HTTP on 127.0.0.1): streams and JSON,
 * reasoning fields, usage, retries with Retry-After, the fallback model, timeouts, abort, Dify's three app kinds, the
 * outbound URL policy, the metrics and the logs.
 */
describe('AiClientService', () => {
  const logs: string[] = [];
  const capture =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      logs.push(`${level} ${String(message)} ${rest.map((r) => String(r)).join(' ')}`);
    };
  const logger: LoggerService = {
    log: capture('log'),
    error: capture('error'),
    warn: capture('warn'),
    debug: capture('debug'),
    verbose: capture('verbose'),
  };
  let openai: FakeOpenAi;
  let metrics: MetricsService;
  let ai: AiClientService;

  beforeAll(async () => {
    Logger.overrideLogger(logger);
    openai = await startFakeOpenAi({ apiKey: 'sk-secret-test-key-0123456789' });
  });
  afterAll(async () => {
    await openai.close();
    Logger.overrideLogger(false);
  });
  beforeEach(() => {
    metrics = new MetricsService('test');
    ai = new AiClientService(metrics);
    ai.backoff = { baseMs: 1 }; // attempts are asserted, not elapsed time
    openai.requests.length = 0;
    expect(openai.pending()).toBe(0); // a test that left answers behind would leak them into the next
  });

  const backend = (over: Partial<AiBackendConfig> = {}): AiBackendConfig => ({
    provider: 'openai',
    baseUrl: openai.baseUrl,
    apiKey: openai.apiKey,
    model: 'model-a',
    ...over,
  });
  const ask = (over: Partial<AiRequest> = {}): AiRequest => ({
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: '你好' },
    ],
    user: 'wxid_asker',
    purpose: 'chat',
    ...over,
  });
  const failure = async (p: Promise<unknown>): Promise<AiError> => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AiError);
    return e as AiError;
  };
  const scrape = async () => parsePrometheusText(await metrics.text());

  describe('OpenAI-compatible', () => {
    it('streams: content with its <think> block kept, reasoning_content apart, usage, and the request as the protocol says', async () => {
      openai.reply('<think>想一想</think>你好！', {
        reasoning: 'the user greets',
        usage: { promptTokens: 21, completionTokens: 9 },
      });
      const a = await ai.chat(backend({ temperature: 0.3, maxTokens: 200 }), ask());
      expect(a).toMatchObject({
        text: '<think>想一想</think>你好！',
        reasoning: 'the user greets',
        model: 'model-a',
        usage: { promptTokens: 21, completionTokens: 9, totalTokens: 30 },
        attempts: 1,
        streamed: true,
        conversationId: null,
      });
      expect(a.latencyMs).toBeGreaterThanOrEqual(0);
      const [req] = openai.requests;
      expect(req.path).toBe('/v1/chat/completions');
      expect(req.headers.authorization).toBe(`Bearer ${openai.apiKey}`);
      expect(req.body).toEqual({
        model: 'model-a',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: '你好' },
        ],
        temperature: 0.3,
        max_tokens: 200,
        user: 'wxid_asker',
        stream: true,
        stream_options: { include_usage: true },
      });
      const f = await scrape();
      expect(
        sampleValue(f, 'opengewe_ai_requests_total', {
          provider: 'openai',
          model: 'model-a',
          purpose: 'chat',
          outcome: 'ok',
        }),
      ).toBe(1);
      expect(sampleValue(f, 'opengewe_ai_tokens_total', { model: 'model-a', kind: 'prompt' })).toBe(21);
      expect(sampleValue(f, 'opengewe_ai_tokens_total', { model: 'model-a', kind: 'completion' })).toBe(9);
      expect(sampleValue(f, 'opengewe_ai_request_duration_seconds_count', { model: 'model-a' })).toBe(1);
    });

    it('reads the `reasoning` field too, and a stream without usage', async () => {
      openai.reply('answer', { reasoning: 'thoughts', reasoningField: 'reasoning', usage: null });
      const a = await ai.chat(backend(), ask());
      expect(a).toMatchObject({ text: 'answer', reasoning: 'thoughts', usage: null, streamed: true });
    });

    it('reads JSON when the server answers JSON to a stream request (no stream support)', async () => {
      openai.reply('plain', { stream: false, reasoning: 'r', usage: { promptTokens: 3, completionTokens: 1 } });
      const a = await ai.chat(backend(), ask());
      expect(openai.requests[0].body.stream).toBe(true);
      expect(a).toMatchObject({ text: 'plain', reasoning: 'r', streamed: false, usage: { totalTokens: 4 } });
    });

    it('asks for JSON with stream: false (no stream, no stream_options)', async () => {
      openai.reply('json please');
      const a = await ai.chat(backend({ stream: false }), ask());
      expect(openai.requests[0].body.stream).toBeUndefined();
      expect(openai.requests[0].body.stream_options).toBeUndefined();
      expect(a).toMatchObject({ text: 'json please', streamed: false, reasoning: null });
    });

    it('retries a 429 and 5xx honouring Retry-After (seconds and an HTTP date), then answers', async () => {
      openai.fail(429, { retryAfter: 0 }).fail(503, { retryAfter: new Date(Date.now() - 1000).toUTCString() });
      openai.reply('third time');
      const a = await ai.chat(backend(), ask());
      expect(a).toMatchObject({ text: 'third time', attempts: 3, model: 'model-a' });
      expect(openai.requests).toHaveLength(3);
    });

    it('gives up after 1 + retries attempts with the last error (AI_RATE_LIMITED, status 429)', async () => {
      openai.fail(500).fail(502).fail(429, { retryAfter: 0 });
      const e = await failure(ai.chat(backend(), ask()));
      expect(e).toMatchObject({ code: 'AI_RATE_LIMITED', status: 429, attempts: 3, model: 'model-a' });
      expect(openai.requests).toHaveLength(3);
      const f = await scrape();
      expect(
        sampleValue(f, 'opengewe_ai_requests_total', {
          provider: 'openai',
          model: 'model-a',
          purpose: 'chat',
          outcome: 'AI_RATE_LIMITED',
        }),
      ).toBe(1);
    });

    it('honours retries: 0 (and a retries that is not a number)', async () => {
      openai.fail(500);
      const e = await failure(ai.chat(backend({ retries: 0 }), ask()));
      expect(e).toMatchObject({ code: 'AI_HTTP_ERROR', status: 500, attempts: 1 });
      openai.fail(500);
      const { chat } = ai; // as a plugin may take it from ctx.ai
      const nan = await failure(chat(backend({ retries: Number('two') }), ask()));
      expect(nan).toMatchObject({ code: 'AI_HTTP_ERROR', attempts: 1 });
    });

    it('does not retry a 400, and names the server message', async () => {
      openai.fail(400, { body: { error: { message: 'context length exceeded', type: 'invalid_request_error' } } });
      const e = await failure(ai.chat(backend(), ask()));
      expect(e).toMatchObject({ code: 'AI_HTTP_ERROR', status: 400, attempts: 1 });
      expect(e.message).toContain('context length exceeded');
      expect(openai.requests).toHaveLength(1);
    });

    it('answers with the fallback model when all attempts of the model failed', async () => {
      openai.fail(503).fail(503).fail(503).reply('from b');
      const a = await ai.chat(backend({ fallbackModel: 'model-b' }), ask());
      expect(a).toMatchObject({ text: 'from b', model: 'model-b', attempts: 4 });
      expect(openai.requests.map((r) => r.body.model)).toEqual(['model-a', 'model-a', 'model-a', 'model-b']);
      const f = await scrape();
      expect(
        sampleValue(f, 'opengewe_ai_requests_total', {
          provider: 'openai',
          model: 'model-b',
          purpose: 'chat',
          outcome: 'ok',
        }),
      ).toBe(1);
    });

    it('tries the fallback model once only, and not after a refused key', async () => {
      openai.fail(404).fail(500);
      const e = await failure(ai.chat(backend({ fallbackModel: 'model-b' }), ask()));
      expect(e).toMatchObject({ code: 'AI_HTTP_ERROR', status: 500, attempts: 2, model: 'model-b' });
      const wrongKey = await failure(ai.chat(backend({ apiKey: 'sk-wrong-key', fallbackModel: 'model-b' }), ask()));
      expect(wrongKey).toMatchObject({ code: 'AI_HTTP_ERROR', status: 401, attempts: 1, model: 'model-a' });
      expect(openai.requests).toHaveLength(3);
    });

    it('times out an attempt that hangs (AI_TIMEOUT), retries it, and answers', async () => {
      openai.hang().hang({ midStream: true }).reply('at last');
      const a = await ai.chat(backend({ timeoutMs: 200 }), ask());
      expect(a).toMatchObject({ text: 'at last', attempts: 3 });
    });

    it('fails with AI_TIMEOUT when every attempt hangs', async () => {
      openai.hang().hang();
      const e = await failure(ai.chat(backend({ timeoutMs: 150, retries: 1 }), ask()));
      expect(e).toMatchObject({ code: 'AI_TIMEOUT', attempts: 2, status: null });
    });

    it('aborts a call in flight through request.signal (AI_ABORTED, no retry, no fallback)', async () => {
      const gate = new Gate();
      openai.reply('too late', { gate });
      const ctl = new AbortController();
      const call = ai.chat(backend({ fallbackModel: 'model-b' }), ask({ signal: ctl.signal }));
      await gate.reached;
      ctl.abort();
      const e = await failure(call);
      expect(e).toMatchObject({ code: 'AI_ABORTED', attempts: 1 });
      gate.open();
      expect(openai.requests).toHaveLength(1);
      const already = await failure(ai.chat(backend(), ask({ signal: AbortSignal.abort() })));
      expect(already.code).toBe('AI_ABORTED');
      expect(openai.requests).toHaveLength(1);
    });

    it('holds an answer at a gate until the test opens it (one request in flight)', async () => {
      const gate = new Gate();
      openai.reply('released', { gate });
      const call = ai.chat(backend(), ask());
      await gate.reached;
      expect(gate.held).toBe(1);
      gate.open();
      await expect(call).resolves.toMatchObject({ text: 'released' });
    });

    it('retries a stream that breaks off, and a proxy error page; does not retry an answer it cannot read', async () => {
      openai.cut().raw(502, '<html>Bad Gateway</html>').reply('whole');
      await expect(ai.chat(backend(), ask())).resolves.toMatchObject({ text: 'whole', attempts: 3 });
      openai.cut().cut();
      const e = await failure(ai.chat(backend({ retries: 1 }), ask()));
      expect(e).toMatchObject({ code: 'AI_NETWORK_ERROR', attempts: 2 });
      openai.raw(200, '<html>a captive portal</html>');
      const html = await failure(ai.chat(backend(), ask()));
      expect(html).toMatchObject({ code: 'AI_BAD_RESPONSE', attempts: 1 });
      openai.raw(200, 'data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: not json\n\n', {
        'content-type': 'text/event-stream',
      });
      expect((await failure(ai.chat(backend(), ask()))).code).toBe('AI_BAD_RESPONSE');
      openai.raw(200, JSON.stringify({ choices: [] }), { 'content-type': 'application/json' });
      expect((await failure(ai.chat(backend(), ask()))).code).toBe('AI_BAD_RESPONSE');
    });

    it('gives a default answer when the queue is empty', async () => {
      await expect(ai.chat(backend(), ask())).resolves.toMatchObject({ text: 'fake answer' });
    });

    it('refuses a link-local or metadata baseUrl without a connection (AI_URL_REFUSED), and missing settings', async () => {
      const e = await failure(ai.chat(backend({ baseUrl: 'http://169.254.169.254/v1' }), ask()));
      expect(e).toMatchObject({ code: 'AI_URL_REFUSED', attempts: 0 });
      const name = await failure(ai.chat(backend({ baseUrl: 'http://metadata.google.internal/v1' }), ask()));
      expect(name.code).toBe('AI_URL_REFUSED');
      for (const over of [
        { baseUrl: '' },
        { apiKey: '' },
        { model: '' },
        { baseUrl: 'ftp://x/v1' },
        { baseUrl: 'nope' },
      ])
        expect((await failure(ai.chat(backend(over), ask()))).code).toBe('AI_NOT_CONFIGURED');
      expect((await failure(ai.chat(backend(), ask({ messages: [] })))).code).toBe('AI_BAD_REQUEST');
      expect(openai.requests).toHaveLength(0);
    });

    it('retries a connection refused as AI_NETWORK_ERROR', async () => {
      const server: Server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      await new Promise((r) => server.close(r));
      const e = await failure(ai.chat(backend({ baseUrl: `http://127.0.0.1:${port}/v1`, retries: 1 }), ask()));
      expect(e).toMatchObject({ code: 'AI_NETWORK_ERROR', attempts: 2 });
    });

    it('never writes the apiKey to the logs, and logs one debug line per call', async () => {
      logs.length = 0;
      openai.reply('ok');
      await ai.chat(backend(), ask());
      await failure(ai.chat(backend({ apiKey: 'sk-another-secret-key-42' }), ask()));
      openai.fail(500, { body: { error: { message: `bad key ${openai.apiKey}` } } });
      const echoed = await failure(ai.chat(backend({ retries: 0 }), ask()));
      expect(echoed.message).not.toContain(openai.apiKey);
      expect(logs.filter((l) => l.startsWith('debug'))).toHaveLength(3);
      expect(logs.join('\n')).not.toContain(openai.apiKey);
      expect(logs.join('\n')).not.toContain('sk-another-secret-key-42');
    });
  });

  describe('Dify', () => {
    let chat: FakeDify;
    let agent: FakeDify;
    let workflow: FakeDify;
    beforeAll(async () => {
      [chat, agent, workflow] = await Promise.all([
        startFakeDify({ app: 'chat' }),
        startFakeDify({ app: 'agent' }),
        startFakeDify({ app: 'workflow' }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([chat.close(), agent.close(), workflow.close()]);
    });
    const dify = (fake: FakeDify, over: Partial<AiBackendConfig> = {}): AiBackendConfig => ({
      provider: 'dify',
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      difyApp: fake.app,
      ...over,
    });

    it('chat app: streams, round-trips the conversation id, sends the system message as inputs.system_prompt', async () => {
      chat.reply('first', { usage: { promptTokens: 5, completionTokens: 2 } }).reply('second');
      const a = await ai.chat(dify(chat), ask({ inputs: { lang: 'zh' } }));
      expect(a).toMatchObject({
        text: 'first',
        model: 'dify',
        streamed: true,
        usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7 },
      });
      expect(a.conversationId).toEqual(expect.any(String));
      expect(chat.requests[0].path).toBe('/v1/chat-messages');
      expect(chat.requests[0].body).toEqual({
        inputs: { lang: 'zh', system_prompt: 'be brief' },
        query: '你好',
        response_mode: 'streaming',
        conversation_id: '',
        user: 'wxid_asker',
      });
      const b = await ai.chat(dify(chat), ask({ conversationId: a.conversationId }));
      expect(chat.requests[1].body.conversation_id).toBe(a.conversationId);
      expect(b).toMatchObject({ text: 'second', conversationId: a.conversationId });
      const f = await scrape();
      expect(
        sampleValue(f, 'opengewe_ai_requests_total', {
          provider: 'dify',
          model: 'dify',
          purpose: 'chat',
          outcome: 'ok',
        }),
      ).toBe(2);
    });

    it('chat app: blocking when stream is false; an unknown conversation is a 404, not retried', async () => {
      chat.reply('blocked', { usage: { promptTokens: 1, completionTokens: 1 } });
      const a = await ai.chat(dify(chat, { stream: false, model: 'my-dify-app' }), ask());
      expect(chat.requests.at(-1)!.body.response_mode).toBe('blocking');
      expect(a).toMatchObject({ text: 'blocked', streamed: false, model: 'my-dify-app', usage: { totalTokens: 2 } });
      expect(a.conversationId).toEqual(expect.any(String));
      const before = chat.requests.length;
      const e = await failure(ai.chat(dify(chat), ask({ conversationId: 'no-such-conversation' })));
      expect(e).toMatchObject({ code: 'AI_HTTP_ERROR', status: 404, attempts: 1 });
      expect(chat.requests.length - before).toBe(1);
    });

    it('agent app: always streams, and reads agent_message chunks', async () => {
      agent.reply('agent says hi');
      const a = await ai.chat(dify(agent, { stream: false }), ask());
      expect(agent.requests[0].body.response_mode).toBe('streaming');
      expect(a).toMatchObject({ text: 'agent says hi', streamed: true });
      expect(a.conversationId).toEqual(expect.any(String));
    });

    it('workflow app: inputs.query, the text output of workflow_finished, and blocking data.outputs', async () => {
      workflow.reply('summary', { outputs: { result: 'the summary', count: 3 } });
      const a = await ai.chat(dify(workflow), ask({ user: undefined }));
      expect(workflow.requests[0].path).toBe('/v1/workflows/run');
      expect(workflow.requests[0].body).toEqual({
        inputs: { system_prompt: 'be brief', query: '你好' },
        response_mode: 'streaming',
        user: 'opengewe',
      });
      expect(a).toMatchObject({ text: 'the summary', streamed: true, conversationId: null });
      workflow.reply('x', { outputs: { answer: 'blocking answer' } });
      const b = await ai.chat(dify(workflow, { stream: false }), ask());
      expect(workflow.requests[1].body.response_mode).toBe('blocking');
      expect(b).toMatchObject({ text: 'blocking answer', streamed: false });
      workflow.reply('plain text output');
      await expect(ai.chat(dify(workflow), ask())).resolves.toMatchObject({ text: 'plain text output' });
    });

    it('reads an error event as an AI error with its status, and retries a 5xx one', async () => {
      chat.errorEvent('quota exceeded', { code: 'provider_quota_exceeded', status: 400 });
      const e = await failure(ai.chat(dify(chat), ask()));
      expect(e).toMatchObject({ code: 'AI_HTTP_ERROR', status: 400, attempts: 1 });
      expect(e.message).toContain('provider_quota_exceeded');
      chat.errorEvent('model overloaded', { status: 503 }).reply('recovered');
      await expect(ai.chat(dify(chat), ask())).resolves.toMatchObject({ text: 'recovered', attempts: 2 });
      chat.fail(429, { retryAfter: 0 }).reply('after the limit');
      await expect(ai.chat(dify(chat), ask())).resolves.toMatchObject({ text: 'after the limit', attempts: 2 });
    });

    it('needs a user message, and a chat app refuses the workflow route (and back)', async () => {
      expect((await failure(ai.chat(dify(chat), ask({ messages: [{ role: 'system', content: 's' }] })))).code).toBe(
        'AI_BAD_REQUEST',
      );
      const e = await failure(ai.chat(dify(chat, { difyApp: 'workflow' }), ask()));
      expect(e).toMatchObject({ code: 'AI_HTTP_ERROR', status: 400 });
      expect(e.message).toContain('not_workflow_app');
    });

    it('retries a Dify stream that breaks off before message_end', async () => {
      chat.cut().reply('complete');
      await expect(ai.chat(dify(chat), ask())).resolves.toMatchObject({ text: 'complete', attempts: 2 });
    });

    it('times out a hanging Dify app', async () => {
      chat.hang({ midStream: true });
      const e = await failure(ai.chat(dify(chat, { timeoutMs: 150, retries: 0 }), ask()));
      expect(e.code).toBe('AI_TIMEOUT');
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter(new Date(now + 7000).toUTCString(), now)).toBe(7000);
    expect(parseRetryAfter(new Date(now - 7000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
