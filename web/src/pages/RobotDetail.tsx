import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiCallError, call, type Robot } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { CopyField } from '../components/CopyButton';
import { SelectField, splitFieldErrors, TextField } from '../components/Field';
import { ErrorAlert } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { AutoDisabledReason } from '../components/PluginText';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvents } from '../live';
import { Link, usePath } from '../router';
import { chatSettingsHref } from './ChatSettings';
import { contactsHref } from './Contacts';
import { friendRequestsHref } from './FriendRequests';
import { groupHref } from './GroupManage';
import { conversationsHref } from './Conversations';
import { useSession } from '../session';
import { QrLoginDialog } from './RobotDialogs';
import { RobotOneBot } from './RobotOneBot';
import { RobotWebhook } from './RobotWebhook';

const KINDS = ['image', 'voice', 'video', 'file', 'emoji'] as const;
type MediaKind = (typeof KINDS)[number];
const FIELDS = [
  'name',
  'baseUrl',
  'token',
  'downloadUrl',
  'appId',
  'isGewe',
  'config.regionId',
  'config.loginType',
  'config.proxyIp',
  'config.autoDownload',
] as const;
type FieldName = (typeof FIELDS)[number];

/** /robots/<id>: edit the robot, its WeChat profile, its plugins. */
export function RobotDetailPage() {
  const { t, tc } = useI18n();
  const id = Number(usePath().split('/')[2]);
  const path = { params: { path: { robot_id: id } } };
  const robot = useLoad(() => call(api.GET('/api/robots/{robot_id}', path)));
  const status = useLoad(() => call(api.GET('/api/robots/{robot_id}/status', path)));

  useLiveEvents((e) => {
    if ((e.type === 'robot.status' && e.data.robotId === id) || e.type === 'resync') {
      robot.reload();
      status.reload();
    }
  });

  const [qr, setQr] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const logout = async (r: Robot) => {
    if (!window.confirm(t('robots.confirmLogout', { name: r.name }))) return;
    setActionError(null);
    try {
      await call(api.POST('/api/robots/{robot_id}/logout', path));
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    }
    robot.reload();
    status.reload();
  };

  const r = robot.data;
  return (
    <main id="main" className="page" aria-labelledby="robot-title">
      <p>
        <Link href="/robots">{t('robot.back')}</Link>
      </p>
      <div className="page-head">
        <h1 id="robot-title">
          {r?.avatarUrl && <img className="avatar" src={r.avatarUrl} alt="" width={32} height={32} />}
          {r?.name ?? `#${id}`}
        </h1>
        {r && (
          <div className="head-actions">
            <StatusBadge status={r.status} />
            {r.status === 'online' ? (
              <button type="button" className="button small" onClick={() => void logout(r)}>
                {t('robots.logout')}
              </button>
            ) : (
              <button type="button" className="button small primary" onClick={() => setQr(true)}>
                {t('robots.login')}
              </button>
            )}
          </div>
        )}
      </div>
      <LoadState {...robot} loading={robot.loading && !robot.data} />
      <ErrorAlert message={actionError} />
      {r && qr && (
        <QrLoginDialog
          robot={r}
          onClose={() => {
            setQr(false);
            robot.reload();
            status.reload();
          }}
        />
      )}
      {r && (
        <>
          <section className="card" aria-labelledby="robot-state">
            <h2 id="robot-state" className="visually-hidden">
              {t('robot.status')}
            </h2>
            <dl className="facts">
              <div className="fact-wide" data-testid="robot-callback">
                <dt>{t('robot.callbackUrl')}</dt>
                <dd>
                  <CopyField value={r.callbackUrl} label={t('robot.callbackUrl')} />
                  {r.callbackKeyHidden && <p className="muted small">{t('robots.callbackKeyHidden')}</p>}
                  {r.callbackUrlWarning && <p className="warn small">⚠ {tc(r.callbackUrlWarningCode)}</p>}
                </dd>
              </div>
              {status.data?.reason && (
                <div className="fact-wide">
                  <dt>{t('robot.status')}</dt>
                  <dd>{tc(status.data.reasonCode, status.data.reasonParams)}</dd>
                </div>
              )}
              <div>
                <dt>{t('robot.lastSeen')}</dt>
                <dd>{status.data?.lastSeenAt ? new Date(status.data.lastSeenAt).toLocaleString() : '—'}</dd>
              </div>
              <div>
                <dt>{t('robot.lastCallback')}</dt>
                <dd>{status.data?.lastCallbackAt ? new Date(status.data.lastCallbackAt).toLocaleString() : '—'}</dd>
              </div>
            </dl>
          </section>
          <section className="card" aria-labelledby="robot-webhook">
            <h2 id="robot-webhook">{t('webhook.title')}</h2>
            <RobotWebhook robotId={r.id} name={r.name} onRotated={robot.reload} />
          </section>
          <section className="card" aria-labelledby="robot-edit">
            <h2 id="robot-edit">{t('robot.editTitle')}</h2>
            <RobotForm robot={r} onSaved={robot.reload} />
          </section>
          <section className="card" aria-labelledby="robot-profile">
            <h2 id="robot-profile">{t('robot.profile')}</h2>
            <RobotProfile robot={r} />
          </section>
          <section className="card" aria-labelledby="robot-onebot">
            <h2 id="robot-onebot">{t('onebot.title')}</h2>
            <RobotOneBot robotId={r.id} />
          </section>
          <section className="card" aria-labelledby="robot-contacts">
            <h2 id="robot-contacts">{t('contacts.title')}</h2>
            <p className="muted small">{t('contacts.linkHint')}</p>
            <p>
              <Link href={contactsHref(r.id)} className="button" data-testid="robot-contacts-link">
                {t('contacts.link')}
              </Link>
            </p>
          </section>
          <section className="card" aria-labelledby="robot-chats">
            <h2 id="robot-chats">{t('chats.title')}</h2>
            <p className="muted small">{t('chats.linkHint')}</p>
            <p>
              <Link href={chatSettingsHref(r.id)} className="button" data-testid="robot-chats-link">
                {t('chats.link')}
              </Link>{' '}
              <Link href={conversationsHref(r.id)} className="button" data-testid="robot-conversations-link">
                {t('conversations.open')}
              </Link>
            </p>
          </section>
          <section className="card" aria-labelledby="robot-relations">
            <h2 id="robot-relations">{t('relations.robotCard')}</h2>
            <p className="muted small">{t('relations.robotCardHint')}</p>
            <p className="actions">
              <Link href={friendRequestsHref(r.id)} className="button" data-testid="robot-friend-requests-link">
                {t('relations.requestsLink')}
              </Link>
              <Link href={groupHref(r.id)} className="button" data-testid="robot-groups-link">
                {t('relations.groupsLink')}
              </Link>
            </p>
          </section>
          <section className="card" aria-labelledby="robot-plugins">
            <h2 id="robot-plugins">{t('robot.plugins')}</h2>
            <p className="muted small">{t('robot.pluginsHint')}</p>
            <RobotPlugins robotId={r.id} />
          </section>
        </>
      )}
    </main>
  );
}

const URL_RE = /^https?:\/\/[^\s/?#]+[^\s?#]*$/i;

function RobotForm({ robot, onSaved }: { robot: Robot; onSaved: () => void }) {
  const { t } = useI18n();
  const cfg = robot.config as { regionId?: string; loginType?: string; proxyIp?: string; autoDownload?: string[] };
  const [name, setName] = useState(robot.name);
  const [baseUrl, setBaseUrl] = useState(robot.baseUrl);
  const [token, setToken] = useState('');
  const [downloadUrl, setDownloadUrl] = useState(robot.downloadUrl ?? '');
  const [appId, setAppId] = useState(robot.appId ?? '');
  const [isGewe, setIsGewe] = useState(robot.isGewe);
  const [regionId, setRegionId] = useState(cfg.regionId ?? '');
  const [loginType, setLoginType] = useState(cfg.loginType ?? '');
  const [proxyIp, setProxyIp] = useState(cfg.proxyIp ?? '');
  const [autoDownload, setAutoDownload] = useState<MediaKind[] | null>(
    Array.isArray(cfg.autoDownload)
      ? (cfg.autoDownload.filter((k) => (KINDS as readonly string[]).includes(k)) as MediaKind[])
      : null,
  );
  const [verify, setVerify] = useState(true);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [server, setServer] = useState<{ byField: Partial<Record<FieldName, string[]>>; other: string[] }>({
    byField: {},
    other: [],
  });

  const problems: Partial<Record<FieldName, string[]>> = {
    name: name.trim() ? [] : [t('sf.required')],
    baseUrl: URL_RE.test(baseUrl.trim()) ? [] : [t('robot.invalidUrl')],
    downloadUrl: downloadUrl.trim() === '' || URL_RE.test(downloadUrl.trim()) ? [] : [t('robot.invalidUrl')],
    appId: appId.trim() === '' || /^[\w-]{1,100}$/.test(appId.trim()) ? [] : [t('robot.invalidAppId')],
    'config.regionId': regionId.trim() === '' || /^\d{6}$/.test(regionId.trim()) ? [] : [t('robot.invalidRegion')],
    'config.proxyIp':
      proxyIp.trim() === '' || /^socks5h?:\/\/\S+$/.test(proxyIp.trim()) ? [] : [t('robot.invalidProxy')],
  };
  const invalid = Object.values(problems).some((p) => p.length > 0);
  const shown = (f: FieldName) => [...(checked ? (problems[f] ?? []) : []), ...(server.byField[f] ?? [])];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    setSaved(false);
    if (invalid) return;
    const config: Record<string, unknown> = {};
    if (regionId.trim()) config.regionId = regionId.trim();
    if (loginType) config.loginType = loginType;
    if (proxyIp.trim()) config.proxyIp = proxyIp.trim();
    if (autoDownload) config.autoDownload = autoDownload;
    const body = {
      name: name.trim(),
      baseUrl: baseUrl.trim(),
      downloadUrl: downloadUrl.trim() || null,
      isGewe,
      config,
      ...(token.trim() ? { token: token.trim() } : {}),
      ...((appId.trim() || null) !== robot.appId ? { appId: appId.trim() || null } : {}),
    };
    setBusy(true);
    setServer({ byField: {}, other: [] });
    try {
      await call(
        api.PATCH('/api/robots/{robot_id}', { params: { path: { robot_id: robot.id }, query: { verify } }, body }),
      );
      setSaved(true);
      setToken('');
      onSaved();
    } catch (err) {
      setServer(
        err instanceof ApiCallError && err.status === 400
          ? splitFieldErrors(err.messages, FIELDS)
          : { byField: {}, other: [err instanceof Error ? err.message : String(err)] },
      );
    } finally {
      setBusy(false);
    }
  };

  const toggleKind = (k: MediaKind, on: boolean) =>
    setAutoDownload((list) => {
      const cur = list ?? [];
      return on ? KINDS.filter((x) => x === k || cur.includes(x)) : cur.filter((x) => x !== k);
    });

  return (
    <form className="form" noValidate onSubmit={(e) => void submit(e)} data-testid="robot-form">
      <TextField
        label={t('robot.name')}
        name="name"
        required
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
        errors={shown('name')}
      />
      <TextField
        label={t('robot.baseUrl')}
        name="baseUrl"
        type="url"
        inputMode="url"
        required
        value={baseUrl}
        onChange={(e) => setBaseUrl(e.target.value)}
        errors={shown('baseUrl')}
      />
      <TextField
        label={t('robot.token')}
        name="token"
        type="password"
        autoComplete="new-password"
        maxLength={100}
        placeholder={t('robot.tokenPlaceholder')}
        hint={t('robot.tokenHint')}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        errors={shown('token')}
      />
      <TextField
        label={t('robot.downloadUrl')}
        name="downloadUrl"
        type="url"
        inputMode="url"
        hint={t('robot.downloadUrlHint')}
        value={downloadUrl}
        onChange={(e) => setDownloadUrl(e.target.value)}
        errors={shown('downloadUrl')}
      />
      <TextField
        label={t('robot.appId')}
        name="appId"
        hint={t('robot.appIdHint')}
        value={appId}
        onChange={(e) => setAppId(e.target.value)}
        errors={shown('appId')}
      />
      <label className="check">
        <input type="checkbox" name="isGewe" checked={isGewe} onChange={(e) => setIsGewe(e.target.checked)} />
        <span>{t('robot.isGewe')}</span>
      </label>
      {isGewe && (
        <fieldset className="fieldset">
          <legend>{t('robot.paidOptions')}</legend>
          <TextField
            label={t('robot.regionId')}
            name="regionId"
            inputMode="numeric"
            hint={t('robot.regionIdHint')}
            value={regionId}
            onChange={(e) => setRegionId(e.target.value)}
            errors={shown('config.regionId')}
          />
          <SelectField
            label={t('robot.loginType')}
            name="loginType"
            value={loginType}
            onChange={(e) => setLoginType(e.target.value)}
            errors={shown('config.loginType')}
          >
            <option value="">{t('robot.loginTypeDefault')}</option>
            <option value="ipad">iPad</option>
            <option value="mac">Mac</option>
          </SelectField>
          <TextField
            label={t('robot.proxyIp')}
            name="proxyIp"
            hint={t('robot.proxyIpHint')}
            value={proxyIp}
            onChange={(e) => setProxyIp(e.target.value)}
            errors={shown('config.proxyIp')}
          />
        </fieldset>
      )}
      <fieldset className="fieldset">
        <legend>{t('robot.autoDownload')}</legend>
        <label className="check">
          <input
            type="radio"
            name="autoDownloadMode"
            checked={autoDownload === null}
            onChange={() => setAutoDownload(null)}
          />
          <span>{t('robot.autoDownloadFollow')}</span>
        </label>
        <label className="check">
          <input
            type="radio"
            name="autoDownloadMode"
            checked={autoDownload !== null}
            onChange={() => setAutoDownload([...KINDS])}
          />
          <span>{t('robot.autoDownloadCustom')}</span>
        </label>
        {autoDownload !== null && (
          <div className="check-row">
            {KINDS.map((k) => (
              <label key={k} className="check">
                <input
                  type="checkbox"
                  checked={autoDownload.includes(k)}
                  onChange={(e) => toggleKind(k, e.target.checked)}
                />
                <span>{t(`robot.kind.${k}` as MessageKey)}</span>
              </label>
            ))}
          </div>
        )}
        {shown('config.autoDownload').length > 0 && (
          <small className="field-error">{shown('config.autoDownload').join('；')}</small>
        )}
      </fieldset>
      <label className="check">
        <input type="checkbox" name="verify" checked={verify} onChange={(e) => setVerify(e.target.checked)} />
        <span>{t('robot.verify')}</span>
      </label>
      <ErrorAlert message={server.other.join('; ')} />
      {saved && (
        <p className="alert alert-ok" role="status">
          {t('robot.saved')}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy}>
          {t('robot.save')}
        </button>
      </div>
    </form>
  );
}

/** The account's profile, live from Gewe (only while the robot is online). */
function RobotProfile({ robot }: { robot: Robot }) {
  const { t } = useI18n();
  const online = robot.status === 'online';
  const [profile, setProfile] = useState<Awaited<ReturnType<typeof loadProfile>> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    setBusy(true);
    setError(null);
    try {
      setProfile(await loadProfile(robot.id));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (online) void load();
  }, [online, robot.id]);

  if (!online) return <p className="muted">{t('robot.profileOffline')}</p>;
  return (
    <>
      <ErrorAlert message={error} />
      {busy && !profile && (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      )}
      {profile && (
        <div className="profile" data-testid="robot-profile">
          {profile.avatarUrl && <img className="avatar big" src={profile.avatarUrl} alt="" width={64} height={64} />}
          <dl className="facts">
            <div>
              <dt>{t('robot.nickname')}</dt>
              <dd translate="no">{profile.nickname ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('robot.wxid')}</dt>
              <dd>
                <code>{profile.wxid ?? '—'}</code>
              </dd>
            </div>
            <div>
              <dt>{t('robot.alias')}</dt>
              <dd translate="no">{profile.alias ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('robot.signature')}</dt>
              <dd translate="no">{profile.signature ?? '—'}</dd>
            </div>
          </dl>
          <details>
            <summary>{t('robot.raw')}</summary>
            <pre className="code-block">{JSON.stringify(profile.raw, null, 2)}</pre>
          </details>
        </div>
      )}
      <button type="button" className="button small" disabled={busy} onClick={() => void load()}>
        {t('robot.profileLoad')}
      </button>
    </>
  );
}

function loadProfile(id: number) {
  return call(api.GET('/api/robots/{robot_id}/profile', { params: { path: { robot_id: id } } }));
}

/** Each plugin's state for this robot, with its override (admin). */
function RobotPlugins({ robotId }: { robotId: number }) {
  const { t } = useI18n();
  const { user } = useSession();
  const list = useLoad(() =>
    call(api.GET('/api/robots/{robot_id}/plugins', { params: { path: { robot_id: robotId }, query: { limit: 200 } } })),
  );
  const [error, setError] = useState<string | null>(null);

  const set = async (name: string, value: string) => {
    setError(null);
    try {
      await call(
        api.PUT('/api/robots/{robot_id}/plugins/{plugin_name}', {
          params: { path: { robot_id: robotId, plugin_name: name } },
          body: { enabled: value === 'on' ? true : value === 'off' ? false : null },
        }),
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    list.reload();
  };

  const items = list.data?.items ?? [];
  return (
    <>
      <LoadState {...list} loading={list.loading && !list.data} />
      <ErrorAlert message={error} />
      {list.data && items.length === 0 && <p className="muted">{t('plugins.empty')}</p>}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('robot.plugin')}</th>
              <th scope="col">{t('plugins.override')}</th>
              <th scope="col">{t('plugins.effective')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.name} data-testid={`robot-plugin-${p.name}`}>
                <th scope="row" data-label={t('robot.plugin')}>
                  <Link href={`/plugins/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                  {p.version && <span className="muted small"> {p.version}</span>}
                  {p.disabledReason && (
                    <div className="bad small">
                      <AutoDisabledReason reason={p.disabledReason} />
                    </div>
                  )}
                </th>
                <td data-label={t('plugins.override')}>
                  <select
                    aria-label={`${t('plugins.override')}: ${p.name}`}
                    disabled={!user?.isAdmin || !p.loaded}
                    value={p.override === null ? 'follow' : p.override ? 'on' : 'off'}
                    onChange={(e) => void set(p.name, e.target.value)}
                  >
                    <option value="follow">
                      {t('plugins.follow', { state: p.globalEnabled ? t('plugins.on') : t('plugins.off') })}
                    </option>
                    <option value="on">{t('plugins.forceOn')}</option>
                    <option value="off">{t('plugins.forceOff')}</option>
                  </select>
                </td>
                <td data-label={t('plugins.effective')}>
                  <span className={`badge badge-${p.enabled ? 'ok' : 'off'}`}>
                    {p.enabled ? t('plugins.on') : t('plugins.off')}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
