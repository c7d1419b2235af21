import type { RuntimeSettingName } from '../settings/runtime-settings';
import { AlertRule } from '../config/alert-rules';

/** The `[alerts]` settings in effect (runtime settings over the config file), typed. */
export interface AlertSettings {
  rules: ReadonlySet<AlertRule>;
  robotOfflineAfterMs: number;
  noCallbackAfterMs: number;
  failedJobsThreshold: number;
  queueDepthThreshold: number;
  geweErrorRatePercent: number;
  geweErrorRateWindowMs: number;
  geweErrorRateMinCalls: number;
  resolveAfterMs: number;
  webhook: { url: string; secret: string; timeoutMs: number; attempts: number; backoffMs: number };
  wechat: { robotId: number; to: readonly string[] };
}

export function readAlertSettings(get: (name: RuntimeSettingName) => unknown): AlertSettings {
  const num = (n: RuntimeSettingName) => get(n) as number;
  return {
    rules: new Set(get('alerts.rules') as AlertRule[]),
    robotOfflineAfterMs: num('alerts.robot_offline_after'),
    noCallbackAfterMs: num('alerts.no_callback_after'),
    failedJobsThreshold: num('alerts.failed_jobs_threshold'),
    queueDepthThreshold: num('alerts.queue_depth_threshold'),
    geweErrorRatePercent: num('alerts.gewe_error_rate_percent'),
    geweErrorRateWindowMs: num('alerts.gewe_error_rate_window'),
    geweErrorRateMinCalls: num('alerts.gewe_error_rate_min_calls'),
    resolveAfterMs: num('alerts.resolve_after'),
    webhook: {
      url: get('alerts.webhook_url') as string,
      secret: get('alerts.webhook_secret') as string,
      timeoutMs: num('alerts.webhook_timeout'),
      attempts: num('alerts.webhook_attempts'),
      backoffMs: num('alerts.webhook_backoff'),
    },
    wechat: { robotId: num('alerts.wechat_robot_id'), to: get('alerts.wechat_to') as string[] },
  };
}
