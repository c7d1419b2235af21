import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n';

/** Loads data with `load`, again on `reload()`; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>): {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const ref = useRef(load);
  ref.current = load;
  const seq = useRef(0);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    ref.current().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      },
    );
  }, []);
  useEffect(reload, [reload]);
  return { data, error, loading, reload };
}

export function LoadState({
  error,
  loading,
  reload,
}: {
  error: string | null;
  loading: boolean;
  reload: () => void;
}): ReactNode {
  const { t } = useI18n();
  if (error)
    return (
      <p className="alert alert-error" role="alert">
        {t('common.error')}: {error}{' '}
        <button type="button" className="button small" onClick={reload}>
          {t('common.retry')}
        </button>
      </p>
    );
  if (loading)
    return (
      <p className="muted" role="status">
        {t('common.loading')}
      </p>
    );
  return null;
}
