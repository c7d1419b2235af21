import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Robot } from '../api/client';
import { useI18n } from '../i18n';

/**
 * A filter form's state for a paginated list: the draft being edited, the filters applied (on submit) and the page.
 * Applying or resetting goes back to page 1 and calls `onApplied` (e.g. to clear a "new items" counter).
 */
export function useDraftFilters<F extends { [K in keyof F]: string }>(empty: F, onApplied?: () => void) {
  const [draft, setDraft] = useState<F>(empty);
  const [filters, setFilters] = useState<F>(empty);
  const [page, setPage] = useState(1);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setPage(1);
    onApplied?.();
  };
  const reset = () => {
    setDraft(empty);
    setFilters(empty);
    setPage(1);
    onApplied?.();
  };
  /** The value and onChange of the input or select bound to the draft's `name`. */
  const field = (name: keyof F) => ({
    value: draft[name],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.target.value })),
  });
  return { filters, page, setPage, apply, reset, field };
}

/** Calls `reload` when `key` (the query, serialised) changes after the first render; the first load is useLoad's. */
export function useReloadOnChange(key: string, reload: () => void): void {
  const loadedKey = useRef(key);
  useEffect(() => {
    if (loadedKey.current === key) return;
    loadedKey.current = key;
    reload();
  }, [key, reload]);
}

/** The "robot" select of a filter form: any robot, or one of `robots`. */
export function RobotFilter({
  robots,
  ...select
}: {
  robots: readonly Pick<Robot, 'id' | 'name'>[] | undefined;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
}) {
  const { t } = useI18n();
  return (
    <label className="field">
      <span>{t('messages.robot')}</span>
      <select {...select}>
        <option value="">{t('messages.anyRobot')}</option>
        {robots?.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Apply (submits the filter form) and Reset. */
export function FilterActions({ onReset }: { onReset: () => void }) {
  const { t } = useI18n();
  return (
    <div className="filter-actions">
      <button type="submit" className="button primary">
        {t('messages.apply')}
      </button>
      <button type="button" className="button" onClick={onReset}>
        {t('messages.reset')}
      </button>
    </div>
  );
}
