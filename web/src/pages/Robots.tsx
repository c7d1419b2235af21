import { useState } from 'react';
import { api, call, type Robot } from '../api/client';
import { LoadState } from '../components/Async';
import { CopyField } from '../components/CopyButton';
import { ErrorAlert } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n';
import { useLiveEvents } from '../live';
import { Link } from '../router';
import { CreateRobotDialog, QrLoginDialog } from './RobotDialogs';
import { useRobots } from '../robots';

export function RobotsPage() {
  const { t, tc } = useI18n();
  const list = useRobots();
  const [creating, setCreating] = useState(false);
  const [qrFor, setQrFor] = useState<Robot | null>(null);
  const [error, setError] = useState<string | null>(null);

  useLiveEvents((e) => {
    if (e.type === 'robot.status' || e.type === 'resync') list.reload();
  });

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    list.reload();
  };
  const remove = (r: Robot) =>
    window.confirm(t('robots.confirmDelete', { name: r.name })) &&
    void act(() => call(api.DELETE('/api/robots/{robot_id}', { params: { path: { robot_id: r.id } } })));
  const logout = (r: Robot) =>
    window.confirm(t('robots.confirmLogout', { name: r.name })) &&
    void act(() => call(api.POST('/api/robots/{robot_id}/logout', { params: { path: { robot_id: r.id } } })));

  const robots = list.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="robots-title">
      <div className="page-head">
        <h1 id="robots-title">{t('robots.title')}</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          + {t('robots.add')}
        </button>
      </div>
      <LoadState {...list} loading={list.loading && !list.data} />
      <ErrorAlert message={error} />
      {list.data && robots.length === 0 && <p className="card muted">{t('robots.empty')}</p>}
      {robots.length > 0 && (
        <table className="table robots">
          <thead>
            <tr>
              <th scope="col">{t('robots.name')}</th>
              <th scope="col">{t('robots.status')}</th>
              <th scope="col">{t('robots.account')}</th>
              <th scope="col">{t('robots.actions')}</th>
            </tr>
          </thead>
          {/* one body per robot: its row, then its callback URL across the whole width */}
          {robots.map((r) => (
            <tbody key={r.id} data-testid={`robot-${r.id}`}>
              <tr className="robot-main">
                <th scope="row" data-label={t('robots.name')}>
                  {r.avatarUrl && <img className="avatar" src={r.avatarUrl} alt="" width={28} height={28} />}
                  <Link href={`/robots/${r.id}`}>{r.name}</Link>
                  <div className="muted small">
                    {t('robots.appId')}: <code>{r.appId ?? t('common.none')}</code>
                  </div>
                </th>
                <td data-label={t('robots.status')}>
                  <StatusBadge status={r.status} />
                  {r.statusReason && r.status !== 'online' && (
                    <p className="small status-reason bad" data-testid="robot-reason">
                      {tc(r.statusReasonCode, r.statusReasonParams)}
                    </p>
                  )}
                </td>
                <td data-label={t('robots.account')}>
                  {r.nickname ?? '—'}
                  {r.wxid && <div className="muted small">{r.wxid}</div>}
                </td>
                <td data-label={t('robots.actions')} className="row-actions">
                  {r.status !== 'online' && (
                    <button type="button" className="button small primary" onClick={() => setQrFor(r)}>
                      {t('robots.login')}
                    </button>
                  )}
                  {r.status === 'online' && (
                    <button type="button" className="button small" onClick={() => logout(r)}>
                      {t('robots.logout')}
                    </button>
                  )}
                  <Link className="button small" href={`/robots/${r.id}`} aria-label={`${t('robot.edit')} ${r.name}`}>
                    {t('robot.edit')}
                  </Link>
                  <button
                    type="button"
                    className="button small danger"
                    onClick={() => remove(r)}
                    aria-label={`${t('common.delete')} ${r.name}`}
                  >
                    {t('common.delete')}
                  </button>
                </td>
              </tr>
              <tr className="callback-row">
                <td colSpan={4} data-testid={`robot-callback-${r.id}`}>
                  <div className="callback-line">
                    <span className="callback-label">{t('robots.callbackUrl')}</span>
                    <CopyField value={r.callbackUrl} label={`${t('robots.callbackUrl')} ${r.name}`} />
                  </div>
                  {r.callbackKeyHidden && <p className="muted small">{t('robots.callbackKeyHidden')}</p>}
                  {r.callbackUrlWarning && (
                    <p className="warn small" title={t('robots.callbackWarning')}>
                      ⚠ {tc(r.callbackUrlWarningCode)}
                    </p>
                  )}
                </td>
              </tr>
            </tbody>
          ))}
        </table>
      )}
      {creating && (
        <CreateRobotDialog
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            list.reload();
          }}
        />
      )}
      {qrFor && (
        <QrLoginDialog
          robot={qrFor}
          onClose={() => {
            setQrFor(null);
            list.reload();
          }}
        />
      )}
    </main>
  );
}
