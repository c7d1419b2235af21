import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointLabel, GEWE_ENDPOINTS } from '../../src/metrics/gewe-endpoints';
import { AI_MODEL_LABELS_MAX, MetricsService } from '../../src/metrics/metrics.service';
import { parsePrometheusText, PromParseError, sampleValue } from '../support/prom-text';

const HEAD = '# HELP m_total help\n# TYPE m_total counter\n';

describe('the strict Prometheus text parser', () => {
  it('parses a well-formed exposition with escapes, an empty family, a histogram and special values', () => {
    const text =
      HEAD +
      'm_total{a="x\\"y\\\\z\\n",b="2"} 3\n\n' +
      '# HELP g a gauge\n# TYPE g gauge\ng NaN\n' +
      '# HELP e nothing yet\n# TYPE e counter\n' +
      '# HELP h a histogram\n# TYPE h histogram\n' +
      'h_bucket{le="0.1"} 1\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 2\nh_sum 0.6\nh_count 2\n';
    // "e" is a counter not named _total: refused
    expect(() => parsePrometheusText(text)).toThrow('counter e should be named *_total');
    const ok = parsePrometheusText(text.replace(/\be\b/g, 'e_total'));
    expect(sampleValue(ok, 'm_total', { a: 'x"y\\z\n' })).toBe(3);
    expect(sampleValue(ok, 'g')).toBeNaN();
    expect(ok.get('h')?.samples).toHaveLength(5);
  });

  it.each([
    ['no trailing newline', HEAD + 'm_total 1'],
    ['a bad metric name', HEAD + '1m_total 1\n'],
    ['a bad label name', HEAD + 'm_total{1a="x"} 1\n'],
    ['a reserved label name', HEAD + 'm_total{__a="x"} 1\n'],
    ['a bad escape', HEAD + 'm_total{a="\\t"} 1\n'],
    ['an unterminated label value', HEAD + 'm_total{a="x} 1\n'],
    ['a label given twice', HEAD + 'm_total{a="x",a="y"} 1\n'],
    ['a bad value', HEAD + 'm_total 1,5\n'],
    ['a negative counter', HEAD + 'm_total -1\n'],
    ['a duplicate series', HEAD + 'm_total{a="1"} 1\nm_total{a="1"} 2\n'],
    ['a second TYPE', HEAD + '# TYPE m_total counter\nm_total 1\n'],
    ['TYPE after samples', '# HELP m_total h\nm_total 1\n# TYPE m_total counter\n'],
    ['no HELP', '# TYPE m_total counter\nm_total 1\n'],
    ['no TYPE', '# HELP m_total h\nm_total 1\n'],
    ['a family split in two blocks', HEAD + 'm_total 1\n# HELP g h\n# TYPE g gauge\ng 1\nm_total{a="b"} 1\n'],
    ['an unknown type', '# HELP m h\n# TYPE m meter\nm 1\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow(PromParseError);
  });

  const histogram = (lines: string) => `# HELP h h\n# TYPE h histogram\n${lines}`;
  it.each([
    ['no +Inf bucket', 'h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['decreasing counts', 'h_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'],
    ['le not ascending', 'h_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['_count unlike +Inf', 'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
    ['no _sum', 'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_count 1\n'],
    ['a bucket without le', 'h_bucket 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
  ])('refuses a histogram with %s', (_, lines) => {
    expect(() => parsePrometheusText(histogram(lines))).toThrow(PromParseError);
  });
});

describe('MetricsService', () => {
  it('renders everything it records in a format the strict parser accepts, with bounded labels', async () => {
    const m = new MetricsService('host:1:abcdef01');
    m.webhookCallback(3, 'accepted', 0.002);
    m.webhookCallback(3, 'duplicate', 0.001);
    m.webhookRejected('WEBHOOK_KEY_INVALID');
    m.webhookRejected('SOMETHING_NEW');
    m.callbackProcessed(3, 'text', 'handled', Date.now() - 120);
    m.callbackProcessed(3, 'not-a-kind', 'error');
    m.pluginHandler('Weird "name"\\', 'timeout', 10_000);
    m.pluginAutoDisabled('Weird "name"\\');
    m.send(3, false);
    m.governorWaited(1500);
    m.geweCall('/message/postText', 80, 'ok');
    m.geweCall('/some/pluginPath?x=1', 30, 'transport_error');
    const f = parsePrometheusText(await m.text());
    expect(sampleValue(f, 'opengewe_webhook_callbacks_total', { robot: '3', result: 'accepted' })).toBe(1);
    expect(sampleValue(f, 'opengewe_webhook_rejected_total', { reason: 'webhook_key_invalid' })).toBe(1);
    expect(sampleValue(f, 'opengewe_webhook_rejected_total', { reason: 'other' })).toBe(1);
    expect(sampleValue(f, 'opengewe_callbacks_processed_total', { kind: 'unknown', result: 'error' })).toBe(1);
    expect(sampleValue(f, 'opengewe_callback_end_to_end_seconds_count')).toBe(1);
    expect(sampleValue(f, 'opengewe_plugin_handler_calls_total', { plugin: 'Weird "name"\\', result: 'timeout' })).toBe(
      1,
    );
    expect(sampleValue(f, 'opengewe_sends_total', { robot: '3', result: 'error' })).toBe(1);
    expect(sampleValue(f, 'opengewe_send_governor_delay_seconds_sum')).toBe(1.5);
    expect(sampleValue(f, 'opengewe_gewe_request_errors_total', { endpoint: 'other', type: 'transport_error' })).toBe(
      1,
    );
    for (const fam of f.values()) for (const s of fam.samples) expect(s.labels.instance_id).toBe('host:1:abcdef01');
  });

  it('records AI calls with bounded labels: purposes, outcomes and providers from a list, at most N models', async () => {
    const m = new MetricsService('i');
    m.aiCall({
      provider: 'openai',
      model: 'gpt-4o-mini',
      purpose: 'chat',
      outcome: 'ok',
      durationMs: 1200,
      promptTokens: 12,
      completionTokens: 30,
    });
    m.aiCall({ provider: 'openai', model: 'gpt-4o-mini', purpose: 'chat', outcome: 'AI_TIMEOUT', durationMs: 60_000 });
    m.aiCall({
      provider: 'weird',
      model: 'x'.repeat(200),
      purpose: 'something-else',
      outcome: 'NOT_A_CODE',
      durationMs: 5,
    });
    for (let i = 0; i < AI_MODEL_LABELS_MAX + 5; i++)
      m.aiCall({ provider: 'dify', model: `model-${i}`, purpose: 'digest', outcome: 'ok', durationMs: 1 });
    const f = parsePrometheusText(await m.text());
    expect(
      sampleValue(f, 'opengewe_ai_requests_total', {
        provider: 'openai',
        model: 'gpt-4o-mini',
        purpose: 'chat',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      sampleValue(f, 'opengewe_ai_requests_total', {
        provider: 'openai',
        model: 'gpt-4o-mini',
        purpose: 'chat',
        outcome: 'AI_TIMEOUT',
      }),
    ).toBe(1);
    expect(
      sampleValue(f, 'opengewe_ai_requests_total', {
        provider: 'other',
        model: 'x'.repeat(64),
        purpose: 'other',
        outcome: 'other',
      }),
    ).toBe(1);
    expect(sampleValue(f, 'opengewe_ai_tokens_total', { model: 'gpt-4o-mini', kind: 'prompt' })).toBe(12);
    expect(sampleValue(f, 'opengewe_ai_tokens_total', { model: 'gpt-4o-mini', kind: 'completion' })).toBe(30);
    expect(sampleValue(f, 'opengewe_ai_request_duration_seconds_sum', { model: 'gpt-4o-mini' })).toBe(61.2);
    const models = new Set(f.get('opengewe_ai_requests_total')!.samples.map((s) => s.labels.model));
    expect(models.size).toBe(AI_MODEL_LABELS_MAX + 1); // the first N, and other
    expect(models.has('other')).toBe(true);
    expect(
      sampleValue(f, 'opengewe_ai_requests_total', {
        provider: 'dify',
        model: 'other',
        purpose: 'digest',
        outcome: 'ok',
      }),
    ).toBe(7);
  });

  it('keeps the Gewe calls and failures of the last hour per minute', () => {
    const m = new MetricsService('i');
    let now = Date.UTC(2025, 0, 1, 10, 0, 30);
    m.now = () => now;
    m.geweCall('/login/checkOnline', 5, 'ok');
    m.geweCall('/login/checkOnline', 5, 'api_error');
    now += 60_000;
    m.geweCall('/login/checkOnline', 5, 'transport_error');
    expect(m.geweCallWindow().map((b) => [b.calls, b.errors])).toEqual([
      [2, 1],
      [1, 1],
    ]);
    now += 60 * 60_000;
    expect(m.geweCallWindow()).toEqual([]);
    m.geweCall('/login/checkOnline', 5, 'ok');
    expect(m.geweCallWindow()).toHaveLength(1);
  });
});

describe('GEWE_ENDPOINTS', () => {
  it('lists every path the typed Gewe client calls, so none of them is labelled other', () => {
    const dir = join(__dirname, '../../src/gewe/modules');
    const used = new Set<string>();
    for (const f of readdirSync(dir))
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/'(\/[a-z]+\/[A-Za-z0-9]+)'/g)) used.add(m[1]);
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((e) => endpointLabel(e) === 'other')).toEqual([]);
    expect(new Set(GEWE_ENDPOINTS).size).toBe(GEWE_ENDPOINTS.length);
    expect(endpointLabel('/login/checkOnline')).toBe('/login/checkOnline');
    expect(endpointLabel('/anything/else')).toBe('other');
  });
});
