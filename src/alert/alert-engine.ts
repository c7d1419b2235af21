import type { QueueDepth } from '../queue/callback-queue';
import { ALERT_RULES, AlertRule } from '../config/alert-rules';
import type { AlertSettings } from './alert-settings';
import type { MessageParams, NoticeCode } from '../common/message-codes';

/**
 * The alerting logic without I/O: what the rules see in one snapshot of the world (`observe`), and how that changes
 * the open incidents (`planRound`). The evaluator gathers the snapshot and applies the plan; tests drive both with a
 * fake clock.
 */

/** A condition that holds now. */
export interface Observation {
  rule: AlertRule;
  subject: string;
  robotId: number | null;
  summary: string;
  /** The summary for people: its code (ALERT_*, message-codes.ts) and params; texts in alert-text.ts. */
  summaryCode: NoticeCode;
  summaryParams: MessageParams;
  details: Record<string, unknown>;
  /** When the condition started, when the data says; else the incident's first evaluation counts. */
  since?: Date;
  /** How long the condition must last before the incident fires (0: at once). */
  forMs: number;
}

export interface RobotSnapshot {
  id: number;
  name: string;
  status: string;
  wxid: string | null;
  reason: string | null;
  lastCallbackAt: Date | null;
  /** When the evaluator first saw the robot online (it forgets on restart: at worst one no_callback_after late). */
  onlineSince: Date | null;
}

/** What the evaluator could read this round; a part it could not read is undefined and its rules are skipped. */
export interface WorldSnapshot {
  robots?: RobotSnapshot[];
  plugins?: { name: string; disabledReason: string | null }[];
  queue?: QueueDepth;
  /** Gewe calls and failures of every instance within the error-rate window. */
  gewe?: { calls: number; errors: number };
}

const OFFLINE = ['offline', 'reconnecting'];
const NEEDS_SCAN = ['expired', 'need_captcha'];

export const subjectKey = (rule: string, subject: string) => `${rule}|${subject}`;

/** A duration as whole minutes for a summary's params (at least 1). */
const wholeMinutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));

function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

const robotName = (r: RobotSnapshot) => `Robot ${r.id} "${r.name}"`;

/** The conditions that hold, and the rules that could not be judged this round (their incidents stay as they are). */
export function observe(
  now: Date,
  world: WorldSnapshot,
  s: AlertSettings,
): { observations: Observation[]; skipped: Set<AlertRule> } {
  const out: Observation[] = [];
  const skipped = new Set<AlertRule>();
  const on = (rule: AlertRule) => s.rules.has(rule);
  // an enabled rule whose data could not be read is not judged; a disabled one is judged clear (it resolves)
  const skip = (...rules: AlertRule[]) => rules.filter(on).forEach((r) => skipped.add(r));
  const t = now.getTime();

  if (!world.robots) skip('robot_offline', 'login_needs_scan', 'no_callback');
  for (const r of world.robots ?? []) {
    const base = { subject: `robot:${r.id}`, robotId: r.id };
    // only an account that was logged in can go offline; a robot never logged in is just not set up yet
    if (on('robot_offline') && OFFLINE.includes(r.status) && r.wxid)
      out.push({
        ...base,
        rule: 'robot_offline',
        summary: `${robotName(r)} is ${r.status} (for ${minutes(s.robotOfflineAfterMs)} or more)${r.reason ? `: ${r.reason}` : ''}`,
        summaryCode: 'ALERT_ROBOT_OFFLINE',
        summaryParams: {
          robot: r.name,
          robotId: r.id,
          status: r.status,
          minutes: wholeMinutes(s.robotOfflineAfterMs),
          reason: r.reason ?? '',
        },
        details: { status: r.status, reason: r.reason, wxid: r.wxid, afterMs: s.robotOfflineAfterMs },
        forMs: s.robotOfflineAfterMs,
      });
    if (on('login_needs_scan') && NEEDS_SCAN.includes(r.status))
      out.push({
        ...base,
        rule: 'login_needs_scan',
        summary:
          r.status === 'need_captcha'
            ? `${robotName(r)}: the login waits for the security code shown on the phone`
            : `${robotName(r)}: the QR login expired; start a new login and scan it`,
        summaryCode: r.status === 'need_captcha' ? 'ALERT_LOGIN_NEEDS_CAPTCHA' : 'ALERT_LOGIN_EXPIRED',
        summaryParams: { robot: r.name, robotId: r.id },
        details: { status: r.status, reason: r.reason },
        forMs: 0,
      });
    if (on('no_callback') && r.status === 'online') {
      const silentSince = Math.max(r.lastCallbackAt?.getTime() ?? 0, r.onlineSince?.getTime() ?? t);
      if (t - silentSince >= s.noCallbackAfterMs)
        out.push({
          ...base,
          rule: 'no_callback',
          summary: `${robotName(r)} is online but received no callback for ${minutes(t - silentSince)}: check the callback URL registered with Gewe`,
          summaryCode: 'ALERT_ROBOT_SILENT',
          summaryParams: { robot: r.name, robotId: r.id, minutes: wholeMinutes(t - silentSince) },
          details: {
            lastCallbackAt: r.lastCallbackAt?.toISOString() ?? null,
            afterMs: s.noCallbackAfterMs,
          },
          since: new Date(silentSince),
          forMs: s.noCallbackAfterMs,
        });
    }
  }

  if (!world.plugins) skip('plugin_auto_disabled');
  if (on('plugin_auto_disabled'))
    for (const p of world.plugins ?? [])
      if (p.disabledReason)
        out.push({
          rule: 'plugin_auto_disabled',
          subject: `plugin:${p.name}`,
          robotId: null,
          summary: `Plugin ${p.name} was ${p.disabledReason}`,
          summaryCode: 'ALERT_PLUGIN_DISABLED',
          summaryParams: { plugin: p.name, reason: p.disabledReason },
          details: { plugin: p.name, reason: p.disabledReason },
          forMs: 0,
        });

  if (!world.queue) skip('failed_jobs', 'queue_depth');
  else {
    const q = world.queue;
    if (on('failed_jobs') && q.failed > s.failedJobsThreshold)
      out.push({
        rule: 'failed_jobs',
        subject: 'queue:failed',
        robotId: null,
        summary: `${q.failed} callbacks are failed jobs (more than ${s.failedJobsThreshold}): see GET /api/queue/failed`,
        summaryCode: 'ALERT_FAILED_JOBS',
        summaryParams: { failed: q.failed, threshold: s.failedJobsThreshold },
        details: { failed: q.failed, threshold: s.failedJobsThreshold },
        forMs: 0,
      });
    const depth = q.waiting + q.active + q.delayed;
    if (on('queue_depth') && depth > s.queueDepthThreshold)
      out.push({
        rule: 'queue_depth',
        subject: 'queue:depth',
        robotId: null,
        summary: `${depth} callbacks are queued (more than ${s.queueDepthThreshold}): processing falls behind`,
        summaryCode: 'ALERT_QUEUE_DEPTH',
        summaryParams: { depth, threshold: s.queueDepthThreshold },
        details: { waiting: q.waiting, active: q.active, delayed: q.delayed, threshold: s.queueDepthThreshold },
        forMs: 0,
      });
  }

  if (!world.gewe) skip('gewe_error_rate');
  else if (on('gewe_error_rate')) {
    const { calls, errors } = world.gewe;
    const percent = calls ? (errors * 100) / calls : 0;
    if (calls >= s.geweErrorRateMinCalls && percent >= s.geweErrorRatePercent)
      out.push({
        rule: 'gewe_error_rate',
        subject: 'gewe',
        robotId: null,
        summary: `${Math.round(percent)}% of Gewe calls failed in the last ${minutes(s.geweErrorRateWindowMs)} (${errors} of ${calls})`,
        summaryCode: 'ALERT_GEWE_ERRORS',
        summaryParams: { percent: Math.round(percent), minutes: wholeMinutes(s.geweErrorRateWindowMs), errors, calls },
        details: { calls, errors, percent: Math.round(percent * 10) / 10, thresholdPercent: s.geweErrorRatePercent },
        forMs: 0,
      });
  }
  return { observations: out, skipped };
}

/** An incident that is not resolved yet. */
export interface OpenIncident {
  id: number;
  rule: string;
  subject: string;
  state: 'pending' | 'firing';
  since: Date;
  lastSeenAt: Date;
}

export interface RoundPlan {
  /** New incidents: pending, or firing at once. */
  create: { obs: Observation; state: 'pending' | 'firing'; since: Date }[];
  /** Open incidents whose condition still holds: seen now, and firing if it lasted long enough. */
  keep: { id: number; obs: Observation; since: Date; fire: boolean }[];
  /** Firing incidents whose condition has been clear for resolve_after. */
  resolve: number[];
  /** Pending incidents whose condition cleared before they fired: forgotten, never notified. */
  drop: number[];
}

/**
 * One evaluation: each condition opens an incident (or keeps its open one), which fires once it lasted `forMs`;
 * each open incident whose condition is gone resolves once it has been clear `resolveAfterMs` (a pending one is
 * dropped at once). Incidents of rules that could not be judged (`skipped`) are left untouched.
 */
export function planRound(
  now: Date,
  observations: readonly Observation[],
  open: readonly OpenIncident[],
  resolveAfterMs: number,
  skipped: ReadonlySet<string> = new Set(),
): RoundPlan {
  const plan: RoundPlan = { create: [], keep: [], resolve: [], drop: [] };
  const byKey = new Map(open.map((i) => [subjectKey(i.rule, i.subject), i]));
  const seen = new Set<string>();
  const t = now.getTime();
  for (const obs of observations) {
    const key = subjectKey(obs.rule, obs.subject);
    if (seen.has(key)) continue;
    seen.add(key);
    const inc = byKey.get(key);
    if (!inc) {
      const since = obs.since ?? now;
      plan.create.push({ obs, since, state: t - since.getTime() >= obs.forMs ? 'firing' : 'pending' });
      continue;
    }
    const since = obs.since ?? inc.since;
    plan.keep.push({ id: inc.id, obs, since, fire: inc.state === 'pending' && t - since.getTime() >= obs.forMs });
  }
  for (const inc of open) {
    if (seen.has(subjectKey(inc.rule, inc.subject)) || skipped.has(inc.rule)) continue;
    if (inc.state === 'pending') plan.drop.push(inc.id);
    else if (t - inc.lastSeenAt.getTime() >= resolveAfterMs) plan.resolve.push(inc.id);
  }
  return plan;
}

export function isAlertRule(s: string): s is AlertRule {
  return (ALERT_RULES as readonly string[]).includes(s);
}
