import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ALERT_FRAME, alertSummary, fill, type Language } from './alert-text';
import { createHmac } from 'node:crypto';
import { backoffDelay } from '../common/backoff';
import { INSTANCE_ID } from '../common/instance-id';
import { PACKAGE } from '../common/package-info';
import { outboundRequest } from '../net/outbound-http';
import { LookupFunction, OutboundRefusedError } from '../net/outbound-url-policy';
import { MessengerFactory } from '../sending/messenger.factory';
import { RobotService } from '../robot/robot.service';
import type { AlertSettings } from './alert-settings';
import type { MessageParams } from '../common/message-codes';

/** One alert as the channels carry it. */
export interface AlertNotice {
  /** null for a test alert. */
  id: number | null;
  rule: string;
  subject: string;
  robotId: number | null;
  severity: string;
  /** What happened to it now: it fired, or it resolved. */
  state: 'firing' | 'resolved';
  /** In backend.language when the notifier sends it (the stored English text otherwise). */
  summary: string;
  /** The summary's code (ALERT_*, message-codes.ts) and params, for receivers that show their own text. */
  summaryCode: string | null;
  summaryParams: MessageParams | null;
  details: Record<string, unknown> | null;
  since: string;
  firedAt: string | null;
  resolvedAt: string | null;
}

export interface DeliveryResult {
  channel: 'webhook' | 'wechat';
  /** The webhook's host, or the wxid written to. */
  target: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

/** The JSON body of a webhook request. */
export interface AlertWebhookBody {
  source: 'opengewe';
  version: string;
  /** The instance that sent it. */
  instance: string;
  sentAt: string;
  test: boolean;
  alerts: AlertNotice[];
}

/** The most lines of alerts in one WeChat message; the rest is counted. */
const WECHAT_MAX_LINES = 10;

/**
 * POSTs JSON to a URL with a timeout and retries with exponential backoff, through outboundRequest: a link-local or
 * metadata address is refused (once, without retries), also when the host name resolves to one.
 */
@Injectable()
export class WebhookPoster {
  /** Replaces DNS resolution (tests); the outbound policy still applies to what it answers. */
  resolve?: LookupFunction;
  /** Replaceable in tests. */
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

  async post(
    url: string,
    body: string,
    o: { timeoutMs: number; attempts: number; backoffMs: number; secret: string },
  ): Promise<{ ok: boolean; attempts: number; error?: string }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `OpenGewe-Backend/${PACKAGE.version}`,
    };
    if (o.secret)
      headers['x-opengewe-signature'] = `sha256=${createHmac('sha256', o.secret).update(body).digest('hex')}`;
    let error = '';
    for (let attempt = 1; attempt <= o.attempts; attempt++) {
      let retry = true;
      try {
        const res = await outboundRequest(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(o.timeoutMs),
          resolve: this.resolve,
        });
        res.body.destroy();
        if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt };
        error = `HTTP ${res.status}`;
        // a 4xx other than 408/429 will not get better by asking again
        retry = res.status >= 500 || res.status === 408 || res.status === 429;
      } catch (err) {
        const e = err as Error & { code?: string };
        if (err instanceof OutboundRefusedError) return { ok: false, attempts: attempt, error: e.message };
        error =
          e.name === 'TimeoutError' || e.name === 'AbortError'
            ? `no answer within ${o.timeoutMs} ms`
            : `cannot reach it (${e.code ?? e.message})`;
      }
      if (!retry) return { ok: false, attempts: attempt, error };
      if (attempt < o.attempts) await this.sleep(backoffDelay(attempt, { baseMs: o.backoffMs }));
    }
    return { ok: false, attempts: o.attempts, error };
  }
}

/**
 * Sends a batch of alerts (everything that fired or resolved in one evaluation) on every configured channel: one
 * webhook request and one WeChat text per recipient per batch, so even many alerts at once are a few messages, never
 * a storm. A channel's failure is reported in its result, never thrown.
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger(AlertNotifier.name);

  constructor(
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly poster: WebhookPoster,
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    @Optional() @Inject(APP_CONFIG) private readonly config?: AppConfig,
  ) {}

  /** backend.language: the language of the summaries sent (webhook and WeChat). */
  get language(): Language {
    return this.config?.backend.language ?? 'zh';
  }

  /** Whether any channel is configured. */
  hasChannels(s: AlertSettings): boolean {
    return !!s.webhook.url || (s.wechat.robotId > 0 && s.wechat.to.length > 0);
  }

  async deliver(stored: AlertNotice[], s: AlertSettings, test = false): Promise<DeliveryResult[]> {
    const notices = localize(stored, this.language);
    const [webhook, wechat] = await Promise.all([this.webhook(notices, s, test), this.wechat(notices, s, test)]);
    const results = [...webhook, ...wechat];
    for (const r of results)
      if (!r.ok)
        this.logger.warn(
          { channel: r.channel, target: r.target, attempts: r.attempts, error: r.error, alerts: notices.length },
          'Alert notification failed',
        );
    return results;
  }

  private async webhook(notices: AlertNotice[], s: AlertSettings, test: boolean): Promise<DeliveryResult[]> {
    if (!s.webhook.url) return [];
    const body: AlertWebhookBody = {
      source: 'opengewe',
      version: PACKAGE.version,
      instance: this.instanceId,
      sentAt: new Date().toISOString(),
      test,
      alerts: notices,
    };
    const r = await this.poster.post(s.webhook.url, JSON.stringify(body), s.webhook);
    return [{ channel: 'webhook', target: hostOf(s.webhook.url), ...r }];
  }

  private async wechat(notices: AlertNotice[], s: AlertSettings, test: boolean): Promise<DeliveryResult[]> {
    const { robotId, to } = s.wechat;
    if (!robotId || !to.length) return [];
    const fail = (error: string) =>
      to.map((target) => ({ channel: 'wechat' as const, target, ok: false, attempts: 0, error }));
    const robot = await this.robots.findById(robotId).catch(() => null);
    if (!robot) return fail(`robot ${robotId} (alerts.wechat_robot_id) does not exist`);
    if (robot.status !== 'online')
      return fail(`robot ${robotId} (alerts.wechat_robot_id) is ${robot.status}, not online`);
    const text = wechatText(notices, test, this.language);
    const { send } = this.messengers.forRobot(robot);
    // one after the other, as the send governor would order them anyway
    const out: DeliveryResult[] = [];
    for (const target of to) {
      try {
        await send.sendText(target, text);
        out.push({ channel: 'wechat', target, ok: true, attempts: 1 });
      } catch (err) {
        out.push({ channel: 'wechat', target, ok: false, attempts: 1, error: (err as Error).message });
      }
    }
    return out;
  }
}

/** The notices with their summaries in `lang` (from summaryCode and summaryParams; the stored text otherwise). */
export function localize(notices: AlertNotice[], lang: Language): AlertNotice[] {
  return notices.map((n) => ({ ...n, summary: alertSummary(lang, n.summaryCode, n.summaryParams, n.summary) }));
}

export function wechatText(notices: AlertNotice[], test: boolean, lang: Language = 'zh'): string {
  const f = ALERT_FRAME[lang];
  if (test) return fill(f.test, { at: new Date().toISOString() });
  const firing = notices.filter((n) => n.state === 'firing');
  const resolved = notices.filter((n) => n.state === 'resolved');
  const head = [
    firing.length ? fill(f.firing, { n: firing.length }) : '',
    resolved.length ? fill(f.resolved, { n: resolved.length }) : '',
  ].filter(Boolean);
  const lines = [...firing, ...resolved].slice(0, WECHAT_MAX_LINES).map((n) =>
    fill(n.state === 'firing' ? f.firingLine : f.resolvedLine, {
      severity: f[n.severity] ?? n.severity.toUpperCase(),
      rule: n.rule,
      summary: n.summary,
    }),
  );
  const more = notices.length - lines.length;
  return [
    `[OpenGewe] ${head.join(lang === 'zh' ? '，' : ', ')}`,
    ...lines,
    ...(more > 0 ? [fill(f.more, { n: more })] : []),
  ].join('\n');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid URL';
  }
}
