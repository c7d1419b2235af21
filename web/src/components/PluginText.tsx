import type { Schemas } from '../api/client';
import { useI18n } from '../i18n';

type Plugin = Pick<Schemas['PluginResponseDto'], 'description' | 'texts'>;

/** A plugin's description in the console's language (description_zh / description_en of its manifest). */
export function PluginDescription({ plugin }: { plugin: Plugin }) {
  const { lang } = useI18n();
  const text = plugin.texts?.[lang]?.description ?? plugin.description;
  return text ? <p>{text}</p> : null;
}

/**
 * Why a plugin was disabled automatically: the dispatcher's fixed phrase in the console's words, and the error the
 * plugin threw (its own text) as code.
 */
export function AutoDisabledReason({ reason }: { reason: string }) {
  const { t } = useI18n();
  const m = /^disabled automatically after (\d+) consecutive failures: (.*)$/s.exec(reason);
  if (!m) return <code>{reason}</code>;
  return (
    <>
      {t('plugins.autoDisabledAfter', { n: m[1] ?? '' })}
      <code>{m[2]}</code>
    </>
  );
}
