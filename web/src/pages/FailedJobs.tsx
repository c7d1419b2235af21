import { useEffect, useRef, useState } from 'react';
import { api, call } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { Pager } from '../components/Pager';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import { useRobots } from '../robots';

const LIMIT = 50;

/** /jobs: callbacks that failed every attempt, with their reason; retry or discard them (admin). */
export function FailedJobsPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const [page, setPage] = useState(1);
  const jobs = useLoad(() => call(api.GET('/api/queue/failed', { params: { query: { page, limit: LIMIT } } })));
  const robots = useRobots();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const names = new Map((robots.data?.items ?? []).map((r) => [r.id, r.name]));

  const act = async (id: string, kind: 'retry' | 'delete') => {
    if (kind === 'delete' && !window.confirm(t('jobs.confirmDelete'))) return;
    setError(null);
    setNotice(null);
    const path = { params: { path: { job_id: id } } };
    try {
      if (kind === 'retry') await call(api.POST('/api/queue/failed/{job_id}/retry', path));
      else await call(api.DELETE('/api/queue/failed/{job_id}', path));
      setNotice(t(kind === 'retry' ? 'jobs.retried' : 'jobs.deleted', { id }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    jobs.reload();
  };
  // another page: load it once the new page number is rendered (useLoad reads it through its closure)
  const shownPage = useRef(page);
  useEffect(() => {
    if (shownPage.current === page) return;
    shownPage.current = page;
    jobs.reload();
  }, [page, jobs.reload]);
  const go = setPage;

  const items = jobs.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="jobs-title">
      <h1 id="jobs-title">{t('jobs.title')}</h1>
      <p className="muted">{t('jobs.hint')}</p>
      <LoadState {...jobs} loading={jobs.loading && !jobs.data} />
      <ErrorAlert message={error} />
      <OkNotice message={notice} />
      {jobs.data && items.length === 0 && <p className="card muted">{t('jobs.empty')}</p>}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('jobs.id')}</th>
              <th scope="col">{t('jobs.robot')}</th>
              <th scope="col">{t('jobs.error')}</th>
              <th scope="col">{t('jobs.attempts')}</th>
              <th scope="col">{t('jobs.failed')}</th>
              {user?.isAdmin && <th scope="col">{t('jobs.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((j) => (
              <tr key={j.id} data-testid={`job-${j.id}`}>
                <th scope="row" data-label={t('jobs.id')}>
                  <code>{j.id}</code>
                  <div className="muted small">
                    {t('jobs.received')}: {new Date(j.receivedAt).toLocaleString()}
                  </div>
                </th>
                <td data-label={t('jobs.robot')}>
                  <Link href={`/robots/${j.robotId}`}>{names.get(j.robotId) ?? `#${j.robotId}`}</Link>
                </td>
                <td data-label={t('jobs.error')}>
                  <code className="bad">{j.error ?? '—'}</code>
                </td>
                <td data-label={t('jobs.attempts')}>{j.attempts}</td>
                <td data-label={t('jobs.failed')}>{j.failedAt ? new Date(j.failedAt).toLocaleString() : '—'}</td>
                {user?.isAdmin && (
                  <td data-label={t('jobs.actions')} className="row-actions">
                    <button
                      type="button"
                      className="button small primary"
                      aria-label={`${t('jobs.retry')} ${j.id}`}
                      onClick={() => void act(j.id, 'retry')}
                    >
                      {t('jobs.retry')}
                    </button>
                    <button
                      type="button"
                      className="button small danger"
                      aria-label={`${t('common.delete')} ${j.id}`}
                      onClick={() => void act(j.id, 'delete')}
                    >
                      {t('common.delete')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {jobs.data && <Pager page={page} limit={LIMIT} total={jobs.data.total} onPage={go} />}
    </main>
  );
}
