import { ROBOT_REASONS } from '../../src/robot/robot-reason';
import {
  observe,
  OpenIncident,
  planRound,
  RobotSnapshot,
  subjectKey,
  WorldSnapshot,
} from '../../src/alert/alert-engine';
import { AlertNotice, localize, wechatText } from '../../src/alert/alert-notifier';
import { ALERT_TEXTS } from '../../src/alert/alert-text';
import { NOTICE_CODES } from '../../src/common/message-codes';
import { ALERT_RULES, AlertRule } from '../../src/config/alert-rules';
import { AlertSettings } from '../../src/alert/alert-settings';

const MIN = 60_000;

function settings(o: Partial<AlertSettings> = {}): AlertSettings {
  return {
    rules: new Set<AlertRule>(ALERT_RULES),
    robotOfflineAfterMs: 5 * MIN,
    noCallbackAfterMs: 60 * MIN,
    failedJobsThreshold: 10,
    queueDepthThreshold: 1000,
    geweErrorRatePercent: 50,
    geweErrorRateWindowMs: 5 * MIN,
    geweErrorRateMinCalls: 20,
    resolveAfterMs: MIN,
    webhook: { url: '', secret: '', timeoutMs: 1000, attempts: 1, backoffMs: 10 },
    wechat: { robotId: 0, to: [] },
    ...o,
  };
}

function robot(o: Partial<RobotSnapshot> = {}): RobotSnapshot {
  return {
    id: 1,
    name: 'bot',
    status: 'online',
    wxid: 'wxid_bot',
    reason: null,
    lastCallbackAt: null,
    onlineSince: null,
    ...o,
  };
}

interface Incident extends OpenIncident {
  state: 'pending' | 'firing';
  firedAt: number | null;
}

/**
 * The evaluator's loop over the pure engine with a fake clock: each round observes a world, plans, and applies the
 * plan to an in-memory table, recording every notification a real evaluator would send.
 */
class Harness {
  now = Date.UTC(2025, 5, 1, 8, 0, 0);
  private nextId = 1;
  open = new Map<string, Incident>();
  notifications: string[] = [];
  constructor(public s: AlertSettings) {}

  round(world: WorldSnapshot): void {
    const now = new Date(this.now);
    const { observations, skipped } = observe(now, world, this.s);
    const plan = planRound(now, observations, [...this.open.values()], this.s.resolveAfterMs, skipped);
    for (const c of plan.create) {
      const inc: Incident = {
        id: this.nextId++,
        rule: c.obs.rule,
        subject: c.obs.subject,
        state: c.state,
        since: c.since,
        lastSeenAt: now,
        firedAt: c.state === 'firing' ? this.now : null,
      };
      this.open.set(subjectKey(inc.rule, inc.subject), inc);
      if (c.state === 'firing') this.notifications.push(`firing ${inc.rule} ${inc.subject}`);
    }
    for (const k of plan.keep) {
      const inc = [...this.open.values()].find((i) => i.id === k.id)!;
      inc.lastSeenAt = now;
      inc.since = k.since;
      if (k.fire) {
        inc.state = 'firing';
        inc.firedAt = this.now;
        this.notifications.push(`firing ${inc.rule} ${inc.subject}`);
      }
    }
    for (const [key, inc] of this.open) {
      if (plan.resolve.includes(inc.id)) {
        this.open.delete(key);
        this.notifications.push(`resolved ${inc.rule} ${inc.subject}`);
      }
      if (plan.drop.includes(inc.id)) this.open.delete(key);
    }
  }

  /** Rounds every 30 s for `ms`, the world unchanged. */
  run(ms: number, world: WorldSnapshot): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += 30_000;
      this.round(world);
    }
  }
}

describe('alert incidents (the evaluator over a fake clock)', () => {
  const offline: WorldSnapshot = { robots: [robot({ status: 'reconnecting', reason: 'Gewe reports it offline' })] };
  const online: WorldSnapshot = { robots: [robot({ status: 'online', lastCallbackAt: null })] };

  it('fires a robot offline for robot_offline_after exactly once, then resolves it once when it is back', () => {
    const h = new Harness(settings());
    h.run(4 * MIN, offline);
    expect(h.notifications).toEqual([]);
    expect([...h.open.values()].map((i) => i.state)).toEqual(['pending']);
    h.run(2 * MIN, offline);
    expect(h.notifications).toEqual(['firing robot_offline robot:1']);
    h.run(60 * MIN, offline); // an hour later: still the same incident, no reminder storm
    expect(h.notifications).toHaveLength(1);
    h.run(30_000, online); // clear, but not for resolve_after yet
    expect(h.notifications).toHaveLength(1);
    h.run(MIN, online);
    expect(h.notifications).toEqual(['firing robot_offline robot:1', 'resolved robot_offline robot:1']);
    expect(h.open.size).toBe(0);
  });

  it('keeps a flapping robot in one incident while it comes back within resolve_after', () => {
    const h = new Harness(settings({ robotOfflineAfterMs: 0, resolveAfterMs: 2 * MIN }));
    for (let i = 0; i < 20; i++) {
      h.run(30_000, offline);
      h.run(30_000, online);
    }
    expect(h.notifications).toEqual(['firing robot_offline robot:1']);
    h.run(3 * MIN, online);
    expect(h.notifications).toEqual(['firing robot_offline robot:1', 'resolved robot_offline robot:1']);
  });

  it('forgets a pending incident whose condition cleared before it fired, without notifying', () => {
    const h = new Harness(settings());
    h.run(3 * MIN, offline);
    h.run(30_000, online);
    expect(h.open.size).toBe(0);
    h.run(4 * MIN, offline); // a new outage starts the count again
    expect(h.notifications).toEqual([]);
    h.run(2 * MIN, offline);
    expect(h.notifications).toEqual(['firing robot_offline robot:1']);
  });

  it('does not alert on a robot that was never logged in, nor on a logged-out one', () => {
    const h = new Harness(settings({ robotOfflineAfterMs: 0 }));
    h.run(10 * MIN, {
      robots: [robot({ id: 1, status: 'offline', wxid: null }), robot({ id: 2, status: 'logged_out' })],
    });
    expect(h.notifications).toEqual([]);
  });

  it('fires login_needs_scan at once for an expired QR or a security code, one per robot', () => {
    const h = new Harness(settings());
    h.round({ robots: [robot({ id: 1, status: 'expired' }), robot({ id: 2, status: 'need_captcha' })] });
    expect(h.notifications).toEqual(['firing login_needs_scan robot:1', 'firing login_needs_scan robot:2']);
  });

  it('fires no_callback after no_callback_after of silence, counted from the later of the last callback and online', () => {
    const h = new Harness(settings({ noCallbackAfterMs: 30 * MIN }));
    const since = new Date(h.now);
    // a robot that just came online after a long outage is not "silent for a day"
    const old = new Date(h.now - 24 * 60 * MIN);
    const world = (): WorldSnapshot => ({ robots: [robot({ lastCallbackAt: old, onlineSince: since })] });
    h.run(29 * MIN, world());
    expect(h.notifications).toEqual([]);
    h.run(MIN, world());
    expect(h.notifications).toEqual(['firing no_callback robot:1']);
    // a callback arrives: resolved after resolve_after
    const fresh = (): WorldSnapshot => ({ robots: [robot({ lastCallbackAt: new Date(h.now), onlineSince: since })] });
    h.run(2 * MIN, fresh());
    expect(h.notifications.at(-1)).toBe('resolved no_callback robot:1');
  });

  it('fires for plugins disabled automatically, failed jobs and queue depth above their thresholds', () => {
    const h = new Harness(settings());
    h.round({
      plugins: [
        { name: 'Bad', disabledReason: 'disabled automatically after 5 consecutive failures: boom' },
        { name: 'Off', disabledReason: null },
      ],
      queue: { waiting: 900, active: 4, delayed: 100, failed: 11 },
    });
    expect(h.notifications.sort()).toEqual([
      'firing failed_jobs queue:failed',
      'firing plugin_auto_disabled plugin:Bad',
      'firing queue_depth queue:depth',
    ]);
    h.now += 2 * MIN;
    h.round({
      plugins: [{ name: 'Bad', disabledReason: null }],
      queue: { waiting: 0, active: 0, delayed: 0, failed: 10 },
    });
    expect(h.notifications.filter((n) => n.startsWith('resolved'))).toHaveLength(3);
  });

  it('judges the Gewe error rate only on enough calls', () => {
    const h = new Harness(settings());
    h.round({ gewe: { calls: 10, errors: 10 } });
    expect(h.notifications).toEqual([]);
    h.round({ gewe: { calls: 40, errors: 19 } });
    expect(h.notifications).toEqual([]);
    h.round({ gewe: { calls: 40, errors: 20 } });
    expect(h.notifications).toEqual(['firing gewe_error_rate gewe']);
  });

  it('leaves the incidents of a rule alone while its data cannot be read, and resolves those of a disabled rule', () => {
    const h = new Harness(settings({ robotOfflineAfterMs: 0, resolveAfterMs: 0 }));
    h.round(offline);
    h.round({ queue: { waiting: 0, active: 0, delayed: 0, failed: 50 } });
    expect(h.notifications).toEqual(['firing robot_offline robot:1', 'firing failed_jobs queue:failed']);
    // the robots (and the queue) could not be read: nothing resolves
    h.run(10 * MIN, {});
    expect(h.open.size).toBe(2);
    // the operator turns robot_offline off: its incident resolves, failed_jobs waits for its data
    h.s = settings({ robotOfflineAfterMs: 0, resolveAfterMs: 0, rules: new Set<AlertRule>(['failed_jobs']) });
    h.run(30_000, {});
    expect(h.notifications.at(-1)).toBe('resolved robot_offline robot:1');
    expect([...h.open.keys()]).toEqual([subjectKey('failed_jobs', 'queue:failed')]);
  });
});

describe('the WeChat text of a batch', () => {
  const n = (i: number, state: 'firing' | 'resolved'): AlertNotice => ({
    id: i,
    rule: 'robot_offline',
    subject: `robot:${i}`,
    robotId: i,
    severity: 'critical',
    state,
    summary: `Robot ${i} is offline`,
    summaryCode: null,
    summaryParams: null,
    details: null,
    since: new Date(0).toISOString(),
    firedAt: new Date(0).toISOString(),
    resolvedAt: null,
  });

  it('is one message for many alerts, cut after 10 lines with a count of the rest', () => {
    const notices = [...Array.from({ length: 12 }, (_, i) => n(i, 'firing')), n(99, 'resolved')];
    const lines = wechatText(notices, false, 'en').split('\n');
    expect(lines[0]).toBe('[OpenGewe] 12 firing, 1 resolved');
    expect(lines).toHaveLength(12);
    expect(lines[1]).toBe('🔴 CRITICAL robot_offline: Robot 0 is offline');
    expect(lines.at(-1)).toBe('…and 3 more (GET /api/alerts)');
  });

  it('is in backend.language: Chinese by default, each summary from its code and params', () => {
    const coded: AlertNotice = {
      ...n(1, 'firing'),
      summary: 'Robot 1 "bot" is offline (for 5 min or more)',
      summaryCode: 'ALERT_ROBOT_OFFLINE',
      summaryParams: { robot: 'bot', robotId: 1, status: 'offline', minutes: 5, reason: '' },
    };
    const zh = wechatText(localize([coded, n(2, 'resolved')], 'zh'), false).split('\n');
    expect(zh).toEqual([
      '[OpenGewe] 1 条告警，1 条已恢复',
      '🔴 严重 robot_offline：机器人「bot」处于「离线」状态已 5 分钟以上',
      // a row stored before the codes keeps its text
      '✅ 已恢复 robot_offline：Robot 2 is offline',
    ]);
    expect(localize([coded], 'en')[0]?.summary).toBe('Robot 1 "bot" is offline (for 5 min or more)');
  });

  it("words a robot's reason in Chinese too, keeping what Gewe itself answered as it came", () => {
    const offline = (reason: string): AlertNotice => ({
      ...n(1, 'firing'),
      summaryCode: 'ALERT_ROBOT_OFFLINE',
      summaryParams: { robot: 'bot', robotId: 1, status: 'reconnecting', minutes: 1, reason },
    });
    const zh = (reason: string) => localize([offline(reason)], 'zh')[0]?.summary;
    expect(zh(ROBOT_REASONS.GEWE_REPORTS_OFFLINE)).toBe(
      '机器人「bot」处于「重连中」状态已 1 分钟以上：Gewe 报告账号已离线',
    );
    expect(
      zh(`${ROBOT_REASONS.GEWE_REPORTS_OFFLINE}; reconnection failed 3 time(s): log in again with a QR code`),
    ).toBe('机器人「bot」处于「重连中」状态已 1 分钟以上：Gewe 报告账号已离线；重连 3 次都失败了：请重新扫码登录');
    expect(zh('账号异常 (ret 500)')).toBe(
      '机器人「bot」处于「重连中」状态已 1 分钟以上：Gewe 返回：账号异常 (ret 500)',
    );
    expect(localize([offline(ROBOT_REASONS.GEWE_REPORTS_OFFLINE)], 'en')[0]?.summary).toBe(
      'Robot 1 "bot" is reconnecting (for 1 min or more): Gewe reports the account offline',
    );
  });

  it('gives every observation a summary code with a text in both languages', () => {
    for (const lang of ['zh', 'en'] as const)
      for (const code of Object.keys(NOTICE_CODES).filter((c) => c.startsWith('ALERT_')))
        expect(ALERT_TEXTS[lang]).toHaveProperty(code);
  });
});
