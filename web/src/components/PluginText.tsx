import type { Schemas } from '../api/client';
import { useI18n } from '../i18n';

type Plugin = Pick<Schemas['PluginResponseDto'], 'description' | 'texts'>;

/** A plugin's description in the console's language (description_zh / description_en of its manifest). */
export function PluginDescription({ plugin }: { plugin: Plugin }) {
  const { lang } = useI18n();
  const text = plugin.texts?.[lang]?.description ?? plugin.description;
  return text ? <p>{text}</p> : null;
}
