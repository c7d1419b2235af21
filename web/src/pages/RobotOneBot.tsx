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

/** A reverse WebSocket or HTTP POST target being edited. */
interface TargetRow {
  key: number;
  url: string;
  /** A new access token or secret typed (empty: keep the stored one, or none). */
  secret: string;
  secretSet: boolean;
  clear: boolean;
  /** The reconnect interval or the timeout, in ms, as typed. */
  ms: string;
}
type TargetKind = 'reverse' | 'http';

/** What tells the two kinds of targets apart, on screen and in the API. */
const TARGETS = {
  reverse: {
    field: 'reverseWs',
    secretField: 'accessToken',
    msField: 'reconnectIntervalMs',
    listTestId: 'onebot-reverse',
    testId: 'onebot-reverse',
    legend: 'onebot.reverseWs',
    empty: 'onebot.reverseEmpty',
    add: 'onebot.reverseAdd',
    secretLabel: 'onebot.accessToken',
    secretHint: 'onebot.accessTokenHint',
    msLabel: 'onebot.reconnect',
    placeholder: 'ws://127.0.0.1:8080/onebot/v11/ws',
    defaultMs: '3000',
  },
  http: {
    field: 'httpPost',
    secretField: 'secret',
    msField: 'timeoutMs',
    listTestId: 'onebot-http-post',
    testId: 'onebot-http',
    legend: 'onebot.httpPost',
    empty: 'onebot.httpPostEmpty',
    add: 'onebot.httpPostAdd',
    secretLabel: 'onebot.secret',
    secretHint: 'onebot.secretHint',
    msLabel: 'onebot.timeout',
    placeholder: 'http://127.0.0.1:8080/onebot/v11/http',
    defaultMs: '5000',
  },
} as const satisfies Record<TargetKind, { [k: string]: string }>;

interface FormState {
  enabled: boolean;
  idMode: IdMode;
  forwardWs: boolean;
  reverse: TargetRow[];
  http: TargetRow[];
  postSelf: boolean;
  heartbeat: string;
}

let rowKey = 0;
const row = (url: string, secretSet: boolean, ms: number | string): TargetRow => ({
  key: ++rowKey,
  url,
  secret: '',
  secretSet,
  clear: false,
  ms: String(ms),
});
/** A typed secret is sent; a stored one is left out (kept) unless it is being cleared; a row without one: null. */
const secretOf = (r: TargetRow) => (r.secret ? r.secret : r.clear || !r.secretSet ? null : undefined);
function fromSettings(s: OneBotSettingsResponse): FormState {
  return {
    enabled: s.enabled,
    idMode: s.idMode,
    forwardWs: s.forwardWs,
    reverse: s.reverseWs.map((r) => row(r.url, r.accessTokenSet, r.reconnectIntervalMs)),
    http: s.httpPost.map((h) => row(h.url, h.secretSet, h.timeoutMs)),
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
    reverseWs: f.reverse.map((r) => {
      const accessToken = secretOf(r);
      return {
        url: r.url.trim(),
        reconnectIntervalMs: Number(r.ms),
        ...(accessToken !== undefined && { accessToken }),
      };
    }),
    httpPost: f.http.map((h) => {
      const secret = secretOf(h);
      return { url: h.url.trim(), timeoutMs: Number(h.ms), ...(secret !== undefined && { secret }) };
    }),
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
    if (!isInt(r.ms, 500, 600_000))
      add(`reverseWs.${i}.reconnectIntervalMs`, t('onebot.invalidRange', { min: 500, max: 600000 }));
  });
  f.http.forEach((h, i) => {
    if (!HTTP_URL.test(h.url.trim())) add(`httpPost.${i}.url`, t('onebot.invalidHttpUrl'));
    if (!isInt(h.ms, 500, 60_000)) add(`httpPost.${i}.timeoutMs`, t('onebot.invalidRange', { min: 500, max: 60000 }));
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

      <TargetList kind="reverse" rows={f.reverse} onChange={(rows) => set('reverse', rows)} shown={shown} t={t} />
      <TargetList kind="http" rows={f.http} onChange={(rows) => set('http', rows)} shown={shown} t={t} />

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
function CodeText({ code, params }: { code: string; params: Record<string, unknown> }) {
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

/** The reverse WebSocket or HTTP POST targets of the form: one fieldset per target, add and remove. */
function TargetList(props: {
  kind: TargetKind;
  rows: TargetRow[];
  onChange: (rows: TargetRow[]) => void;
  shown: (field: string) => string[];
  t: Translate;
}) {
  const { kind, rows, onChange, shown, t } = props;
  const c = TARGETS[kind];
  const patch = (i: number, p: Partial<TargetRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...p } : r)));
  return (
    <fieldset className="fieldset" data-testid={c.listTestId}>
      <legend>{t(c.legend)}</legend>
      {rows.length === 0 && <p className="muted small">{t(c.empty)}</p>}
      {rows.map((r, i) => (
        <fieldset key={r.key} className="fieldset onebot-target" data-testid={`${c.testId}-${i}`}>
          <legend>{t('onebot.target', { n: i + 1 })}</legend>
          <TextField
            label={t('onebot.url')}
            name={`${c.field}.${i}.url`}
            inputMode="url"
            placeholder={c.placeholder}
            value={r.url}
            onChange={(e) => patch(i, { url: e.target.value })}
            errors={shown(`${c.field}.${i}.url`)}
          />
          <SecretField
            label={t(c.secretLabel)}
            hint={t(c.secretHint)}
            name={`${c.field}.${i}.${c.secretField}`}
            value={r.secret}
            isSet={r.secretSet}
            clear={r.clear}
            onChange={(secret) => patch(i, { secret, clear: false })}
            onClear={(clear) => patch(i, { clear, secret: '' })}
            errors={shown(`${c.field}.${i}.${c.secretField}`)}
          />
          <TextField
            label={t(c.msLabel)}
            name={`${c.field}.${i}.${c.msField}`}
            inputMode="numeric"
            value={r.ms}
            onChange={(e) => patch(i, { ms: e.target.value })}
            errors={shown(`${c.field}.${i}.${c.msField}`)}
          />
          <button
            type="button"
            className="button small danger"
            aria-label={t('onebot.removeTarget', { n: i + 1 })}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            {t('onebot.remove')}
          </button>
        </fieldset>
      ))}
      <button type="button" className="button small" onClick={() => onChange([...rows, row('', false, c.defaultMs)])}>
        {t(c.add)}
      </button>
    </fieldset>
  );
}
