import { useEffect, useRef, useState } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { AutoDisabledReason, PluginDescription } from '../components/PluginText';
import { useI18n, type Translate } from '../i18n';
import { useLiveEvents } from '../live';
import { Link } from '../router';
import { useSession } from '../session';

export type Plugin = Schemas['PluginResponseDto'];

/** enabled · disabled · disabled automatically · failed to load, with the tone of its badge. */
export function pluginState(p: Plugin, t: Translate): { label: string; tone: 'ok' | 'off' | 'bad' } {
  if (p.loadError) return { label: t('plugins.state.loadError'), tone: 'bad' };
  if (p.disabledReason) return { label: t('plugins.state.auto'), tone: 'bad' };
  return p.enabled
    ? { label: t('plugins.state.enabled'), tone: 'ok' }
    : { label: t('plugins.state.disabled'), tone: 'off' };
}

export function PluginStateBadge({ plugin }: { plugin: Plugin }) {
  const { t } = useI18n();
  const s = pluginState(plugin, t);
  return (
    <span className={`badge badge-${s.tone}`} data-testid="plugin-state">
      {s.label}
    </span>
  );
}

/** Enable / disable / enable again (after an automatic disable) for an admin; nothing for the others. */
export function PluginSwitch({
  plugin,
  onDone,
  onError,
}: {
  plugin: Plugin;
  onDone: () => void;
  onError: (message: string) => void;
}) {
  const { t } = useI18n();
  const { user } = useSession();
  const [busy, setBusy] = useState(false);
  if (!user?.isAdmin || plugin.loadError) return null;
  const path = { params: { path: { plugin_name: plugin.name } } };
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      onDone();
    } catch (err) {
      onError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  if (plugin.disabledReason || !plugin.enabled)
    return (
      <button
        type="button"
        className="button small primary"
        disabled={busy}
        aria-label={`${plugin.disabledReason ? t('plugins.reenable') : t('plugins.enable')} ${plugin.name}`}
        onClick={() => void run(() => call(api.POST('/api/plugins/{plugin_name}/enable', path)))}
      >
        {plugin.disabledReason ? t('plugins.reenable') : t('plugins.enable')}
      </button>
    );
  return (
    <button
      type="button"
      className="button small"
      disabled={busy}
      aria-label={`${t('plugins.disable')} ${plugin.name}`}
      onClick={() =>
        window.confirm(t('plugins.confirmDisable', { name: plugin.name })) &&
        void run(() => call(api.POST('/api/plugins/{plugin_name}/disable', path)))
      }
    >
      {t('plugins.disable')}
    </button>
  );
}

export function PluginStats({ plugin }: { plugin: Plugin }) {
  const { t } = useI18n();
  const s = plugin.stats;
  return (
    <>
      <dl className="stats compact" aria-label={t('plugins.stats')}>
        <div>
          <dt>{t('plugins.calls')}</dt>
          <dd>{s.calls}</dd>
        </div>
        <div>
          <dt>{t('plugins.failures')}</dt>
          <dd className={s.failures ? 'bad' : undefined}>{s.failures}</dd>
        </div>
        <div>
          <dt>{t('plugins.timeouts')}</dt>
          <dd className={s.timeouts ? 'bad' : undefined}>{s.timeouts}</dd>
        </div>
        <div>
          <dt>{t('plugins.avgMs')}</dt>
          <dd>{s.avgMs}</dd>
        </div>
      </dl>
      {s.lastError && (
        <p className="small">
          <span className="muted">{t('plugins.lastError')}: </span>
          <code className="bad">{s.lastError}</code>
        </p>
      )}
    </>
  );
}

export function PluginsPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const list = useLoad(() => call(api.GET('/api/plugins', { params: { query: { limit: 200 } } })));
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [reloading, setReloading] = useState(false);
  // failures change the stats and may disable a plugin: load the list again a moment later (once per burst)
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  useLiveEvents((e) => {
    if (e.type === 'plugin.failure' || e.type === 'resync')
      pending.current ??= setTimeout(() => {
        pending.current = undefined;
        list.reload();
      }, 500);
  });

  const reload = async () => {
    setReloading(true);
    setError(null);
    setNotice(null);
    try {
      const r = await call(api.POST('/api/plugins/reload'));
      setNotice(t('plugins.reloaded', { loaded: r.loaded.length, failed: r.failed.length }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setReloading(false);
      list.reload();
    }
  };

  const plugins = list.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="plugins-title">
      <div className="page-head">
        <h1 id="plugins-title">{t('plugins.title')}</h1>
        {user?.isAdmin && (
          <button type="button" className="button" disabled={reloading} onClick={() => void reload()}>
            {reloading ? t('plugins.reloadBusy') : t('plugins.reload')}
          </button>
        )}
      </div>
      <LoadState {...list} loading={list.loading && !list.data} />
      <ErrorAlert message={error} />
      <OkNotice message={notice} />
      {list.data && plugins.length === 0 && <p className="card muted">{t('plugins.empty')}</p>}
      <div className="plugin-list">
        {plugins.map((p) => (
          <article
            key={p.name}
            className="card plugin"
            aria-labelledby={`plugin-${p.name}`}
            data-testid={`plugin-${p.name}`}
          >
            <header className="plugin-head">
              <h2 id={`plugin-${p.name}`}>
                <Link href={`/plugins/${encodeURIComponent(p.name)}`}>{p.name}</Link>
              </h2>
              <PluginStateBadge plugin={p} />
            </header>
            <p className="muted small">
              {p.version && (
                <span>
                  {t('plugins.version')} {p.version}
                </span>
              )}
              {p.author && (
                <span>
                  {' '}
                  · {t('plugins.author')} {p.author}
                </span>
              )}{' '}
              · {t('plugins.handlers', { h: p.handlers, j: p.jobs })}
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
            {p.loaded && <PluginStats plugin={p} />}
            <div className="row-actions">
              <PluginSwitch plugin={p} onDone={list.reload} onError={setError} />
              <Link
                className="button small"
                href={`/plugins/${encodeURIComponent(p.name)}`}
                aria-label={`${t('plugins.open')}: ${p.name}`}
              >
                {t('plugins.open')}
              </Link>
            </div>
          </article>
        ))}
      </div>
    </main>
  );
}
