import { useEffect, useState, type FormEvent } from 'react';
import { api, call, type Robot, type RobotStatus } from '../api/client';
import { CopyField } from '../components/CopyButton';
import { Dialog } from '../components/Dialog';
import { FormActions } from '../components/FormActions';
import { ErrorAlert } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n';
import { useLive, useLiveEvents } from '../live';

/** Gewechat's container layout, as the server derives it: http://host:2531/v2/api → http://host:2532/download. */
function gewechatDownloadUrl(baseUrl: string): string | null {
  try {
    const u = new URL(baseUrl);
    if (u.port !== '2531' || u.pathname.replace(/\/+$/, '') !== '/v2/api') return null;
    return `${u.protocol}//${u.hostname}:2532/download`;
  } catch {
    return null;
  }
}

/** The command that plays the phone on the fake Gewe for this robot's base URL. */
function fakeConfirmCommand(baseUrl: string): string {
  let origin = 'http://127.0.0.1:2531';
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    // keep the fake's default address
  }
  return `curl -s -X POST ${origin}/__control/confirm`;
}

export function CreateRobotDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (r: Robot) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [token, setToken] = useState('');
  const [downloadUrl, setDownloadUrl] = useState('');
  const [isGewe, setIsGewe] = useState(false);
  const [verify, setVerify] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const robot = await call(
        api.POST('/api/robots', {
          params: { query: { verify } },
          body: {
            name: name.trim(),
            isGewe,
            ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
            ...(token.trim() ? { token: token.trim() } : {}),
            ...(downloadUrl.trim() ? { downloadUrl: downloadUrl.trim() } : {}),
          },
        }),
      );
      onCreated(robot);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  const derived = !isGewe && !downloadUrl.trim() && baseUrl.trim() ? gewechatDownloadUrl(baseUrl.trim()) : null;

  return (
    <Dialog title={t('create.title')} onClose={onClose} testId="create-robot">
      <form onSubmit={(e) => void submit(e)} className="form">
        <label className="field">
          <span>{t('create.name')}</span>
          <input name="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('create.baseUrl')}</span>
          <input
            name="baseUrl"
            type="url"
            inputMode="url"
            placeholder="http://192.168.1.10:2531/v2/api"
            aria-describedby="baseUrl-hint"
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
          />
          <small id="baseUrl-hint" className="muted">
            {t('create.baseUrlHint')}
          </small>
        </label>
        <label className="field">
          <span>{t('create.token')}</span>
          <input
            name="token"
            type="password"
            autoComplete="off"
            aria-describedby="token-hint"
            maxLength={100}
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          <small id="token-hint" className="muted">
            {t('create.tokenHint')}
          </small>
        </label>
        <label className="check">
          <input type="checkbox" name="isGewe" checked={isGewe} onChange={(e) => setIsGewe(e.target.checked)} />
          <span>{t('create.isGewe')}</span>
        </label>
        <label className="field">
          <span>{t('create.downloadUrl')}</span>
          <input
            name="downloadUrl"
            type="url"
            inputMode="url"
            placeholder={derived ?? 'http://192.168.1.10:2532/download'}
            aria-describedby="downloadUrl-hint"
            value={downloadUrl}
            onChange={(e) => setDownloadUrl(e.target.value)}
          />
          <small id="downloadUrl-hint" className="muted" data-testid="download-url-hint">
            {derived ? t('create.downloadUrlDerived', { url: derived }) : t('create.downloadUrlHint')}
          </small>
        </label>
        <label className="check">
          <input type="checkbox" name="verify" checked={verify} onChange={(e) => setVerify(e.target.checked)} />
          <span>{t('create.verify')}</span>
        </label>
        <ErrorAlert message={error} />
        <FormActions onCancel={onClose} busy={busy}>
          {busy ? t('create.busy') : verify ? t('create.submit') : t('create.submitNoVerify')}
        </FormActions>
      </form>
    </Dialog>
  );
}

const PENDING = ['awaiting_scan', 'scanned', 'need_captcha'];

/**
 * Starts (or rejoins) a QR login and follows it live: each robot.status event for this robot reloads its status
 * (the QR, who scanned, the reason). Without the live stream it polls instead.
 */
export function QrLoginDialog({ robot, onClose }: { robot: Robot; onClose: () => void }) {
  const { t, tc } = useI18n();
  const { connected } = useLive();
  const [state, setState] = useState<RobotStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [now, setNow] = useState(Date.now());
  const path = { params: { path: { robot_id: robot.id } } };

  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
  const start = () => {
    setError(null);
    setState(null);
    call(api.POST('/api/robots/{robot_id}/login', path)).then(setState, fail);
  };
  const refresh = () => call(api.GET('/api/robots/{robot_id}/status', path)).then(setState, fail);

  useEffect(start, [robot.id]);
  useLiveEvents((e) => {
    if ((e.type === 'robot.status' && e.data.robotId === robot.id) || e.type === 'resync') void refresh();
  });
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  useEffect(() => {
    if (connected || !state || !PENDING.includes(state.status)) return;
    const poll = setInterval(() => void refresh(), 2000);
    return () => clearInterval(poll);
  }, [connected, state?.status]);

  const sendCode = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setState(await call(api.POST('/api/robots/{robot_id}/login/captcha', { ...path, body: { code: code.trim() } })));
      setCode('');
    } catch (err) {
      fail(err);
    }
  };

  // a refused login comes back twice — the failed request and the robot's reason (status error): say it once
  const reason = state?.reason && state.status !== 'online' ? tc(state.reasonCode, state.reasonParams) : null;
  const failed = state?.status === 'error' && reason !== null;
  const left = state?.expiresAt ? Math.max(0, Math.round((Date.parse(state.expiresAt) - now) / 1000)) : null;
  const status = state?.status;

  return (
    <Dialog title={t('qr.title', { name: robot.name })} onClose={onClose} testId="qr-dialog">
      <div className="qr" aria-live="polite">
        {!state && !error && <p role="status">{t('qr.starting')}</p>}
        {state && (
          <p className="qr-status" data-testid="qr-status" data-status={state.status}>
            <StatusBadge status={state.status} />
            {state.status === 'scanned' && state.scannedNickname && <strong> {state.scannedNickname}</strong>}
            {left !== null && status && PENDING.includes(status) && (
              <span className="muted small"> · {t('qr.expiresIn', { s: left })}</span>
            )}
          </p>
        )}
        {state?.qrImageBase64 && status && PENDING.includes(status) && (
          <img
            className={`qr-image${status === 'scanned' ? ' dim' : ''}`}
            src={
              state.qrImageBase64.startsWith('data:')
                ? state.qrImageBase64
                : `data:image/png;base64,${state.qrImageBase64}`
            }
            alt={t('qr.alt')}
            width={240}
            height={240}
          />
        )}
        {status && PENDING.includes(status) && status !== 'need_captcha' && (
          <div className="muted small" data-testid="qr-fake-hint">
            <p>{t('qr.fakeHint')}</p>
            <CopyField value={fakeConfirmCommand(robot.baseUrl)} label="curl" />
          </div>
        )}
        {reason && !failed && <p className="muted">{reason}</p>}
        {status === 'need_captcha' && (
          <form className="form inline" onSubmit={(e) => void sendCode(e)}>
            <label className="field">
              <span>{t('qr.captcha')}</span>
              <input
                name="captcha"
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                pattern="[A-Za-z0-9]{4,12}"
                aria-describedby="captcha-hint"
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
              <small id="captcha-hint" className="muted">
                {t('qr.captchaHint')}
              </small>
            </label>
            <button type="submit" className="button primary">
              {t('qr.captchaSubmit')}
            </button>
          </form>
        )}
        {status === 'online' && (
          <div className="qr-done">
            <p className="ok">{t('qr.onlineAs', { name: state?.nickname ?? state?.wxid ?? robot.name })}</p>
            {state?.callbackRegistered === false && (
              <p className="alert alert-error">
                {t('qr.callbackFailed', { error: tc(state.callbackErrorCode, state.callbackErrorParams) })}
              </p>
            )}
            {state?.callbackRegistered === null && (
              <>
                <p>{t('qr.callbackManual')}</p>
                <CopyField value={robot.callbackUrl} label={t('robots.callbackUrl')} />
              </>
            )}
          </div>
        )}
        <ErrorAlert message={failed ? reason : error} />
        <div className="actions">
          {(error || status === 'expired' || status === 'error' || status === 'logged_out' || status === 'offline') && (
            <button type="button" className="button primary" onClick={start}>
              {t('qr.again')}
            </button>
          )}
          <button type="button" className="button" onClick={onClose}>
            {t('common.close')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
