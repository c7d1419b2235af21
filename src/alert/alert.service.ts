import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Not, QueryFailedError, Repository } from 'typeorm';
import { ChatNames } from '../common/chat-names';
import { conflict } from '../common/domain-error';
import { Page } from '../common/dto/pagination.dto';
import { APP_CONFIG, maskSecret } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RuntimeSettingsService } from '../settings/runtime-settings.service';
import type { RuntimeSettingName } from '../settings/runtime-settings';
import { Observation, OpenIncident, RoundPlan, subjectKey } from './alert-engine';
import type { MessageParams } from '../common/message-codes';
import { AlertNotice, AlertNotifier, DeliveryResult } from './alert-notifier';
import { ALERT_SEVERITY } from '../config/alert-rules';
import { readAlertSettings } from './alert-settings';
import { AlertEntity } from './alert.entity';
import {
  AlertConfigResponseDto,
  AlertConfigUpdateDto,
  AlertDeliveryDto,
  AlertListQueryDto,
  AlertResponseDto,
  AlertTestResponseDto,
} from './dto/alert.dto';

/** Deliveries kept per incident (the newest). */
const MAX_DELIVERIES = 20;

/** Fields of the config DTO and the runtime settings they stand for. */
const CONFIG_FIELDS: [keyof AlertConfigUpdateDto, RuntimeSettingName][] = [
  ['rules', 'alerts.rules'],
  ['robotOfflineAfterMs', 'alerts.robot_offline_after'],
  ['noCallbackAfterMs', 'alerts.no_callback_after'],
  ['failedJobsThreshold', 'alerts.failed_jobs_threshold'],
  ['queueDepthThreshold', 'alerts.queue_depth_threshold'],
  ['geweErrorRatePercent', 'alerts.gewe_error_rate_percent'],
  ['geweErrorRateWindowMs', 'alerts.gewe_error_rate_window'],
  ['geweErrorRateMinCalls', 'alerts.gewe_error_rate_min_calls'],
  ['resolveAfterMs', 'alerts.resolve_after'],
  ['webhookUrl', 'alerts.webhook_url'],
  ['webhookSecret', 'alerts.webhook_secret'],
  ['webhookTimeoutMs', 'alerts.webhook_timeout'],
  ['webhookAttempts', 'alerts.webhook_attempts'],
  ['webhookBackoffMs', 'alerts.webhook_backoff'],
  ['wechatRobotId', 'alerts.wechat_robot_id'],
  ['wechatTo', 'alerts.wechat_to'],
];

/** The alerts table (incidents and their notifications), and the alert API: history, settings, test alert. */
@Injectable()
export class AlertService {
  private readonly logger = new Logger(AlertService.name);

  constructor(
    @InjectRepository(AlertEntity) private readonly alerts: Repository<AlertEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: RuntimeSettingsService,
    private readonly notifier: AlertNotifier,
    private readonly names: ChatNames,
  ) {}

  async list(q: AlertListQueryDto): Promise<Page<AlertResponseDto>> {
    const [rows, total] = await this.alerts.findAndCount({
      where: {
        ...(q.state ? { state: q.state } : {}),
        ...(q.rule ? { rule: q.rule } : {}),
        ...(q.robotId ? { robotId: q.robotId } : {}),
      },
      order: { id: 'DESC' },
      skip: (q.page - 1) * q.limit,
      take: q.limit,
    });
    const items = rows.map(toResponse);
    await this.nameTargets(items);
    return { items, total, page: q.page, limit: q.limit };
  }

  /** The chats the WeChat channel wrote to, named through the channel's robot's directory. */
  private async nameTargets(items: AlertResponseDto[]): Promise<void> {
    const robotId = Number(this.settings.get('alerts.wechat_robot_id'));
    const wechat = items.flatMap((a) => a.deliveries.filter((d) => d.channel === 'wechat'));
    if (!wechat.length || !robotId) return;
    const book = await this.names.book(robotId, { chatIds: wechat.map((d) => d.target) });
    for (const d of wechat) d.chatName = book.chat(d.target);
  }

  /** Incidents that are pending or firing. */
  async open(): Promise<OpenIncident[]> {
    const rows = await this.alerts.find({ where: { openKey: Not(IsNull()) } });
    return rows.map((r) => ({
      id: r.id,
      rule: r.rule,
      subject: r.subject,
      state: r.state === 'firing' ? 'firing' : 'pending',
      since: r.since,
      lastSeenAt: r.lastSeenAt,
    }));
  }

  /** How many incidents are firing now, per rule. */
  async firingByRule(): Promise<Map<string, number>> {
    const rows = await this.alerts
      .createQueryBuilder('a')
      .select('a.rule', 'rule')
      .addSelect('COUNT(*)', 'n')
      .where('a.state = :state', { state: 'firing' })
      .groupBy('a.rule')
      .getRawMany<{ rule: string; n: string | number }>();
    return new Map(rows.map((r) => [r.rule, Number(r.n)]));
  }

  /** Writes one evaluation's plan. Returns the incidents that fired or resolved now. */
  async apply(plan: RoundPlan, now: Date): Promise<AlertEntity[]> {
    const changed: AlertEntity[] = [];
    for (const c of plan.create) {
      const row = this.alerts.create({
        rule: c.obs.rule,
        subject: c.obs.subject,
        openKey: subjectKey(c.obs.rule, c.obs.subject),
        robotId: c.obs.robotId,
        state: c.state,
        severity: ALERT_SEVERITY[c.obs.rule],
        summary: c.obs.summary.slice(0, 500),
        details: storedDetails(c.obs),
        since: c.since,
        lastSeenAt: now,
        firedAt: c.state === 'firing' ? now : null,
        resolvedAt: null,
        notifiedFiredAt: null,
        notifiedResolvedAt: null,
        deliveries: null,
      });
      try {
        const saved = await this.alerts.save(row);
        if (saved.state === 'firing') changed.push(saved);
      } catch (err) {
        // the unique open_key: another evaluator opened it first (a lock that expired mid-round); theirs stands
        if (!(err instanceof QueryFailedError && /unique|duplicate/i.test(err.message))) throw err;
        this.logger.warn({ rule: c.obs.rule, subject: c.obs.subject }, 'Alert already open; not opened twice');
      }
    }
    for (const k of plan.keep) {
      const patch: Partial<AlertEntity> = {
        summary: k.obs.summary.slice(0, 500),
        details: storedDetails(k.obs),
        since: k.since,
        lastSeenAt: now,
        ...(k.fire ? { state: 'firing', firedAt: now } : {}),
      };
      // the state in the condition: an incident another evaluator resolved meanwhile is not brought back
      const res = await this.alerts.update({ id: k.id, openKey: Not(IsNull()) }, patch);
      if (k.fire && res.affected) changed.push(await this.alerts.findOneByOrFail({ id: k.id }));
    }
    for (const id of plan.resolve) {
      const patch = { state: 'resolved', resolvedAt: now, openKey: null };
      const res = await this.alerts.update({ id, state: 'firing' }, patch);
      if (res.affected) changed.push(await this.alerts.findOneByOrFail({ id }));
    }
    if (plan.drop.length) await this.alerts.delete({ id: In(plan.drop), state: 'pending' });
    return changed;
  }

  /** Incidents whose firing or resolve is not notified yet (oldest first; at most `limit`). */
  outstanding(limit = 100): Promise<AlertEntity[]> {
    return this.alerts
      .createQueryBuilder('a')
      .where('a.fired_at IS NOT NULL')
      .andWhere("(a.notified_fired_at IS NULL OR (a.state = 'resolved' AND a.notified_resolved_at IS NULL))")
      .orderBy('a.id', 'ASC')
      .take(limit)
      .getMany();
  }

  /** The notices of outstanding incidents: a firing, a resolve, or both (it resolved before it was notified). */
  notices(rows: AlertEntity[]): AlertNotice[] {
    const out: AlertNotice[] = [];
    for (const r of rows) {
      if (!r.notifiedFiredAt) out.push(toNotice(r, 'firing'));
      if (r.state === 'resolved' && !r.notifiedResolvedAt) out.push(toNotice(r, 'resolved'));
    }
    return out;
  }

  async markNotified(rows: AlertEntity[], results: DeliveryResult[], now: Date): Promise<void> {
    for (const r of rows) {
      const events: string[] = [];
      if (!r.notifiedFiredAt) events.push('firing');
      if (r.state === 'resolved' && !r.notifiedResolvedAt) events.push('resolved');
      const deliveries = [
        ...parseDeliveries(r.deliveries),
        ...events.flatMap((event) => results.map((d) => ({ event, ...d, at: now.toISOString() }))),
      ].slice(-MAX_DELIVERIES);
      await this.alerts.update(
        { id: r.id },
        {
          notifiedFiredAt: r.notifiedFiredAt ?? now,
          ...(r.state === 'resolved' ? { notifiedResolvedAt: r.notifiedResolvedAt ?? now } : {}),
          deliveries: JSON.stringify(deliveries),
        },
      );
    }
  }

  getConfig(): AlertConfigResponseDto {
    const s = readAlertSettings((n) => this.settings.get(n));
    const runtime = new Set(
      this.settings
        .list()
        .filter((x) => x.source === 'runtime')
        .map((x) => x.name),
    );
    return {
      enabled: this.config.alerts.enabled,
      evaluateIntervalMs: this.config.alerts.evaluate_interval,
      rules: [...s.rules],
      robotOfflineAfterMs: s.robotOfflineAfterMs,
      noCallbackAfterMs: s.noCallbackAfterMs,
      failedJobsThreshold: s.failedJobsThreshold,
      queueDepthThreshold: s.queueDepthThreshold,
      geweErrorRatePercent: s.geweErrorRatePercent,
      geweErrorRateWindowMs: s.geweErrorRateWindowMs,
      geweErrorRateMinCalls: s.geweErrorRateMinCalls,
      resolveAfterMs: s.resolveAfterMs,
      webhookUrl: s.webhook.url,
      webhookSecret: maskSecret(s.webhook.secret),
      webhookTimeoutMs: s.webhook.timeoutMs,
      webhookAttempts: s.webhook.attempts,
      webhookBackoffMs: s.webhook.backoffMs,
      wechatRobotId: s.wechat.robotId,
      wechatTo: [...s.wechat.to],
      runtime: CONFIG_FIELDS.filter(([, name]) => runtime.has(name)).map(([field]) => field),
    };
  }

  async updateConfig(dto: AlertConfigUpdateDto, actor: string): Promise<AlertConfigResponseDto> {
    await this.settings.refresh();
    const changes: Record<string, unknown> = {};
    for (const [field, name] of CONFIG_FIELDS) if (dto[field] !== undefined) changes[name] = dto[field];
    await this.settings.update(changes, actor);
    return this.getConfig();
  }

  /** Sends a test alert on every configured channel now (not recorded as an incident). */
  async test(actor: string): Promise<AlertTestResponseDto> {
    await this.settings.refresh();
    const s = readAlertSettings((n) => this.settings.get(n));
    if (!this.notifier.hasChannels(s))
      throw conflict(
        'NO_ALERT_CHANNELS',
        'No alert channel is configured: set webhookUrl, or wechatRobotId and wechatTo (PUT /api/alerts/config)',
      );
    const now = new Date().toISOString();
    const notice: AlertNotice = {
      id: null,
      rule: 'test',
      subject: 'test',
      robotId: null,
      severity: 'warning',
      state: 'firing',
      summary: `Test alert sent by ${actor}`,
      summaryCode: 'ALERT_TEST',
      summaryParams: { actor },
      details: null,
      since: now,
      firedAt: now,
      resolvedAt: null,
    };
    const results = await this.notifier.deliver([notice], s, true);
    this.logger.log({ actor, results: results.map((r) => ({ channel: r.channel, ok: r.ok })) }, 'Test alert sent');
    return { ok: results.every((r) => r.ok), deliveries: results.map((r) => ({ event: 'test', ...r, at: now })) };
  }
}

function parseDeliveries(raw: string | null): AlertDeliveryDto[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? (v as AlertDeliveryDto[]) : [];
  } catch {
    return [];
  }
}

function parseDetails(raw: string | null): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The details JSON, with the summary's code and params (message-codes.ts) kept beside the rule's values. */
function storedDetails(obs: Observation): string {
  return JSON.stringify({ ...obs.details, summaryCode: obs.summaryCode, summaryParams: obs.summaryParams });
}

/** The summary's code and params out of the stored details (null for a row written before they were kept). */
function summaryOf(details: Record<string, unknown> | null): { code: string | null; params: MessageParams | null } {
  const code = typeof details?.summaryCode === 'string' ? details.summaryCode : null;
  const params =
    details?.summaryParams && typeof details.summaryParams === 'object'
      ? (details.summaryParams as MessageParams)
      : null;
  return { code, params: code ? (params ?? {}) : null };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toResponse(r: AlertEntity): AlertResponseDto {
  return {
    id: r.id,
    rule: r.rule,
    subject: r.subject,
    robotId: r.robotId,
    state: r.state,
    severity: r.severity,
    summary: r.summary,
    summaryCode: summaryOf(parseDetails(r.details)).code,
    summaryParams: summaryOf(parseDetails(r.details)).params,
    details: parseDetails(r.details),
    since: r.since.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    firedAt: iso(r.firedAt),
    resolvedAt: iso(r.resolvedAt),
    notifiedFiredAt: iso(r.notifiedFiredAt),
    notifiedResolvedAt: iso(r.notifiedResolvedAt),
    deliveries: parseDeliveries(r.deliveries),
  };
}

function toNotice(r: AlertEntity, state: 'firing' | 'resolved'): AlertNotice {
  return {
    id: r.id,
    rule: r.rule,
    subject: r.subject,
    robotId: r.robotId,
    severity: r.severity,
    state,
    summary: r.summary,
    summaryCode: summaryOf(parseDetails(r.details)).code,
    summaryParams: summaryOf(parseDetails(r.details)).params,
    details: parseDetails(r.details),
    since: r.since.toISOString(),
    firedAt: iso(r.firedAt),
    resolvedAt: state === 'resolved' ? iso(r.resolvedAt) : null,
  };
}
