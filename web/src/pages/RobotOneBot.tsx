import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiCallError } from '../api/client';
import {
  getOneBotSettings,
  getOneBotStatus,
  putOneBotSettings,
  type OneBotClient,
  type OneBotSettingsResponse,
  type OneBotSettingsUpdate,
  type IdMode,
} from '../api/onebot';
import { LoadState, useLoad } from '../components/Async';
import { CopyField } from '../components/CopyButton';
import { SelectField, TextField } from '../components/Field';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { formatTime } from '../format';
import { fieldText, useI18n, type Lang, type MessageKey, type Translate } from '../i18n';

/** How often the status is read again while the panel is on screen. */
const STATUS_EVERY_MS = 5000;
const WS_URL = /^wss?:\/\/\S+$/i;
const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s?#]*$/i;

interface ReverseRow {
  key: number;
  url: string;
  /** A new token typed (empty: keep the stored one, or none). */
  token: string;
  tokenSet: boolean;
  clear: boolean;
  reconnect: string;
}
interface HttpRow {
  key: number;
  url: string;
  secret: string;
  secretSet: boolean;
  clear: boolean;
  timeout: string;
}
interface FormState {
  enabled: boolean;
  idMode: IdMode;
  forwardWs: boolean;
  reverse: ReverseRow[];
  http: HttpRow[];
  postSelf: boolean;
  heartbeat: string;
}

let rowKey = 0;
function fromSettings(s: OneBotSettingsResponse): FormState {
  return {
    enabled: s.enabled,
    idMode: s.idMode,
    forwardWs: s.forwardWs,
    reverse: s.reverseWs.map((r) => ({
      key: ++rowKey,
      url: r.url,
      token: '',
      tokenSet: r.accessTokenSet,
      clear: false,
      reconnect: String(r.reconnectIntervalMs),
    })),
    http: s.httpPost.map((h) => ({
      key: ++rowKey,
      url: h.url,
      secret: '',
      secretSet: h.secretSet,
      clear: false,
      timeout: String(h.timeoutMs),
    })),
    postSelf: s.postSelf,
    heartbeat: String(s.heartbeatIntervalMs),
  };
}

/** The PUT body: a stored token or secret is left out (kept) unless a new one was typed or it is being cleared. */
function toBody(f: FormState): OneBotSettingsUpdate {
  return {
    enabled: f.enabled,
    idMode: f.idMode,
    forwardWs: f.forwardWs,
    reverseWs: f.reverse.map((r) => ({
      url: r.url.trim(),
      reconnectIntervalMs: Number(r.reconnect),
      ...(r.token ? { accessToken: r.token } : r.clear || !r.tokenSet ? { accessToken: null } : {}),
    })),
    httpPost: f.http.map((h) => ({
      url: h.url.trim(),
      timeoutMs: Number(h.timeout),
      ...(h.secret ? { secret: h.secret } : h.clear || !h.secretSet ? { secret: null } : {}),
    })),
    postSelf: f.postSelf,
    heartbeatIntervalMs: Number(f.heartbeat),
  };
}

const isInt = (v: string, min: number, max: number) => /^\d+$/.test(v.trim()) && +v >= min && +v <= max;

/** The problems of each field the form checks itself, by the API's field path (reverseWs.0.url…). */
function localProblems(f: FormState, t: Translate): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (field: string, text: string) => (out[field] ??= []).push(text);
  f.reverse.forEach((r, i) => {
    if (!WS_URL.test(r.url.trim())) add(`reverseWs.${i}.url`, t('onebot.invalidWsUrl'));
    if (!isInt(r.reconnect, 500, 600_000))
      add(`reverseWs.${i}.reconnectIntervalMs`, t('onebot.invalidRange', { min: 500, max: 600000 }));
  });
  f.http.forEach((h, i) => {
    if (!HTTP_URL.test(h.url.trim())) add(`httpPost.${i}.url`, t('onebot.invalidHttpUrl'));
    if (!isInt(h.timeout, 500, 60_000))
      add(`httpPost.${i}.timeoutMs`, t('onebot.invalidRange', { min: 500, max: 60000 }));
  });
  const hb = f.heartbeat.trim();
  if (!(hb === '0' || isInt(hb, 1000, 600_000))) add('heartbeatIntervalMs', t('onebot.invalidHeartbeat'));
  return out;
}

/** The label of a field path of the API, so a field error reads "地址 的格式不对" under the URL it is about. */
function fieldLabel(field: string, t: Translate): string {
  const last = field.split('.').pop() ?? field;
  const labels: Record<string, MessageKey> = {
    url: 'onebot.url',
    accessToken: 'onebot.accessToken',
    reconnectIntervalMs: 'onebot.reconnect',
    secret: 'onebot.secret',
    timeoutMs: 'onebot.timeout',
    heartbeatIntervalMs: 'onebot.heartbeat',
    idMode: 'onebot.idMode',
    enabled: 'onebot.enabled',
    forwardWs: 'onebot.forwardWs',
    postSelf: 'onebot.postSelf',
    reverseWs: 'onebot.reverseWs',
    httpPost: 'onebot.httpPost',
  };
  return labels[last] ? t(labels[last]) : field;
}

/** The field errors of a 400 in the console's words, by field path; what names no field of the form goes to `other`. */
function serverProblems(
  err: ApiCallError,
  lang: Lang,
  t: Translate,
): { byField: Record<string, string[]>; other: string[] } {
  const byField: Record<string, string[]> = {};
  const other: string[] = [];
  if (!err.fields.length) return { byField, other: err.messages };
  for (const e of err.fields) {
    const text = fieldText(lang, e.code, { ...e.params, field: fieldLabel(e.field, t) });
    if (/^(reverseWs|httpPost)\.\d+\.\w+$|^heartbeatIntervalMs$|^idMode$/.test(e.field))
      (byField[e.field] ??= []).push(text);
    else other.push(fieldText(lang, e.code, e.params));
  }
  return { byField, other };
}

/** A robot's OneBot v11 gateway: its settings (saved with one button) and, below, what is connected now. */
export function RobotOneBot({ robotId }: { robotId: number }) {
  const { t } = useI18n();
  const settings = useLoad(() => getOneBotSettings(robotId));
  const [saved, setSaved] = useState<OneBotSettingsResponse | null>(null);
  const current = saved ?? settings.data;
  return (
    <div data-testid="robot-onebot">
      <p className="muted small">{t('onebot.hint')}</p>
      <LoadState {...settings} loading={settings.loading && !settings.data} />
      {settings.data && <OneBotForm initial={settings.data} onSaved={setSaved} />}
      {current && (
        <section aria-labelledby="onebot-status">
          <h3 id="onebot-status">{t('onebot.status')}</h3>
          <OneBotStatusPanel robotId={robotId} enabled={current.enabled} />
        </section>
      )}
    </div>
  );
}

function OneBotForm({
  initial,
  onSaved,
}: {
  initial: OneBotSettingsResponse;
  onSaved: (s: OneBotSettingsResponse) => void;
}) {
  const { t, lang } = useI18n();
  const [view, setView] = useState(initial);
  const [f, setF] = useState<FormState>(() => fromSettings(initial));
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [server, setServer] = useState<{ byField: Record<string, string[]>; other: string[] }>({
    byField: {},
    other: [],
  });

  const local = localProblems(f, t);
  const shown = (field: string) => [...(checked ? (local[field] ?? []) : []), ...(server.byField[field] ?? [])];
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => {
    setDone(false);
    setF((s) => ({ ...s, [k]: v }));
  };
  const setReverse = (i: number, patch: Partial<ReverseRow>) =>
    set(
      'reverse',
      f.reverse.map((r, j) => (j === i ? { ...r, ...patch } : r)),
    );
  const setHttp = (i: number, patch: Partial<HttpRow>) =>
    set(
      'http',
      f.http.map((h, j) => (j === i ? { ...h, ...patch } : h)),
    );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    setDone(false);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    setServer({ byField: {}, other: [] });
    try {
      const next = await putOneBotSettings(initial.robotId, toBody(f));
      setView(next);
      setF(fromSettings(next));
      setChecked(false);
      setDone(true);
      onSaved(next);
    } catch (err) {
      setServer(
        err instanceof ApiCallError && err.status === 400
          ? serverProblems(err, lang, t)
          : { byField: {}, other: [err instanceof Error ? err.message : String(err)] },
      );
    } finally {
      setBusy(false);
    }
  };

  const wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const forwardUrl = `${wsScheme}//${window.location.host}${view.wsPath}`;
  const httpUrl = `${window.location.origin}${view.httpPath}`;

  return (
    <form className="form" noValidate onSubmit={(e) => void submit(e)} data-testid="onebot-form">
      <label className="check">
        <input type="checkbox" name="enabled" checked={f.enabled} onChange={(e) => set('enabled', e.target.checked)} />
        <span>{t('onebot.enabled')}</span>
      </label>

      <dl className="facts">
        <div className="fact-wide" data-testid="onebot-forward-url">
          <dt>{t('onebot.forwardUrl')}</dt>
          <dd>
            <CopyField value={forwardUrl} label={t('onebot.forwardUrl')} />
            <p className="muted small">{t('onebot.forwardUrlHint')}</p>
          </dd>
        </div>
        <div className="fact-wide" data-testid="onebot-http-url">
          <dt>{t('onebot.httpUrl')}</dt>
          <dd>
            <CopyField value={httpUrl} label={t('onebot.httpUrl')} />
            <p className="muted small">{t('onebot.httpUrlHint')}</p>
          </dd>
        </div>
        <div data-testid="onebot-self-id">
          <dt>{t('onebot.selfId')}</dt>
          <dd>
            {view.selfId === null ? (
              <span className="muted">{t('onebot.selfIdNone')}</span>
            ) : (
              <CopyField value={String(view.selfId)} label={t('onebot.selfId')} />
            )}
            <p className="muted small">{t('onebot.selfIdHint')}</p>
          </dd>
        </div>
      </dl>

      <SelectField
        label={t('onebot.idMode')}
        name="idMode"
        value={f.idMode}
        hint={t('onebot.idModeHint')}
        onChange={(e) => set('idMode', e.target.value as IdMode)}
        errors={shown('idMode')}
      >
        <option value="alias">{t('onebot.idMode.alias')}</option>
        <option value="string">{t('onebot.idMode.string')}</option>
      </SelectField>

      <label className="check">
        <input
          type="checkbox"
          name="forwardWs"
          checked={f.forwardWs}
          onChange={(e) => set('forwardWs', e.target.checked)}
        />
        <span>{t('onebot.forwardWs')}</span>
      </label>

      <fieldset className="fieldset" data-testid="onebot-reverse">
        <legend>{t('onebot.reverseWs')}</legend>
        {f.reverse.length === 0 && <p className="muted small">{t('onebot.reverseEmpty')}</p>}
        {f.reverse.map((r, i) => (
          <fieldset key={r.key} className="fieldset onebot-target" data-testid={`onebot-reverse-${i}`}>
            <legend>{t('onebot.target', { n: i + 1 })}</legend>
            <TextField
              label={t('onebot.url')}
              name={`reverseWs.${i}.url`}
              inputMode="url"
              placeholder="ws://127.0.0.1:8080/onebot/v11/ws"
              value={r.url}
              onChange={(e) => setReverse(i, { url: e.target.value })}
              errors={shown(`reverseWs.${i}.url`)}
            />
            <SecretField
              label={t('onebot.accessToken')}
              hint={t('onebot.accessTokenHint')}
              name={`reverseWs.${i}.accessToken`}
              value={r.token}
              isSet={r.tokenSet}
              clear={r.clear}
              onChange={(token) => setReverse(i, { token, clear: false })}
              onClear={(clear) => setReverse(i, { clear, token: '' })}
              errors={shown(`reverseWs.${i}.accessToken`)}
            />
            <TextField
              label={t('onebot.reconnect')}
              name={`reverseWs.${i}.reconnectIntervalMs`}
              inputMode="numeric"
              value={r.reconnect}
              onChange={(e) => setReverse(i, { reconnect: e.target.value })}
              errors={shown(`reverseWs.${i}.reconnectIntervalMs`)}
            />
            <button
              type="button"
              className="button small danger"
              aria-label={t('onebot.removeTarget', { n: i + 1 })}
              onClick={() =>
                set(
                  'reverse',
                  f.reverse.filter((_, j) => j !== i),
                )
              }
            >
              {t('onebot.remove')}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="button small"
          onClick={() =>
            set('reverse', [
              ...f.reverse,
              { key: ++rowKey, url: '', token: '', tokenSet: false, clear: false, reconnect: '3000' },
            ])
          }
        >
          {t('onebot.reverseAdd')}
        </button>
      </fieldset>

      <fieldset className="fieldset" data-testid="onebot-http-post">
        <legend>{t('onebot.httpPost')}</legend>
        {f.http.length === 0 && <p className="muted small">{t('onebot.httpPostEmpty')}</p>}
        {f.http.map((h, i) => (
          <fieldset key={h.key} className="fieldset onebot-target" data-testid={`onebot-http-${i}`}>
            <legend>{t('onebot.target', { n: i + 1 })}</legend>
            <TextField
              label={t('onebot.url')}
              name={`httpPost.${i}.url`}
              inputMode="url"
              placeholder="http://127.0.0.1:8080/onebot/v11/http"
              value={h.url}
              onChange={(e) => setHttp(i, { url: e.target.value })}
              errors={shown(`httpPost.${i}.url`)}
            />
            <SecretField
              label={t('onebot.secret')}
              hint={t('onebot.secretHint')}
              name={`httpPost.${i}.secret`}
              value={h.secret}
              isSet={h.secretSet}
              clear={h.clear}
              onChange={(secret) => setHttp(i, { secret, clear: false })}
              onClear={(clear) => setHttp(i, { clear, secret: '' })}
              errors={shown(`httpPost.${i}.secret`)}
            />
            <TextField
              label={t('onebot.timeout')}
              name={`httpPost.${i}.timeoutMs`}
              inputMode="numeric"
              value={h.timeout}
              onChange={(e) => setHttp(i, { timeout: e.target.value })}
              errors={shown(`httpPost.${i}.timeoutMs`)}
            />
            <button
              type="button"
              className="button small danger"
              aria-label={t('onebot.removeTarget', { n: i + 1 })}
              onClick={() =>
                set(
                  'http',
                  f.http.filter((_, j) => j !== i),
                )
              }
            >
              {t('onebot.remove')}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="button small"
          onClick={() =>
            set('http', [
              ...f.http,
              { key: ++rowKey, url: '', secret: '', secretSet: false, clear: false, timeout: '5000' },
            ])
          }
        >
          {t('onebot.httpPostAdd')}
        </button>
      </fieldset>

      <label className="check">
        <input
          type="checkbox"
          name="postSelf"
          checked={f.postSelf}
          onChange={(e) => set('postSelf', e.target.checked)}
        />
        <span>{t('onebot.postSelf')}</span>
      </label>
      <TextField
        label={t('onebot.heartbeat')}
        name="heartbeatIntervalMs"
        inputMode="numeric"
        hint={t('onebot.heartbeatHint')}
        value={f.heartbeat}
        onChange={(e) => set('heartbeat', e.target.value)}
        errors={shown('heartbeatIntervalMs')}
      />

      <ErrorAlert message={server.other.join(lang === 'zh' ? '；' : '; ')} />
      {done && <OkNotice message={t('onebot.saved')} />}
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('onebot.saving') : t('onebot.save')}
        </button>
      </div>
    </form>
  );
}

/** A write-only value (access token, secret): never shown; "已设置" when one is stored, which may be cleared. */
function SecretField({
  label,
  hint,
  name,
  value,
  isSet,
  clear,
  onChange,
  onClear,
  errors,
}: {
  label: string;
  hint: string;
  name: string;
  value: string;
  isSet: boolean;
  clear: boolean;
  onChange: (v: string) => void;
  onClear: (clear: boolean) => void;
  errors: string[];
}) {
  const { t } = useI18n();
  return (
    <>
      <TextField
        label={
          <>
            {label}
            {isSet && !clear && (
              <>
                {' '}
                <span className="badge badge-ok" data-testid="secret-set">
                  {t('onebot.secretSet')}
                </span>
              </>
            )}
          </>
        }
        name={name}
        type="password"
        autoComplete="new-password"
        maxLength={512}
        placeholder={isSet && !clear ? t('onebot.keepPlaceholder') : undefined}
        hint={hint}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        errors={errors}
      />
      {isSet && (
        <label className="check">
          <input type="checkbox" checked={clear} onChange={(e) => onClear(e.target.checked)} />
          <span>{clear ? t('onebot.clearing') : t('onebot.clearSecret')}</span>
        </label>
      )}
    </>
  );
}

/** How long ago `iso` was, for people: "3 分 12 秒". */
function since(iso: string | null, now: number, t: Translate): string {
  if (!iso) return '—';
  const start = new Date(iso).getTime();
  if (Number.isNaN(start)) return '—';
  const s = Math.max(0, Math.floor((now - start) / 1000));
  if (s < 60) return t('onebot.duration.s', { n: s });
  if (s < 3600) return t('onebot.duration.m', { m: Math.floor(s / 60), s: s % 60 });
  if (s < 86_400) return t('onebot.duration.h', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('onebot.duration.d', { d: Math.floor(s / 86_400), h: Math.floor((s % 86_400) / 3600) });
}

/**
 * The console's text of a code with its params, each value marked as data (`translate="no"`): a URL or an upstream
 * reason such as "socket hang up" is what the service saw, not a sentence of the console.
 */
function CodeText({ code, params }: { code: string; params: Record<string, string | number> }) {
  const { tc } = useI18n();
  const values = Object.entries(params ?? {});
  const marked = Object.fromEntries(values.map(([k], i) => [k, `\u0001${i}\u0002`]));
  const parts = tc(code, marked).split(/\u0001(\d+)\u0002/);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 0 ? (
          <Fragment key={i}>{part}</Fragment>
        ) : (
          <span key={i} translate="no" className="onebot-data">
            {String(values[Number(part)]?.[1] ?? '')}
          </span>
        ),
      )}
    </>
  );
}

const STATE_TONE: Record<OneBotClient['state'], string> = {
  connected: 'badge-ok',
  connecting: 'badge-wait',
  failing: 'badge-bad',
};

/** What is connected now, read again every few seconds while on screen (and the tab visible). */
function OneBotStatusPanel({ robotId, enabled }: { robotId: number; enabled: boolean }) {
  const { t, lang } = useI18n();
  const status = useLoad(() => getOneBotStatus(robotId));
  const [now, setNow] = useState(() => Date.now());
  const { reload } = status;
  const first = useRef(true);
  useEffect(() => {
    // the settings were saved (enabled changed): read again now rather than at the next tick
    if (first.current) first.current = false;
    else reload();
  }, [enabled, reload]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.hidden) return;
      setNow(Date.now());
      reload();
    }, STATUS_EVERY_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const s = status.data;
  return (
    <div data-testid="onebot-status" aria-live="off">
      <LoadState {...status} loading={status.loading && !s} />
      {!enabled && <p className="muted">{t('onebot.statusDisabled')}</p>}
      {s && (
        <>
          <dl className="stats">
            <div>
              <dt>{t('onebot.eventsPerMinute')}</dt>
              <dd data-testid="onebot-events-per-minute">{s.eventsPerMinute}</dd>
            </div>
            <div>
              <dt>{t('onebot.actionsPerMinute')}</dt>
              <dd data-testid="onebot-actions-per-minute">{s.actionsPerMinute}</dd>
            </div>
            <div>
              <dt>{t('onebot.authFailures')}</dt>
              <dd data-testid="onebot-auth-failures">{s.authFailures}</dd>
            </div>
            <div>
              <dt>{t('onebot.sendBacklog')}</dt>
              <dd data-testid="onebot-send-backlog">{s.sendBacklog}</dd>
            </div>
          </dl>
          <p className="muted small">{t('onebot.refreshing', { s: STATUS_EVERY_MS / 1000 })}</p>

          <h4>{t('onebot.clients')}</h4>
          {s.clients.length === 0 ? (
            <p className="muted" data-testid="onebot-no-clients">
              {t('onebot.noClients')}
            </p>
          ) : (
            <table className="table compact" data-testid="onebot-clients">
              <thead>
                <tr>
                  <th scope="col">{t('onebot.col.transport')}</th>
                  <th scope="col">{t('onebot.col.role')}</th>
                  <th scope="col">{t('onebot.col.remote')}</th>
                  <th scope="col">{t('onebot.col.state')}</th>
                  <th scope="col">{t('onebot.col.since')}</th>
                  <th scope="col">{t('onebot.col.events')}</th>
                  <th scope="col">{t('onebot.col.actions')}</th>
                  <th scope="col">{t('onebot.col.lastError')}</th>
                </tr>
              </thead>
              <tbody>
                {s.clients.map((c) => (
                  <tr key={c.id} data-testid={`onebot-client-${c.id}`} data-transport={c.transport}>
                    <th scope="row" data-label={t('onebot.col.transport')}>
                      {t(`onebot.transport.${c.transport}` as MessageKey)}
                    </th>
                    <td data-label={t('onebot.col.role')}>{t(`onebot.role.${c.role}` as MessageKey)}</td>
                    <td data-label={t('onebot.col.remote')}>
                      <code>{c.remote}</code>
                      {c.tokenName && (
                        <div className="muted small" translate="no">
                          {t('onebot.tokenName', { name: c.tokenName })}
                        </div>
                      )}
                    </td>
                    <td data-label={t('onebot.col.state')}>
                      <span className={`badge ${STATE_TONE[c.state] ?? 'badge-off'}`}>
                        {t(`onebot.state.${c.state}` as MessageKey)}
                      </span>
                    </td>
                    <td data-label={t('onebot.col.since')}>
                      {c.connectedAt ? (
                        <time
                          dateTime={c.connectedAt}
                          title={t('onebot.since', { time: formatTime(c.connectedAt, lang) })}
                        >
                          {since(c.connectedAt, now, t)}
                        </time>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td data-label={t('onebot.col.events')}>{c.eventsSent}</td>
                    <td data-label={t('onebot.col.actions')}>{c.actions}</td>
                    <td data-label={t('onebot.col.lastError')} className="small">
                      {c.lastError ? <CodeText code={c.lastError.code} params={c.lastError.params} /> : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h4>{t('onebot.lastErrors')}</h4>
          {s.lastErrors.length === 0 ? (
            <p className="muted">{t('onebot.noErrors')}</p>
          ) : (
            <ul className="plain" data-testid="onebot-errors">
              {s.lastErrors.map((e, i) => (
                <li key={`${e.at}-${i}`} data-code={e.code}>
                  <time dateTime={e.at} className="muted small">
                    {formatTime(e.at, lang)}
                  </time>{' '}
                  <CodeText code={e.code} params={e.params} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
