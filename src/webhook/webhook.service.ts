import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { parseJsonBigSafe } from '../common/bigint-json';
import { assertSafeJson } from '../common/json-guard';
import { badRequest, DomainError, tooManyRequests } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { CallbackQueue, QueueUnavailableError } from '../queue/callback-queue';
import { ParsedPayloads } from '../queue/parsed-payloads';
import { NamedRateLimit, RateLimitStore, rateLimits } from '../rate-limit/rate-limit.store';
import { RobotService } from '../robot/robot.service';
import { KeyOwner, WebhookKeyIndex } from './webhook-key-index';
import { WebhookEndpointStore } from './webhook-endpoint.store';

export interface WebhookAnswer {
  status: 'success' | 'ok';
  message: string;
  duplicate?: boolean;
}

/** Why a callback was refused with the one 401: counted in the metrics, never told to the caller. */
export type WebhookRefusal = 'WEBHOOK_KEY_MISSING' | 'WEBHOOK_KEY_INVALID' | 'UNKNOWN_APPID' | 'UNKNOWN_TOKEN';

/**
 * The one answer to a callback that is not authentic, whatever the reason: a caller without the key learns nothing
 * (not which Appids exist, nor which tokens robots use).
 */
export class WebhookUnauthorized extends DomainError {
  constructor(readonly reason: WebhookRefusal) {
    super(
      'WEBHOOK_UNAUTHORIZED',
      'The callback was refused: use the callbackUrl shown for the robot, with its key',
      HttpStatus.UNAUTHORIZED,
    );
  }
}

/**
 * The webhook's work, in order and all cheap: check the URL's key (known keys in memory, see WebhookKeyIndex), parse
 * (bigint-safe), find the robot (by Appid; by token for Gewe's probe) among the key's tokens, store the callback
 * durably. No Gewe call and no plugin runs here.
 */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger(WebhookService.name);

  private readonly refusalLimit: NamedRateLimit;

  constructor(
    private readonly keys: WebhookKeyIndex,
    private readonly robots: RobotService,
    private readonly queue: CallbackQueue,
    private readonly metrics: MetricsService,
    private readonly endpoints: WebhookEndpointStore,
    private readonly limits: RateLimitStore,
    private readonly parsed: ParsedPayloads,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.refusalLimit = rateLimits(config)['webhook-refusals'];
  }

  /**
   * Accepts one callback, and counts what became of it, in memory (no I/O added): in the metrics, and in the figures
   * of the endpoint the key opens — every outcome once the key is right (without it, the callback is nobody's).
   */
  async accept(body: unknown, key: string | undefined, requestId: string | null, ip: string): Promise<WebhookAnswer> {
    const started = performance.now();
    let owners: readonly KeyOwner[];
    try {
      owners = await this.authenticate(key, requestId);
    } catch (err) {
      this.metrics.webhookRejected(reasonOf(err));
      throw await this.refusal(err, ip);
    }
    try {
      return await this.handle(body, owners, requestId, started);
    } catch (err) {
      const reason = reasonOf(err);
      this.metrics.webhookRejected(reason);
      this.endpoints.record(owners[0].robotId, { kind: 'rejected', reason });
      throw await this.refusal(err, ip);
    }
  }

  /**
   * A refusal (the one 401) also counts against the caller's IP: over `webhook_max_refusals_per_ip` it is answered
   * 429 instead. Only refusals count (a guard would count every callback), so Gewe posting valid callbacks is never
   * throttled.
   */
  private async refusal(err: unknown, ip: string): Promise<unknown> {
    if (!(err instanceof WebhookUnauthorized)) return err;
    const retryAfter = await this.limits.hit(this.refusalLimit, ip);
    return retryAfter > 0
      ? tooManyRequests(
          'WEBHOOK_RATE_LIMITED',
          'Too many refused callbacks from this address; try again later',
          retryAfter,
        )
      : err;
  }

  /** The robots whose endpoint the key opens: never empty (else the one 401). */
  private async authenticate(key: string | undefined, requestId: string | null): Promise<readonly KeyOwner[]> {
    if (!key) throw new WebhookUnauthorized('WEBHOOK_KEY_MISSING');
    const owners = await this.lookup(() => this.keys.ownersOf(key), requestId);
    if (owners.length === 0) throw new WebhookUnauthorized('WEBHOOK_KEY_INVALID');
    return owners;
  }

  private async handle(
    body: unknown,
    owners: readonly KeyOwner[],
    requestId: string | null,
    started: number,
  ): Promise<WebhookAnswer> {
    if (typeof body !== 'string' || body.trim() === '') throw badRequest('EMPTY_BODY', 'The callback body is empty');
    // too deep or a prototype key: refused before parsing, as every JSON body is (common/json-guard.ts)
    assertSafeJson(body, 'The callback body');
    let parsed: unknown;
    try {
      parsed = parseJsonBigSafe(body);
    } catch {
      throw badRequest('MALFORMED_JSON', 'The callback body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw badRequest('MALFORMED_CALLBACK', 'The callback body must be a JSON object');
    const payload = parsed as Record<string, unknown>;

    // Gewe's connectivity probe when the callback URL is registered: {testMsg, token}.
    if ('testMsg' in payload && typeof payload.token === 'string') {
      const token = payload.token;
      const owner = owners.find((o) => o.token === token);
      if (!owner) throw new WebhookUnauthorized('WEBHOOK_KEY_INVALID');
      const robots = await this.lookup(() => this.robots.findByToken(token), requestId);
      if (robots.length === 0) throw new WebhookUnauthorized('UNKNOWN_TOKEN');
      this.endpoints.record(owner.robotId, { kind: 'probe' });
      this.logger.log({ robots: robots.map((r) => r.id), requestId }, 'Gewe callback probe answered');
      return { status: 'ok', message: 'Callback URL verified' };
    }

    const appId = pick(payload, 'Appid', 'appid', 'AppId', 'appId');
    if (typeof appId !== 'string' || !appId) throw badRequest('APPID_MISSING', 'The callback has no Appid');
    const robot = await this.lookup(() => this.robots.findByAppId(appId), requestId);
    if (!robot) throw new WebhookUnauthorized('UNKNOWN_APPID');
    // the robot's own endpoint, or that of a robot with its token: Gewe holds one callback URL per token
    const via = owners.find((o) => o.robotId === robot.id) ?? owners.find((o) => o.token === (robot.token ?? ''));
    if (!via) throw new WebhookUnauthorized('WEBHOOK_KEY_INVALID');

    const data = pick(payload, 'Data', 'data');
    const newMsgId =
      data && typeof data === 'object'
        ? pick(data as Record<string, unknown>, 'NewMsgId', 'newMsgId', 'new_msg_id')
        : undefined;
    const dedupKey =
      typeof newMsgId === 'string' || typeof newMsgId === 'number'
        ? `${robot.id}-${String(newMsgId)}`
        : // No message id (contacts, Offline): the same body within the same minute is one callback.
          `${robot.id}-h-${createHash('sha256').update(body).digest('hex').slice(0, 40)}-${Math.floor(Date.now() / 60_000)}`;
    let outcome: 'queued' | 'duplicate';
    // the worker of this process takes the parse instead of parsing the body again
    this.parsed.keep(dedupKey, body, payload);
    try {
      outcome = await this.queue.enqueue({
        robotId: robot.id,
        payload: body,
        dedupKey,
        requestId,
        receivedAt: new Date().toISOString(),
      });
    } catch (err) {
      this.parsed.forget(dedupKey);
      if (err instanceof DomainError) throw err; // e.g. too large for the simple queue: 413
      const reason = err instanceof QueueUnavailableError ? err.message : String(err);
      this.logger.error({ robotId: robot.id, requestId, reason }, 'Callback could not be stored: answered 503');
      throw notStored();
    }
    if (outcome === 'duplicate') this.parsed.forget(dedupKey);
    this.endpoints.record(via.robotId, { kind: outcome === 'duplicate' ? 'duplicate' : 'accepted' });
    this.metrics.webhookCallback(
      robot.id,
      outcome === 'duplicate' ? 'duplicate' : 'accepted',
      (performance.now() - started) / 1000,
    );
    return outcome === 'duplicate'
      ? { status: 'success', message: 'Already received', duplicate: true }
      : { status: 'success', message: 'Accepted' };
  }

  /**
   * Finds the robot of a callback. When the database fails, the callback cannot be taken now either: 503 (Gewe sends
   * it again), as when it cannot be stored — not a 500.
   */
  private async lookup<T>(find: () => Promise<T>, requestId: string | null): Promise<T> {
    try {
      return await find();
    } catch (err) {
      this.logger.error({ requestId, reason: (err as Error).message }, 'Robot lookup failed: answered 503');
      throw notStored();
    }
  }
}

function reasonOf(err: unknown): string {
  return err instanceof WebhookUnauthorized ? err.reason : err instanceof DomainError ? err.code : 'INTERNAL';
}

function notStored(): DomainError {
  return new DomainError(
    'QUEUE_UNAVAILABLE',
    'The callback could not be stored; Gewe should send it again',
    HttpStatus.SERVICE_UNAVAILABLE,
    { 'Retry-After': '5' },
  );
}

function pick(o: Record<string, unknown>, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}
