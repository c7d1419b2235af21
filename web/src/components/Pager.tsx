import { useI18n } from '../i18n';

/** Previous / next for a paginated list ({ total, page, limit }), with where we are. */
export function Pager({
  page,
  limit,
  total,
  onPage,
}: {
  page: number;
  limit: number;
  total: number;
  onPage: (page: number) => void;
}) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / limit));
  if (total <= limit && page === 1) return null;
  return (
    <nav className="pager" aria-label={t('pages.nav')}>
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
