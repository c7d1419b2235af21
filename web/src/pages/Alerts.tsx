import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { ErrorAlert } from '../components/Notice';
import { Pager } from '../components/Pager';
import { formatTime } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { useLiveEvents } from '../live';
import { useSession } from '../session';
import { HintedField } from './ops-common';
import { Named } from '../components/Named';
import { useRobots } from '../robots';

type Alert = Schemas['AlertResponseDto'];
type Delivery = Schemas['AlertDeliveryDto'];
type Config = Schemas['AlertConfigResponseDto'];
type Update = Schemas['AlertConfigUpdateDto'];
type TestResult = Schemas['AlertTestResponseDto'];
type Rule = Alert['rule'];
type State = Alert['state'];

/** Every rule the API knows, in the order shown; `satisfies` keeps the list in step with the OpenAPI enum. */
const RULE_SET = {
  robot_offline: true,
  login_needs_scan: true,
  no_callback: true,
  plugin_auto_disabled: true,
  failed_jobs: true,
  queue_depth: true,
  gewe_error_rate: true,
} as const satisfies Record<Rule, true>;
const RULES = Object.keys(RULE_SET) as Rule[];
const STATES: State[] = ['firing', 'pending', 'resolved'];
const STATE_TONE: Record<State, string> = { firing: 'bad', pending: 'warn', resolved: 'ok' };
const LIMIT = 20;
const POLL_MS = 30_000;

type NumKey =
  | 'robotOfflineAfterMs'
  | 'noCallbackAfterMs'
  | 'failedJobsThreshold'
  | 'queueDepthThreshold'
  | 'geweErrorRatePercent'
  | 'geweErrorRateWindowMs'
  | 'geweErrorRateMinCalls'
  | 'resolveAfterMs'
  | 'webhookTimeoutMs'
  | 'webhookAttempts'
  | 'webhookBackoffMs';
type Unit = 'min' | 's' | 'percent' | 'count' | 'times';
/** How each number is edited: durations in minutes or seconds (the API speaks milliseconds), the limits it accepts. */
const NUM: Record<NumKey, { unit: Unit; min: number; max: number; step?: string }> = {
  robotOfflineAfterMs: { unit: 'min', min: 0, max: 35_000, step: 'any' },
  noCallbackAfterMs: { unit: 'min', min: 1, max: 35_000, step: 'any' },
  failedJobsThreshold: { unit: 'count', min: 1, max: 1_000_000 },
  queueDepthThreshold: { unit: 'count', min: 1, max: 100_000_000 },
  geweErrorRatePercent: { unit: 'percent', min: 1, max: 100 },
  geweErrorRateWindowMs: { unit: 'min', min: 1, max: 60 },
  geweErrorRateMinCalls: { unit: 'times', min: 1, max: 1_000_000 },
  resolveAfterMs: { unit: 's', min: 0, max: 2_000_000, step: 'any' },
  webhookTimeoutMs: { unit: 's', min: 0.1, max: 120, step: 'any' },
  webhookAttempts: { unit: 'times', min: 1, max: 10 },
  webhookBackoffMs: { unit: 's', min: 0.01, max: 600, step: 'any' },
};
const FACTOR: Record<Unit, number> = { min: 60_000, s: 1000, percent: 1, count: 1, times: 1 };
const RULE_FIELDS: Record<Rule, NumKey[]> = {
  robot_offline: ['robotOfflineAfterMs'],
  login_needs_scan: [],
  no_callback: ['noCallbackAfterMs'],
  plugin_auto_disabled: [],
  failed_jobs: ['failedJobsThreshold'],
  queue_depth: ['queueDepthThreshold'],
  gewe_error_rate: ['geweErrorRatePercent', 'geweErrorRateWindowMs', 'geweErrorRateMinCalls'],
};
const WEBHOOK_NUMS: NumKey[] = ['webhookTimeoutMs', 'webhookAttempts', 'webhookBackoffMs'];

const shown = (key: NumKey, value: number) => String(value / FACTOR[NUM[key].unit]);
const parsed = (key: NumKey, text: string) => Math.round(Number(text) * FACTOR[NUM[key].unit]);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** wxids typed one per line (commas and spaces work too). */
const splitWxids = (text: string) => text.split(/[\s,，]+/).filter(Boolean);

export function AlertsPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const admin = user?.isAdmin === true;
  const config = useLoad(() => (admin ? call(api.GET('/api/alerts/config')) : Promise.resolve(null)));
  const robots = useRobots();
  const test = useTestAlert();
  const robotNames = useMemo(
    () => new Map((robots.data?.items ?? []).map((r) => [r.id, r.name] as const)),
    [robots.data],
  );

  return (
    <main id="main" className="page" aria-labelledby="alerts-title">
      <div className="page-head">
        <h1 id="alerts-title">{t('alerts.title')}</h1>
        {admin && test.button}
      </div>
      <p className="muted">{t('alerts.intro')}</p>
      {admin && test.outcome}
      {config.data?.enabled === false && (
        <p className="alert alert-warn" role="status">
          {t('alerts.disabled')}
        </p>
      )}
      <AlertHistory robotNames={robotNames} />
      {admin && (
        <>
          <LoadState {...config} loading={config.loading && !config.data} />
          {config.data && (
            <>
              <RulesForm config={config.data} onSaved={config.reload} />
              <ChannelsForm config={config.data} robots={robots.data?.items ?? []} onSaved={config.reload} />
            </>
          )}
        </>
      )}
    </main>
  );
}

/** POST /api/alerts/test: the button goes in the page head, what each channel answered below it. */
function useTestAlert() {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await call(api.POST('/api/alerts/test')));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const button = (
    <button type="button" className="button primary" disabled={busy} onClick={() => void send()}>
      {busy ? t('alerts.testBusy') : t('alerts.test')}
    </button>
  );
  const outcome = (
    <div aria-live="polite" data-testid="alert-test-result">
      {result && (
        <div className={`alert ${result.ok ? 'alert-ok' : 'alert-error'}`} data-ok={result.ok}>
          <p className="no-margin">{result.ok ? t('alerts.testOk') : t('alerts.testFailed')}</p>
          <Deliveries deliveries={result.deliveries} />
        </div>
      )}
      <ErrorAlert message={error} />
    </div>
  );
  return { button, outcome };
}

/** What each channel answered; folded behind a count in the history table. */
function Deliveries({ deliveries, folded = false }: { deliveries: Delivery[]; folded?: boolean }) {
  const { t, lang } = useI18n();
  if (deliveries.length === 0) return <span className="muted small">{t('alerts.noDeliveries')}</span>;
  const list = (
    <ul className="deliveries">
      {deliveries.map((d, i) => (
        <li key={i} data-ok={d.ok}>
          <span className={d.ok ? 'ok' : 'bad'} aria-hidden="true">
            {d.ok ? '✓' : '✗'}
          </span>{' '}
          {t(`alerts.event.${d.event}`)} · {t(`alerts.channel.${d.channel}`)}{' '}
          {d.channel === 'wechat' ? <Named name={d.chatName} id={d.target} /> : <code>{d.target}</code>} ·{' '}
          {d.ok ? t('alerts.delivery.ok') : t('alerts.delivery.failed')}
          {d.attempts > 1 && <span className="muted"> ({t('alerts.delivery.attempts', { n: d.attempts })})</span>}
          {d.error && (
            <span className="bad" title={d.error}>
              {' '}
              ⓘ
            </span>
          )}
          <span className="muted"> · {formatTime(d.at, lang)}</span>
        </li>
      ))}
    </ul>
  );
  if (!folded) return list;
  const ok = deliveries.filter((d) => d.ok).length;
  return (
    <details className="deliveries-fold">
      <summary className={ok === deliveries.length ? 'ok' : 'bad'}>
        {t('alerts.deliveredOf', { ok, n: deliveries.length })}
      </summary>
      {list}
    </details>
  );
}

function AlertHistory({ robotNames }: { robotNames: Map<number, string> }) {
  const { t, tc, lang } = useI18n();
  const [state, setState] = useState<State | ''>('');
  const [rule, setRule] = useState<Rule | ''>('');
  const [page, setPage] = useState(1);
  const current = useRef({ state, rule, page });
  const list = useLoad(() => {
    const q = current.current;
    return call(
      api.GET('/api/alerts', {
        params: {
          query: {
            page: q.page,
            limit: LIMIT,
            ...(q.state ? { state: q.state } : {}),
            ...(q.rule ? { rule: q.rule } : {}),
          },
        },
      }),
    );
  });
  const apply = (next: { state: State | ''; rule: Rule | ''; page: number }) => {
    current.current = next;
    setState(next.state);
    setRule(next.rule);
    setPage(next.page);
    list.reload();
  };
  // fired and resolved incidents are live events; pending ones are not: look again now and then too
  useLiveEvents((e) => {
    if (e.type === 'alert' || e.type === 'resync') list.reload();
  });
  useEffect(() => {
    const timer = setInterval(list.reload, POLL_MS);
    return () => clearInterval(timer);
  }, [list.reload]);

  const items = list.data?.items ?? [];
  const subject = (a: Alert) => {
    const name = a.robotId !== null ? robotNames.get(a.robotId) : undefined;
    return name ? `${a.subject} (${name})` : a.subject;
  };
  return (
    <section className="card ops-section" aria-labelledby="alerts-history">
      <h2 id="alerts-history">
        {t('alerts.history')}
        <button type="button" className="button small" onClick={list.reload}>
          {t('alerts.reload')}
        </button>
      </h2>
      <div className="ops-filters">
        <label className="field">
          <span>{t('alerts.state')}</span>
          <select
            name="state"
            value={state}
            onChange={(e) => apply({ state: e.target.value as State | '', rule, page: 1 })}
          >
            <option value="">{t('alerts.any')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`alerts.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('alerts.rule')}</span>
          <select
            name="rule"
            value={rule}
            onChange={(e) => apply({ state, rule: e.target.value as Rule | '', page: 1 })}
          >
            <option value="">{t('alerts.any')}</option>
            {RULES.map((r) => (
              <option key={r} value={r}>
                {t(`alerts.rule.${r}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LoadState {...list} loading={list.loading && !list.data} />
      {list.data && items.length === 0 && <p className="muted">{t('alerts.empty')}</p>}
      {items.length > 0 && (
        <table className="table ops-table" data-testid="alerts-table">
          <thead>
            <tr>
              <th scope="col">{t('alerts.state')}</th>
              <th scope="col">{t('alerts.rule')}</th>
              <th scope="col">{t('alerts.subject')}</th>
              <th scope="col">{t('alerts.summary')}</th>
              <th scope="col">{t('alerts.times')}</th>
              <th scope="col">{t('alerts.deliveries')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} data-testid={`alert-${a.id}`} data-state={a.state} data-rule={a.rule}>
                <td data-label={t('alerts.state')}>
                  <span className={`badge badge-${STATE_TONE[a.state]}`}>{t(`alerts.state.${a.state}`)}</span>{' '}
                  <span className={`small ${a.severity === 'critical' ? 'bad' : 'muted'}`}>
                    {t(`alerts.severity.${a.severity}`)}
                  </span>
                </td>
                <th scope="row" data-label={t('alerts.rule')}>
                  {t(`alerts.rule.${a.rule}`)}
                  <div>
                    <code className="muted small">{a.rule}</code>
                  </div>
                </th>
                <td data-label={t('alerts.subject')}>
                  <code>{subject(a)}</code>
                </td>
                <td data-label={t('alerts.summary')}>
                  {a.summaryCode ? tc(a.summaryCode, a.summaryParams) : a.summary}
                </td>
                <td data-label={t('alerts.times')} className="small">
                  <div>{t('alerts.since', { time: formatTime(a.since, lang) })}</div>
                  {a.firedAt && <div>{t('alerts.firedAt', { time: formatTime(a.firedAt, lang) })}</div>}
                  {a.resolvedAt ? (
                    <div className="ok">{t('alerts.resolvedAt', { time: formatTime(a.resolvedAt, lang) })}</div>
                  ) : (
                    <div className="muted">{t('alerts.lastSeen', { time: formatTime(a.lastSeenAt, lang) })}</div>
                  )}
                </td>
                <td data-label={t('alerts.deliveries')}>
                  <Deliveries deliveries={a.deliveries} folded />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && (
        <Pager page={page} limit={LIMIT} total={list.data.total} onPage={(p) => apply({ state, rule, page: p })} />
      )}
    </section>
  );
}

/** Saves only what changed: a field left alone stays where its value comes from (file or runtime setting). */
function useSave(onSaved: () => void) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async (update: Update) => {
    setMessage(null);
    if (Object.keys(update).length === 0) {
      setMessage({ ok: true, text: t('alerts.unchanged') });
      return;
    }
    setBusy(true);
    try {
      await call(api.PUT('/api/alerts/config', { body: update }));
      setMessage({ ok: true, text: t('alerts.saved') });
      onSaved();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  const feedback = message && (
    <p className={message.ok ? 'ok' : 'alert alert-error'} role={message.ok ? 'status' : 'alert'}>
      {message.text}
    </p>
  );
  return { busy, save, feedback };
}

/** "runtime setting" beside a field set through the API, with a button that returns it to the file's value. */
function RuntimeMark({
  config,
  field,
  onReset,
}: {
  config: Config;
  field: keyof Update;
  onReset: (u: Update) => void;
}) {
  const { t } = useI18n();
  if (!config.runtime.includes(field)) return null;
  return (
    <span className="runtime-mark small">
      <span className="tag">{t('alerts.runtime')}</span>
      <button type="button" className="link-button" onClick={() => onReset({ [field]: null })}>
        {t('alerts.resetField')}
      </button>
    </span>
  );
}

function NumberField({
  field,
  value,
  onChange,
  config,
  onReset,
}: {
  field: NumKey;
  value: string;
  onChange: (v: string) => void;
  config: Config;
  onReset: (u: Update) => void;
}) {
  const { t } = useI18n();
  const spec = NUM[field];
  const unit = t(`alerts.unit.${spec.unit}`);
  return (
    <div className="field-wrap">
      <label className="field">
        <span>
          {t(`alerts.field.${field}` as MessageKey)}
          {unit && <span className="muted small"> ({unit})</span>}
        </span>
        <input
          name={field}
          type="number"
          inputMode="decimal"
          required
          min={spec.min}
          max={spec.max}
          step={spec.step ?? 1}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      </label>
      <RuntimeMark config={config} field={field} onReset={onReset} />
    </div>
  );
}

function RulesForm({ config, onSaved }: { config: Config; onSaved: () => void }) {
  const { t } = useI18n();
  const { busy, save, feedback } = useSave(onSaved);
  const initial = () => ({
    rules: [...config.rules] as Rule[],
    nums: Object.fromEntries((Object.keys(NUM) as NumKey[]).map((k) => [k, shown(k, config[k])])) as Record<
      NumKey,
      string
    >,
  });
  const [draft, setDraft] = useState(initial);
  // a saved (or reset) config: the form shows it
  useEffect(() => setDraft(initial()), [config]);

  const setNum = (k: NumKey) => (v: string) => setDraft((d) => ({ ...d, nums: { ...d.nums, [k]: v } }));
  const toggle = (r: Rule, on: boolean) =>
    setDraft((d) => ({
      ...d,
      rules: on ? RULES.filter((x) => x === r || d.rules.includes(x)) : d.rules.filter((x) => x !== r),
    }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const update: Record<string, unknown> = {};
    if ([...draft.rules].sort().join() !== [...config.rules].sort().join()) update.rules = draft.rules;
    for (const k of [...RULES.flatMap((r) => RULE_FIELDS[r]), 'resolveAfterMs'] as NumKey[]) {
      const v = parsed(k, draft.nums[k]);
      if (v !== config[k]) update[k] = v;
    }
    void save(update as Update);
  };

  return (
    <section className="card ops-section" aria-labelledby="alerts-rules">
      <h2 id="alerts-rules">{t('alerts.rules')}</h2>
      <p className="muted small">{t('alerts.rulesHint')}</p>
      <form className="form" onSubmit={submit} data-testid="alert-rules">
        <RuntimeMark config={config} field="rules" onReset={(u) => void save(u)} />
        {RULES.map((r) => (
          <div key={r} className="rule-row">
            <label className="check">
              <input
                type="checkbox"
                name="rules"
                value={r}
                checked={draft.rules.includes(r)}
                onChange={(e) => toggle(r, e.target.checked)}
              />
              <span>
                {t(`alerts.rule.${r}`)} <code className="muted small">{r}</code>
              </span>
            </label>
            {RULE_FIELDS[r].length > 0 && (
              <div className="ops-grid rule-fields">
                {RULE_FIELDS[r].map((k) => (
                  <NumberField
                    key={k}
                    field={k}
                    value={draft.nums[k]}
                    onChange={setNum(k)}
                    config={config}
                    onReset={(u) => void save(u)}
                  />
                ))}
              </div>
            )}
          </div>
        ))}
        <div className="ops-grid">
          <NumberField
            field="resolveAfterMs"
            value={draft.nums.resolveAfterMs}
            onChange={setNum('resolveAfterMs')}
            config={config}
            onReset={(u) => void save(u)}
          />
        </div>
        {feedback}
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? t('alerts.saving') : t('alerts.save')}
          </button>
        </div>
      </form>
    </section>
  );
}

function ChannelsForm({
  config,
  robots,
  onSaved,
}: {
  config: Config;
  robots: Schemas['RobotResponseDto'][];
  onSaved: () => void;
}) {
  const { t } = useI18n();
  const { busy, save, feedback } = useSave(onSaved);
  const initial = () => ({
    webhookUrl: config.webhookUrl,
    webhookSecret: config.webhookSecret,
    wechatRobotId: String(config.wechatRobotId),
    wechatTo: config.wechatTo.join('\n'),
    nums: Object.fromEntries(WEBHOOK_NUMS.map((k) => [k, shown(k, config[k])])) as Record<NumKey, string>,
  });
  const [draft, setDraft] = useState(initial);
  useEffect(() => setDraft(initial()), [config]);
  const set =
    (k: 'webhookUrl' | 'webhookSecret' | 'wechatRobotId' | 'wechatTo') => (e: { target: { value: string } }) =>
      setDraft((d) => ({ ...d, [k]: e.target.value }));
  const setNum = (k: NumKey) => (v: string) => setDraft((d) => ({ ...d, nums: { ...d.nums, [k]: v } }));
  const reset = (u: Update) => void save(u);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const update: Record<string, unknown> = {};
    if (draft.webhookUrl.trim() !== config.webhookUrl) update.webhookUrl = draft.webhookUrl.trim();
    if (draft.webhookSecret !== config.webhookSecret) update.webhookSecret = draft.webhookSecret;
    for (const k of WEBHOOK_NUMS) {
      const v = parsed(k, draft.nums[k]);
      if (v !== config[k]) update[k] = v;
    }
    if (Number(draft.wechatRobotId) !== config.wechatRobotId) update.wechatRobotId = Number(draft.wechatRobotId);
    const to = splitWxids(draft.wechatTo);
    if (to.join() !== config.wechatTo.join()) update.wechatTo = to;
    void save(update as Update);
  };

  const field = (
    label: MessageKey,
    input: (ids: { id: string; 'aria-describedby'?: string }) => ReactNode,
    mark: keyof Update,
    hint?: MessageKey,
  ) => (
    <HintedField
      label={t(label)}
      hint={hint && t(hint)}
      after={<RuntimeMark config={config} field={mark} onReset={reset} />}
    >
      {input}
    </HintedField>
  );

  return (
    <section className="card ops-section" aria-labelledby="alerts-channels">
      <h2 id="alerts-channels">{t('alerts.channels')}</h2>
      <p className="muted small">{t('alerts.channelsHint')}</p>
      <form className="form" onSubmit={submit} data-testid="alert-channels">
        <fieldset className="fieldset">
          <legend>{t('alerts.webhook')}</legend>
          {field(
            'alerts.field.webhookUrl',
            (ids) => (
              <input
                {...ids}
                name="webhookUrl"
                type="url"
                inputMode="url"
                maxLength={1000}
                placeholder="https://example.com/hooks/opengewe"
                value={draft.webhookUrl}
                onChange={set('webhookUrl')}
              />
            ),
            'webhookUrl',
            'alerts.field.webhookUrlHint',
          )}
          {field(
            'alerts.field.webhookSecret',
            (ids) => (
              <input
                {...ids}
                name="webhookSecret"
                type="password"
                autoComplete="new-password"
                maxLength={200}
                value={draft.webhookSecret}
                onChange={set('webhookSecret')}
              />
            ),
            'webhookSecret',
            'alerts.field.webhookSecretHint',
          )}
          <div className="ops-grid">
            {WEBHOOK_NUMS.map((k) => (
              <NumberField
                key={k}
                field={k}
                value={draft.nums[k]}
                onChange={setNum(k)}
                config={config}
                onReset={reset}
              />
            ))}
          </div>
        </fieldset>
        <fieldset className="fieldset">
          <legend>{t('alerts.wechat')}</legend>
          {field(
            'alerts.field.wechatRobotId',
            (ids) => (
              <select {...ids} name="wechatRobotId" value={draft.wechatRobotId} onChange={set('wechatRobotId')}>
                <option value="0">{t('alerts.field.wechatRobotNone')}</option>
                {robots.map((r) => (
                  <option key={r.id} value={String(r.id)}>
                    {r.name} (#{r.id}
                    {r.wxid ? `, ${r.wxid}` : ''})
                  </option>
                ))}
                {config.wechatRobotId > 0 && !robots.some((r) => r.id === config.wechatRobotId) && (
                  <option value={String(config.wechatRobotId)}>#{config.wechatRobotId}</option>
                )}
              </select>
            ),
            'wechatRobotId',
          )}
          {field(
            'alerts.field.wechatTo',
            (ids) => (
              <textarea
                {...ids}
                name="wechatTo"
                rows={3}
                spellCheck={false}
                placeholder={'wxid_abc\n123456@chatroom'}
                value={draft.wechatTo}
                onChange={set('wechatTo')}
              />
            ),
            'wechatTo',
            'alerts.field.wechatToHint',
          )}
        </fieldset>
        {feedback}
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? t('alerts.saving') : t('alerts.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
