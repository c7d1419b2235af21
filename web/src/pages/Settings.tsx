import { useState, type FormEvent } from 'react';
import { api, ApiCallError, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { useI18n, type MessageKey } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';

type Setting = Schemas['RuntimeSettingDto'];
type Level = Schemas['LogLevelUpdateDto']['level'];
const LEVELS: Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const MASK = '********';

/** The console's description of a runtime setting (every one has both languages: test/unit/console-codes.spec.ts). */
const descriptionKey = (name: string) => `settings.desc.${name}` as MessageKey;

/** "settings.gewe.base_url: must be a URL; settings.x: …" → messages by setting name, and the rest. */
function settingErrors(messages: string[]): { byName: Record<string, string[]>; other: string[] } {
  const byName: Record<string, string[]> = {};
  const other: string[] = [];
  for (const m of messages)
    for (const part of m.split(/;\s*(?=settings\.)/)) {
      const match = /^settings\.([\w.]+):\s*(.*)$/s.exec(part);
      if (match?.[1]) (byName[match[1]] ??= []).push(match[2] ?? part);
      else other.push(part);
    }
  return { byName, other };
}

export function SettingsPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const config = useLoad(() => (user?.isAdmin ? call(api.GET('/api/system/config')) : Promise.resolve(undefined)));
  const [notice, setNotice] = useState<string | null>(null);

  if (!user?.isAdmin)
    return (
      <main id="main" className="page">
        <h1>{t('settings.title')}</h1>
        <p className="alert alert-error">{t('settings.adminOnly')}</p>
      </main>
    );

  const settings = config.data?.settings ?? [];
  const level = settings.find((s) => s.name === 'logging.level');
  return (
    <main id="main" className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <LoadState {...config} loading={config.loading && !config.data} />
      {level && <LogLevelCard current={valueOf(level) as Level} onChanged={config.reload} />}
      {config.data && (
        <RuntimeSettings
          // a fresh form whenever the stored values change (after a save or a reset)
          key={JSON.stringify(settings.map((s) => [s.value, s.updatedAt]))}
          // the alert rules and thresholds have their own form, in minutes and seconds, on the alerts page
          settings={settings.filter((s) => s.name !== 'logging.level' && !s.name.startsWith('alerts.'))}
          notice={notice}
          onNotice={setNotice}
          onSaved={config.reload}
        />
      )}
      {config.data && (
        <section className="card" aria-labelledby="settings-file">
          <details>
            <summary>
              <h2 id="settings-file" className="inline-heading">
                {t('settings.file')}
              </h2>
            </summary>
            <p className="muted small">
              {t('settings.fileHint', { path: config.data.configFile ?? t('settings.fileDefaults') })}
            </p>
            <pre className="code-block">{JSON.stringify(config.data.file, null, 2)}</pre>
          </details>
        </section>
      )}
    </main>
  );
}

function LogLevelCard({ current, onChanged }: { current: Level; onChanged: () => void }) {
  const { t } = useI18n();
  const [level, setLevel] = useState<Level>(current);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await call(api.PUT('/api/system/log-level', { body: { level } }));
      setDone(t('settings.logLevelDone', { level: r.level }));
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="settings-level">
      <h2 id="settings-level">{t('settings.logLevel')}</h2>
      <p className="muted small">{t('settings.logLevelHint')}</p>
      <form className="form inline left" onSubmit={(e) => void apply(e)}>
        <div className="field">
          <label htmlFor="log-level">
            <span>{t('settings.logLevel')}</span>
          </label>
          <select id="log-level" name="level" value={level} onChange={(e) => setLevel(e.target.value as Level)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button primary" disabled={busy || level === current}>
          {t('settings.logLevelApply')}
        </button>
      </form>
      <p className="muted small" data-testid="log-level-current">
        {t('settings.logLevelCurrent', { level: current })}
      </p>
      <OkNotice message={done} />
      <ErrorAlert message={error} />
    </section>
  );
}

/** The OpenAPI document types `value` as an object; it is any JSON value. */
function valueOf(s: Setting): unknown {
  return s.value as unknown;
}

/** What the form holds per setting: text, a flag, or (a secret) the new value typed, '' to keep it. */
type Draft = Record<string, string | boolean>;

function initial(settings: Setting[]): Draft {
  const d: Draft = {};
  for (const s of settings)
    d[s.name] =
      s.type === 'bool' ? valueOf(s) === true : s.sensitive ? '' : valueOf(s) == null ? '' : String(valueOf(s));
  return d;
}

function RuntimeSettings({
  settings,
  notice,
  onNotice: setNotice,
  onSaved,
}: {
  settings: Setting[];
  notice: string | null;
  onNotice: (notice: string | null) => void;
  onSaved: () => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Draft>(() => initial(settings));
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<{ byName: Record<string, string[]>; other: string[] }>({
    byName: {},
    other: [],
  });
  const start = initial(settings);

  const send = async (changes: Record<string, unknown>) => {
    setNotice(null);
    setErrors({ byName: {}, other: [] });
    if (Object.keys(changes).length === 0) {
      setNotice(t('settings.nothing'));
      return;
    }
    setBusy(true);
    try {
      await call(api.PUT('/api/system/config', { body: { settings: changes } }));
      setNotice(t('settings.saved'));
      onSaved();
    } catch (err) {
      setErrors(err instanceof ApiCallError ? settingErrors(err.messages) : { byName: {}, other: [String(err)] });
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const changes: Record<string, unknown> = {};
    for (const s of settings) {
      const v = draft[s.name];
      if (s.sensitive) {
        if (typeof v === 'string' && v !== '') changes[s.name] = v;
      } else if (v !== start[s.name]) changes[s.name] = typeof v === 'string' ? v.trim() : v;
    }
    void send(changes);
  };

  const display = (s: Setting, v: unknown) =>
    s.sensitive ? (v === MASK ? MASK : t('settings.empty')) : v === '' || v == null ? t('settings.empty') : String(v);

  return (
    <section className="card" aria-labelledby="settings-runtime">
      <h2 id="settings-runtime">{t('settings.runtime')}</h2>
      <p className="muted small">{t('settings.runtimeHint')}</p>
      <p className="small" data-testid="settings-alerts-link">
        {t('settings.alertsElsewhere')} <Link href="/alerts">{t('settings.alertsLink')}</Link>
      </p>
      <form className="form" noValidate onSubmit={submit} data-testid="runtime-settings">
        {settings.map((s) => {
          const id = `setting-${s.name.replace(/\W/g, '-')}`;
          const errs = errors.byName[s.name] ?? [];
          const describedBy = [`${id}-hint`, errs.length ? `${id}-err` : ''].filter(Boolean).join(' ');
          const v = draft[s.name];
          return (
            <div className="field setting" key={s.name} data-testid={`setting-${s.name}`}>
              {s.type === 'bool' ? (
                <label className="check">
                  <input
                    id={id}
                    type="checkbox"
                    aria-describedby={describedBy}
                    checked={v === true}
                    onChange={(e) => setDraft({ ...draft, [s.name]: e.target.checked })}
                  />
                  <span>
                    <code>{s.name}</code>
                  </span>
                </label>
              ) : (
                <>
                  <label htmlFor={id}>
                    <code>{s.name}</code>
                  </label>
                  {s.type === 'enum' && s.allowedValues ? (
                    <select
                      id={id}
                      aria-describedby={describedBy}
                      aria-invalid={errs.length > 0}
                      value={String(v)}
                      onChange={(e) => setDraft({ ...draft, [s.name]: e.target.value })}
                    >
                      {s.allowedValues.map((a) => (
                        <option key={a} value={a}>
                          {a}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={id}
                      type={s.sensitive ? 'password' : 'text'}
                      autoComplete={s.sensitive ? 'new-password' : 'off'}
                      placeholder={s.sensitive ? t('settings.secretPlaceholder') : undefined}
                      aria-describedby={describedBy}
                      aria-invalid={errs.length > 0}
                      value={String(v ?? '')}
                      onChange={(e) => setDraft({ ...draft, [s.name]: e.target.value })}
                    />
                  )}
                </>
              )}
              <small id={`${id}-hint`} className="muted">
                {t(descriptionKey(s.name))}{' '}
                {s.sensitive && (valueOf(s) === MASK ? t('settings.secretSet') : t('settings.secretUnset'))}
                <br />
                <span className={`badge badge-${s.source === 'runtime' ? 'wait' : 'off'}`}>
                  {t(s.source === 'runtime' ? 'settings.source.runtime' : 'settings.source.config')}
                </span>{' '}
                {s.updatedAt && t('settings.updatedAt', { time: new Date(s.updatedAt).toLocaleString() })}{' '}
                {s.source === 'runtime' && t('settings.fileValue', { value: display(s, s.defaultValue) })}
              </small>
              {errs.length > 0 && (
                <small id={`${id}-err`} className="field-error" data-testid="field-error">
                  {errs.join('；')}
                </small>
              )}
              {s.source === 'runtime' && (
                <div>
                  <button
                    type="button"
                    className="button small"
                    disabled={busy}
                    aria-label={`${t('settings.reset')}: ${s.name}`}
                    onClick={() => void send({ [s.name]: null })}
                  >
                    {t('settings.reset')}
                  </button>
                </div>
              )}
            </div>
          );
        })}
        <ErrorAlert message={errors.other.join('; ')} />
        <OkNotice message={notice} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            {t('settings.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
