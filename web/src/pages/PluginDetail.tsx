import { useState, type FormEvent } from 'react';
import { api, ApiCallError, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { ErrorAlert } from '../components/Notice';
import { SchemaForm } from '../components/SchemaForm';
import { isSchema, serverProblems, type JsonSchema } from '../components/schema-model';
import { AutoDisabledReason, PluginDescription } from '../components/PluginText';
import { useI18n } from '../i18n';
import { Link, usePath } from '../router';
import { useSession } from '../session';
import { PluginStateBadge, PluginStats, PluginSwitch } from './Plugins';
import { useRobots } from '../robots';
import { PluginRecordsSection } from './PluginRecords';

type PluginDetail = Schemas['PluginDetailResponseDto'];

/** /plugins/<name>: the plugin, its config form, and its switch per robot. */
export function PluginDetailPage() {
  const { t } = useI18n();
  const name = decodeURIComponent(usePath().split('/')[2] ?? '');
  const detail = useLoad(() =>
    call(api.GET('/api/plugins/{plugin_name}', { params: { path: { plugin_name: name } } })),
  );
  const [error, setError] = useState<string | null>(null);
  const p = detail.data;

  return (
    <main id="main" className="page" aria-labelledby="plugin-title">
      <p>
        <Link href="/plugins">{t('plugins.back')}</Link>
      </p>
      <div className="page-head">
        <h1 id="plugin-title">{name}</h1>
        {p && <PluginStateBadge plugin={p} />}
      </div>
      <LoadState {...detail} loading={detail.loading && !detail.data} />
      <ErrorAlert message={error} />
      {p && (
        <>
          <section className="card" aria-label={t('plugins.state')}>
            <p className="muted small">
              {p.version && `${t('plugins.version')} ${p.version}`}
              {p.author && ` · ${t('plugins.author')} ${p.author}`} · {t('plugins.directory')}{' '}
              <code>{p.directory}</code> · {t('plugins.handlers', { h: p.handlers, j: p.jobs })}
            </p>
            <PluginDescription plugin={p} />
            {p.loadError && (
              <p className="alert alert-error small">
                <strong>{t('plugins.loadError')}:</strong> <code>{p.loadError}</code>
              </p>
            )}
            {p.disabledReason && (
              <p className="alert alert-error small">
                <strong>{t('plugins.autoDisabled')}:</strong> <AutoDisabledReason reason={p.disabledReason} />
              </p>
            )}
            <div className="row-actions">
              <PluginSwitch
                plugin={p}
                onDone={() => {
                  setError(null);
                  detail.reload();
                }}
                onError={setError}
              />
            </div>
          </section>

          <section className="card" aria-labelledby="plugin-config">
            <h2 id="plugin-config">{t('plugins.config')}</h2>
            <PluginConfig plugin={p} onSaved={detail.reload} />
          </section>

          <section className="card" aria-labelledby="plugin-robots">
            <h2 id="plugin-robots">{t('plugins.robots')}</h2>
            <p className="muted small">{t('plugins.robotsHint')}</p>
            <PluginRobots plugin={p} onChanged={detail.reload} />
          </section>

          <PluginRecordsSection plugin={p.name} />

          {p.loaded && (
            <section className="card" aria-labelledby="plugin-stats">
              <h2 id="plugin-stats">{t('plugins.stats')}</h2>
              <PluginStats plugin={p} />
            </section>
          )}
        </>
      )}
    </main>
  );
}

function PluginConfig({ plugin, onSaved }: { plugin: PluginDetail; onSaved: () => void }) {
  const { t } = useI18n();
  const { user } = useSession();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [byPath, setByPath] = useState<Record<string, string[]>>({});
  const [other, setOther] = useState<string[]>([]);
  // a new form (fresh draft) after each successful save, showing the effective config the server answered
  const [version, setVersion] = useState(0);
  const [config, setConfig] = useState(plugin.config);
  const schema: JsonSchema | null = isSchema(plugin.configSchema) ? (plugin.configSchema as JsonSchema) : null;
  const admin = !!user?.isAdmin;

  if (plugin.loadError) return <p className="muted">{t('plugins.notLoaded')}</p>;

  const save = async (value: Record<string, unknown>) => {
    setBusy(true);
    setSaved(false);
    setByPath({});
    setOther([]);
    try {
      const effective = await call(
        api.PUT('/api/plugins/{plugin_name}/config', { params: { path: { plugin_name: plugin.name } }, body: value }),
      );
      setConfig(effective);
      setVersion((v) => v + 1);
      setSaved(true);
      onSaved();
    } catch (err) {
      if (err instanceof ApiCallError && schema) {
        const split = serverProblems(schema, err.messages);
        setByPath(split.byPath);
        setOther(split.other);
      } else setOther([err instanceof Error ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p className="muted small">{schema ? t('plugins.configHint') : t('plugins.noSchema')}</p>
      {!admin && <p className="muted small">{t('plugins.configReadOnly')}</p>}
      {schema ? (
        <SchemaForm
          key={version}
          schema={schema}
          value={config}
          readOnly={!admin}
          serverErrors={byPath}
          onSubmit={(v) => void save(v)}
          submitLabel={t('plugins.configSave')}
          busy={busy}
          testId="plugin-config-form"
        />
      ) : (
        <JsonConfigForm key={version} value={config} readOnly={!admin} busy={busy} onSubmit={(v) => void save(v)} />
      )}
      <ErrorAlert message={other.join('; ')} />
      {saved && (
        <p className="alert alert-ok" role="status">
          {t('plugins.configSaved')}
        </p>
      )}
    </>
  );
}

/** A plugin without a schema takes any JSON object. */
function JsonConfigForm({
  value,
  readOnly,
  busy,
  onSubmit,
}: {
  value: Record<string, unknown>;
  readOnly: boolean;
  busy: boolean;
  onSubmit: (v: Record<string, unknown>) => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(() => JSON.stringify(value, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      const v = JSON.parse(text) as unknown;
      if (!isSchema(v)) throw new Error('not an object');
      setProblem(null);
      onSubmit(v as Record<string, unknown>);
    } catch {
      setProblem(t('sf.json'));
    }
  };
  return (
    <form className="form" noValidate onSubmit={submit}>
      <div className="field">
        <label htmlFor="plugin-config-json">
          <span>{t('plugins.configJson')}</span>
        </label>
        <textarea
          id="plugin-config-json"
          rows={8}
          spellCheck={false}
          disabled={readOnly}
          aria-invalid={problem !== null}
          aria-describedby={problem ? 'plugin-config-json-err' : undefined}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {problem && (
          <small id="plugin-config-json-err" className="field-error">
            {problem}
          </small>
        )}
      </div>
      {!readOnly && (
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            {t('plugins.configSave')}
          </button>
        </div>
      )}
    </form>
  );
}

/** Each robot's switch for this plugin: follow the global flag, or force it on or off (admin). */
function PluginRobots({ plugin, onChanged }: { plugin: PluginDetail; onChanged: () => void }) {
  const { t } = useI18n();
  const { user } = useSession();
  const robots = useRobots();
  const [error, setError] = useState<string | null>(null);
  const overrides = new Map(plugin.robots.map((r) => [r.robotId, r.enabled]));
  const global = plugin.enabled && !plugin.disabledReason;

  const set = async (robotId: number, value: string) => {
    setError(null);
    try {
      await call(
        api.PUT('/api/robots/{robot_id}/plugins/{plugin_name}', {
          params: { path: { robot_id: robotId, plugin_name: plugin.name } },
          body: { enabled: value === 'on' ? true : value === 'off' ? false : null },
        }),
      );
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const items = robots.data?.items ?? [];
  return (
    <>
      <LoadState {...robots} loading={robots.loading && !robots.data} />
      <ErrorAlert message={error} />
      {robots.data && items.length === 0 && <p className="muted">{t('plugins.noRobots')}</p>}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('plugins.robot')}</th>
              <th scope="col">{t('plugins.override')}</th>
              <th scope="col">{t('plugins.effective')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => {
              const o = overrides.get(r.id);
              const effective = plugin.disabledReason ? false : (o ?? global);
              return (
                <tr key={r.id}>
                  <th scope="row" data-label={t('plugins.robot')}>
                    <Link href={`/robots/${r.id}`}>{r.name}</Link>
                  </th>
                  <td data-label={t('plugins.override')}>
                    <select
                      aria-label={`${t('plugins.override')}: ${r.name}`}
                      disabled={!user?.isAdmin || !!plugin.loadError}
                      value={o === undefined ? 'follow' : o ? 'on' : 'off'}
                      onChange={(e) => void set(r.id, e.target.value)}
                    >
                      <option value="follow">
                        {t('plugins.follow', { state: global ? t('plugins.on') : t('plugins.off') })}
                      </option>
                      <option value="on">{t('plugins.forceOn')}</option>
                      <option value="off">{t('plugins.forceOff')}</option>
                    </select>
                  </td>
                  <td data-label={t('plugins.effective')}>
                    <span className={`badge badge-${effective ? 'ok' : 'off'}`}>
                      {effective ? t('plugins.on') : t('plugins.off')}
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
