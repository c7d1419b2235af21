/** Small pieces the audit, tokens and alerts screens share. */
import { useId, type ReactNode } from 'react';
import { useI18n, type Lang } from '../i18n';

/** A date-time for people: the browser's time zone, the UI's language. */
export function formatTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}

/** A value of <input type="datetime-local"> (local time) as an ISO instant, or undefined when empty. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Previous / next with where we are. */
export function Pager({
  page,
  limit,
  total,
  onPage,
}: {
  page: number;
  limit: number;
  total: number;
  onPage: (p: number) => void;
}) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / limit));
  if (pages <= 1 && page === 1) return null;
  return (
    <nav className="ops-pager" aria-label={t('pages.nav')}>
      <button type="button" className="button small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ {t('pages.prev')}
      </button>
      <span className="muted small" aria-live="polite">
        {t('pages.summary', { page, pages, total })}
      </span>
      <button type="button" className="button small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('pages.next')} ›
      </button>
    </nav>
  );
}

/**
 * A labelled control with an optional hint: the hint describes the control (aria-describedby) without becoming part
 * of its name, so "Action" stays "Action" for screen readers and tests.
 */
export function HintedField({
  label,
  hint,
  children,
  after,
}: {
  label: ReactNode;
  hint?: string;
  /** The control, given its id and the id of its hint. */
  children: (ids: { id: string; 'aria-describedby'?: string }) => ReactNode;
  /** Shown below the hint (a runtime-setting mark). */
  after?: ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(hint ? { 'aria-describedby': hintId } : {}) })}
      {hint && (
        <small id={hintId} className="muted">
          {hint}
        </small>
      )}
      {after}
    </div>
  );
}
