import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EVENT_KINDS } from '../callback/events';
import { INSTANCE_ID } from '../common/instance-id';
import { PACKAGE } from '../common/package-info';
import { endpointLabel } from './gewe-endpoints';

/** What became of a callback at the webhook. */
export type WebhookResult = 'accepted' | 'duplicate';
/** What became of a callback in the processor. */
export type ProcessResult = 'handled' | 'duplicate' | 'interrupted' | 'error';
export type HandlerResult = 'ok' | 'error' | 'timeout';
export type GeweOutcome = 'ok' | 'api_error' | 'transport_error';

/** One call of an AI backend (src/ai), as the client reports it. */
export interface AiCallRecord {
  /** openai or dify. */
  provider: string;
  /** The model that answered (or was tried last). */
  model: string;
  /** Which plugin feature asked: chat, digest… (other for anything not in AI_PURPOSES). */
  purpose?: string;
  /** ok, or the AiError code. */
  outcome: string;
  durationMs: number;
  promptTokens?: number;
  completionTokens?: number;
}

/** Label values of the AI metrics that are kept as they are; anything else is `other`. */
const AI_PROVIDERS = new Set(['openai', 'dify']);
export const AI_PURPOSES: readonly string[] = ['chat', 'digest', 'test'];
const AI_OUTCOMES = new Set([
  'ok',
  'AI_TIMEOUT',
  'AI_RATE_LIMITED',
  'AI_HTTP_ERROR',
  'AI_NETWORK_ERROR',
  'AI_BAD_RESPONSE',
  'AI_URL_REFUSED',
  'AI_NOT_CONFIGURED',
  'AI_ABORTED',
  'AI_BAD_REQUEST',
]);
/**
 * Model names are the operator's config (possibly per chat): at most this many distinct ones get a series of their
 * own, each cut to AI_MODEL_MAX_LENGTH characters; the rest are `other`.
 */
export const AI_MODEL_LABELS_MAX = 32;
const AI_MODEL_MAX_LENGTH = 64;

/**
 * Error codes of the webhook that are counted by name (for its one 401, the reason: WebhookRefusal); anything else is
 * `other` (bounded label values).
 */
const REJECT_REASONS = new Set([
  'WEBHOOK_KEY_MISSING',
  'WEBHOOK_KEY_INVALID',
  'EMPTY_BODY',
  'MALFORMED_JSON',
  'JSON_TOO_DEEP',
  'FORBIDDEN_JSON_KEY',
  'MALFORMED_CALLBACK',
  'APPID_MISSING',
  'UNKNOWN_APPID',
  'UNKNOWN_TOKEN',
  'CALLBACK_TOO_LARGE',
  'QUEUE_UNAVAILABLE',
]);
const KINDS = new Set<string>(EVENT_KINDS);

/** Calls and failures of one minute, for the Gewe error-rate alert. */
export interface CallBucket {
  minute: number;
  calls: number;
  errors: number;
}
const WINDOW_MINUTES = 60;

/**
 * The service's own metrics, recorded where things happen and scraped at GET /metrics. Every recording method is
 * synchronous and does no I/O (a counter or histogram update in memory), so the callback hot path stays cheap; values
 * that need a query (queue depth, robots by status) are read on scrape by MetricsScrapeService instead.
 *
 * Labels are bounded: `robot` is the robot's numeric id (never a wxid), `kind` one of the event kinds, `endpoint` one
 * of GEWE_ENDPOINTS or `other`, `plugin` a plugin's name (one per folder). Each application instance has its own
 * registry (tests run several in one process), labelled with `instance_id`.
 */
@Injectable()
export class MetricsService {
  /** This instance's metrics: counters, histograms, process metrics; every series has `instance_id`. */
  readonly registry = new Registry();

  private readonly webhookCallbacks: Counter<'robot' | 'result'>;
  private readonly rejected: Counter<'reason'>;
  private readonly acceptDuration: Histogram;
  private readonly processed: Counter<'robot' | 'kind' | 'result'>;
  private readonly endToEnd: Histogram;
  private readonly handlerDuration: Histogram<'plugin'>;
  private readonly handlerCalls: Counter<'plugin' | 'result'>;
  private readonly autoDisabled: Counter<'plugin'>;
  private readonly sends: Counter<'robot' | 'result'>;
  private readonly governorDelay: Histogram;
  private readonly geweDuration: Histogram<'endpoint'>;
  private readonly geweErrors: Counter<'endpoint' | 'type'>;
  private readonly alertNotifications: Counter<'channel' | 'result'>;
  private readonly onebotRefused: Counter<'reason'>;
  private readonly aiRequests: Counter<'provider' | 'model' | 'purpose' | 'outcome'>;
  private readonly aiTokens: Counter<'model' | 'kind'>;
  private readonly aiDuration: Histogram<'model'>;
  private readonly aiModels = new Set<string>();
  /** Filled on scrape (see MetricsScrapeService). */
  readonly governorQueued: Gauge<'robot'>;
  readonly collectorUp: Gauge<'collector'>;

  private readonly geweWindow: CallBucket[] = [];
  /** The clock of the Gewe call window (replaceable in tests). */
  now: () => number = Date.now;

  constructor(@Inject(INSTANCE_ID) instanceId: string) {
    const r = this.registry;
    r.setDefaultLabels({ instance_id: instanceId });
    collectDefaultMetrics({ register: r });
    new Gauge({
      name: 'opengewe_info',
      help: 'Always 1; the version of the service in a label.',
      labelNames: ['version'],
      registers: [r],
    }).set({ version: PACKAGE.version }, 1);

    this.webhookCallbacks = new Counter({
      name: 'opengewe_webhook_callbacks_total',
      help: 'Callbacks stored by the webhook (accepted), or dropped as a repeat of one still queued (duplicate).',
      labelNames: ['robot', 'result'],
      registers: [r],
    });
    this.rejected = new Counter({
      name: 'opengewe_webhook_rejected_total',
      help: 'Callbacks the webhook refused, by error code in lowercase (other for any other code). Bodies over backend.webhook_body_limit are refused before and not counted.',
      labelNames: ['reason'],
      registers: [r],
    });
    this.acceptDuration = new Histogram({
      name: 'opengewe_webhook_accept_duration_seconds',
      help: 'Time the webhook took to parse, check and durably store a callback it accepted.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [r],
    });
    this.processed = new Counter({
      name: 'opengewe_callbacks_processed_total',
      help: 'Callbacks the processor finished: handled (plugins ran), duplicate (already in the message log), interrupted (a crash cut its dispatch), error (to be retried, or failed).',
      labelNames: ['robot', 'kind', 'result'],
      registers: [r],
    });
    this.endToEnd = new Histogram({
      name: 'opengewe_callback_end_to_end_seconds',
      help: 'From the webhook accepting a callback to the processor having handled it (plugins ran, results saved).',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [r],
    });
    this.handlerDuration = new Histogram({
      name: 'opengewe_plugin_handler_duration_seconds',
      help: 'Duration of plugin handler calls (a timed-out call counts as the timeout).',
      labelNames: ['plugin'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    this.handlerCalls = new Counter({
      name: 'opengewe_plugin_handler_calls_total',
      help: 'Plugin handler calls by result: ok (also a handler that stopped the chain), error (threw), timeout.',
      labelNames: ['plugin', 'result'],
      registers: [r],
    });
    this.autoDisabled = new Counter({
      name: 'opengewe_plugin_auto_disabled_total',
      help: 'Times a plugin was disabled automatically after max_consecutive_failures.',
      labelNames: ['plugin'],
      registers: [r],
    });
    this.sends = new Counter({
      name: 'opengewe_sends_total',
      help: 'Sends through the send governor (texts, media, forwards, revokes) by robot and result.',
      labelNames: ['robot', 'result'],
      registers: [r],
    });
    this.governorDelay = new Histogram({
      name: 'opengewe_send_governor_delay_seconds',
      help: 'How long a send waited for its turn in the send governor (rate limit and jitter).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [r],
    });
    this.governorQueued = new Gauge({
      name: 'opengewe_send_governor_queued',
      help: 'Sends waiting or running in the send governor of this instance, by robot.',
      labelNames: ['robot'],
      registers: [r],
    });
    this.geweDuration = new Histogram({
      name: 'opengewe_gewe_request_duration_seconds',
      help: 'Gewe API calls by endpoint: duration of every call, successful or not.',
      labelNames: ['endpoint'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    this.geweErrors = new Counter({
      name: 'opengewe_gewe_request_errors_total',
      help: 'Gewe API calls that failed, by endpoint and type: api_error (ret != 200) or transport_error (timeout, unreachable, bad answer).',
      labelNames: ['endpoint', 'type'],
      registers: [r],
    });
    this.alertNotifications = new Counter({
      name: 'opengewe_alert_notifications_total',
      help: 'Alert notifications sent by this instance (one per channel target per batch), by channel and result.',
      labelNames: ['channel', 'result'],
      registers: [r],
    });
    this.onebotRefused = new Counter({
      name: 'opengewe_onebot_auth_refused_total',
      help: 'OneBot handshakes and HTTP API calls refused, by reason: missing (no token), invalid (wrong, expired or revoked), scope (no onebot scope), robot (limited to other robots).',
      labelNames: ['reason'],
      registers: [r],
    });
    this.aiRequests = new Counter({
      name: 'opengewe_ai_requests_total',
      help: 'Calls of AI backends by plugins (ctx.ai), by provider, model, purpose and outcome (ok or the error code); retries and the fallback model are inside one call.',
      labelNames: ['provider', 'model', 'purpose', 'outcome'],
      registers: [r],
    });
    this.aiTokens = new Counter({
      name: 'opengewe_ai_tokens_total',
      help: 'Tokens AI backends reported as used, by model and kind (prompt or completion).',
      labelNames: ['model', 'kind'],
      registers: [r],
    });
    this.aiDuration = new Histogram({
      name: 'opengewe_ai_request_duration_seconds',
      help: 'Duration of AI backend calls by model, from the request to the last byte, retries included.',
      labelNames: ['model'],
      buckets: [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
      registers: [r],
    });
    this.collectorUp = new Gauge({
      name: 'opengewe_metrics_collector_up',
      help: '1 when the last scrape could read this shared source (queue, robots, alerts), 0 when it failed.',
      labelNames: ['collector'],
      registers: [r],
    });
  }

  /** This instance's metrics in the text format. */
  async text(): Promise<string> {
    return normalizeNaN(await this.registry.metrics());
  }

  webhookCallback(robotId: number, result: WebhookResult, seconds: number): void {
    this.webhookCallbacks.inc({ robot: String(robotId), result });
    if (result === 'accepted') this.acceptDuration.observe(seconds);
  }

  webhookRejected(code: string): void {
    this.rejected.inc({ reason: REJECT_REASONS.has(code) ? code.toLowerCase() : 'other' });
  }

  /** `acceptedAt`: when the webhook accepted the callback (ms since the epoch); observed for handled callbacks. */
  callbackProcessed(robotId: number, kind: string, result: ProcessResult, acceptedAt?: number): void {
    this.processed.inc({ robot: String(robotId), kind: KINDS.has(kind) ? kind : 'unknown', result });
    if (result === 'handled' && acceptedAt !== undefined && Number.isFinite(acceptedAt))
      this.endToEnd.observe(Math.max(0, (Date.now() - acceptedAt) / 1000));
  }

  pluginHandler(plugin: string, result: HandlerResult, durationMs: number): void {
    this.handlerCalls.inc({ plugin, result });
    this.handlerDuration.observe({ plugin }, durationMs / 1000);
  }

  pluginAutoDisabled(plugin: string): void {
    this.autoDisabled.inc({ plugin });
  }

  send(robotId: number, ok: boolean): void {
    this.sends.inc({ robot: String(robotId), result: ok ? 'ok' : 'error' });
  }

  governorWaited(delayMs: number): void {
    this.governorDelay.observe(Math.max(0, delayMs) / 1000);
  }

  geweCall(endpoint: string, durationMs: number, outcome: GeweOutcome): void {
    const label = endpointLabel(endpoint);
    this.geweDuration.observe({ endpoint: label }, durationMs / 1000);
    if (outcome !== 'ok') this.geweErrors.inc({ endpoint: label, type: outcome });
    const minute = Math.floor(this.now() / 60_000);
    let last = this.geweWindow[this.geweWindow.length - 1];
    if (!last || last.minute !== minute) {
      this.geweWindow.push((last = { minute, calls: 0, errors: 0 }));
      while (this.geweWindow.length > 0 && this.geweWindow[0].minute <= minute - WINDOW_MINUTES)
        this.geweWindow.shift();
    }
    last.calls++;
    if (outcome !== 'ok') last.errors++;
  }

  onebotAuthRefused(reason: 'missing' | 'invalid' | 'scope' | 'robot'): void {
    this.onebotRefused.inc({ reason });
  }

  /** One AI backend call (src/ai): its outcome, duration and token usage. */
  aiCall(c: AiCallRecord): void {
    const model = this.aiModelLabel(c.model);
    const purpose = c.purpose && AI_PURPOSES.includes(c.purpose) ? c.purpose : 'other';
    const provider = AI_PROVIDERS.has(c.provider) ? c.provider : 'other';
    const outcome = AI_OUTCOMES.has(c.outcome) ? c.outcome : 'other';
    this.aiRequests.inc({ provider, model, purpose, outcome });
    this.aiDuration.observe({ model }, Math.max(0, c.durationMs) / 1000);
    const tokens = (n: number | undefined, kind: 'prompt' | 'completion') => {
      if (n !== undefined && Number.isFinite(n) && n > 0) this.aiTokens.inc({ model, kind }, Math.floor(n));
    };
    tokens(c.promptTokens, 'prompt');
    tokens(c.completionTokens, 'completion');
  }

  private aiModelLabel(model: string): string {
    const label = (model || 'unknown').slice(0, AI_MODEL_MAX_LENGTH);
    if (this.aiModels.has(label)) return label;
    if (this.aiModels.size >= AI_MODEL_LABELS_MAX) return 'other';
    this.aiModels.add(label);
    return label;
  }

  alertDelivered(channel: 'webhook' | 'wechat', ok: boolean): void {
    this.alertNotifications.inc({ channel, result: ok ? 'ok' : 'error' });
  }

  /** This instance's Gewe calls and failures per minute, for the last hour (oldest first). */
  geweCallWindow(): CallBucket[] {
    const from = Math.floor(this.now() / 60_000) - WINDOW_MINUTES;
    return this.geweWindow.filter((b) => b.minute > from).map((b) => ({ ...b }));
  }
}

/** prom-client writes NaN as "Nan"; Prometheus reads either, but the text format says NaN. */
export function normalizeNaN(text: string): string {
  return text.replace(/ Nan$/gm, ' NaN');
}
