/**
 * The alert rules by name. Kept free of imports: the config schema lists them as the allowed values of
 * `alerts.rules`.
 */
export const ALERT_RULES = [
  'robot_offline',
  'login_needs_scan',
  'no_callback',
  'plugin_auto_disabled',
  'failed_jobs',
  'queue_depth',
  'gewe_error_rate',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export type AlertSeverity = 'warning' | 'critical';

export const ALERT_SEVERITY: Record<AlertRule, AlertSeverity> = {
  robot_offline: 'critical',
  login_needs_scan: 'warning',
  no_callback: 'warning',
  plugin_auto_disabled: 'warning',
  failed_jobs: 'warning',
  queue_depth: 'critical',
  gewe_error_rate: 'critical',
};

export const ALERT_STATES = ['pending', 'firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
