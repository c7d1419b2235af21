import { useState } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { CopyField } from '../components/CopyButton';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { useI18n } from '../i18n';

type Endpoint = Schemas['WebhookEndpointResponseDto'];

const when = (iso: string | null | undefined, never: string) => (iso ? new Date(iso).toLocaleString() : never);

/** A robot's webhook endpoint: what arrived through its callback URL, and rotating the URL's key. */
export function RobotWebhook({ robotId, name, onRotated }: { robotId: number; name: string; onRotated: () => void }) {
  const { t } = useI18n();
  const path = { params: { path: { robot_id: robotId } } };
  const endpoint = useLoad(() => call(api.GET('/api/robots/{robot_id}/webhook', path)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Endpoint | null>(null);

  const rotate = async () => {
    if (!window.confirm(t('webhook.confirmRotate', { name }))) return;
    setBusy(true);
    setError(null);
    try {
      setFresh(await call(api.POST('/api/robots/{robot_id}/webhook/rotate', path)));
      endpoint.reload();
      onRotated();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const e = fresh && endpoint.data && fresh.rotatedAt !== endpoint.data.rotatedAt ? fresh : endpoint.data;
  const reasons = Object.entries(e?.rejectedByReason ?? {});
  return (
    <div data-testid="robot-webhook">
      <p className="muted small">{t('webhook.hint')}</p>
      <LoadState {...endpoint} loading={endpoint.loading && !endpoint.data} />
      {e && (
        <dl className="facts">
          <div>
            <dt>{t('webhook.accepted')}</dt>
            <dd data-testid="webhook-accepted">{e.accepted}</dd>
          </div>
          <div>
            <dt>{t('webhook.duplicates')}</dt>
            <dd>{e.duplicates}</dd>
          </div>
          <div>
            <dt>{t('webhook.probes')}</dt>
            <dd>{e.probes}</dd>
          </div>
          <div>
            <dt>{t('webhook.rejected')}</dt>
            <dd data-testid="webhook-rejected">
              {e.rejected}
              {reasons.length > 0 && (
                <span className="muted small"> ({reasons.map(([r, n]) => `${r}: ${n}`).join(', ')})</span>
              )}
            </dd>
          </div>
          <div>
            <dt>{t('webhook.lastCallback')}</dt>
            <dd>{when(e.lastCallbackAt, t('webhook.never'))}</dd>
          </div>
          <div>
            <dt>{t('webhook.lastRejection')}</dt>
            <dd>{e.lastRejection ? `${e.lastRejection} · ${when(e.lastRejectedAt, '')}` : t('webhook.never')}</dd>
          </div>
          <div>
            <dt>{t('webhook.rotatedAt')}</dt>
            <dd>{when(e.rotatedAt, t('webhook.never'))}</dd>
          </div>
          {e.previousKeyValidUntil && (
            <div>
              <dt>{t('webhook.previousValid')}</dt>
              <dd>{when(e.previousKeyValidUntil, '')}</dd>
            </div>
          )}
        </dl>
      )}
      {fresh && (
        <div data-testid="webhook-new-url">
          <OkNotice message={t('webhook.rotated')} />
          <CopyField value={fresh.callbackUrl} label={t('robot.callbackUrl')} />
        </div>
      )}
      <ErrorAlert message={error} />
      {e && !e.callbackKeyHidden && (
        <p>
          <button type="button" className="button" disabled={busy} onClick={() => void rotate()}>
            {busy ? t('webhook.rotating') : t('webhook.rotate')}
          </button>
        </p>
      )}
    </div>
  );
}
