import { useState } from 'react';
import { useI18n } from '../i18n';

/** Copies `text`; falls back to selecting a hidden textarea where the Clipboard API is unavailable (plain http). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useI18n();
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.style.position = 'fixed';
      ta.style.opacity = '0';
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button
      type="button"
      className="button small"
      onClick={() => void copy()}
      aria-label={`${t('common.copy')}: ${label}`}
    >
      {done ? t('common.copied') : t('common.copy')}
    </button>
  );
}

/** A long value (a URL) shown in full, selectable, with its copy button. */
export function CopyField({ value, label }: { value: string; label: string }) {
  return (
    <div className="copy-field">
      <code aria-label={label}>{value}</code>
      <CopyButton text={value} label={label} />
    </div>
  );
}
