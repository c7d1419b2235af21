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
] as const;
export type RuntimeSettingName = (typeof RUNTIME_SETTING_NAMES)[number];

export function settingField(name: string): Field | undefined {
  if (!(RUNTIME_SETTING_NAMES as readonly string[]).includes(name)) return undefined;
  const [section, key] = name.split('.');
  return (CONFIG_SCHEMA as unknown as Record<string, Record<string, Field>>)[section][key];
}
