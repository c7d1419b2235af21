import { CONFIG_SCHEMA, Field } from '../config/config-schema';

/**
 * Settings an admin may change at runtime through PUT /api/system/config. Each one is a key of main_config.toml: the
 * file (or env) gives the default, a value stored in the `configs` table overrides it, and it is validated by the same
 * rules as the file.
 */
export const RUNTIME_SETTING_NAMES = [
  'logging.level',
  'gewe.base_url',
  'gewe.download_url',
  'gewe.callback_url',
  'gewe.token',
  'gewe.is_gewe',
  'alerts.rules',
  'alerts.robot_offline_after',
  'alerts.no_callback_after',
  'alerts.failed_jobs_threshold',
  'alerts.queue_depth_threshold',
  'alerts.gewe_error_rate_percent',
  'alerts.gewe_error_rate_window',
  'alerts.gewe_error_rate_min_calls',
  'alerts.resolve_after',
  'alerts.webhook_url',
  'alerts.webhook_secret',
  'alerts.webhook_timeout',
  'alerts.webhook_attempts',
  'alerts.webhook_backoff',
  'alerts.wechat_robot_id',
  'alerts.wechat_to',
] as const;
export type RuntimeSettingName = (typeof RUNTIME_SETTING_NAMES)[number];

export function settingField(name: string): Field | undefined {
  if (!(RUNTIME_SETTING_NAMES as readonly string[]).includes(name)) return undefined;
  const [section, key] = name.split('.');
  return (CONFIG_SCHEMA as unknown as Record<string, Record<string, Field>>)[section][key];
}
