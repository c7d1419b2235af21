import { useEffect, useRef, useState } from 'react';
import { api, call, type MessageEvent as LiveMessage } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { MessageRate } from '../components/MessageRate';
import { StatusBadge } from '../components/StatusBadge';
import { AutoDisabledReason } from '../components/PluginText';
import { useI18n } from '../i18n';
import { kindLabel } from '../kinds';
import { useLiveEvents } from '../live';
import { Link } from '../router';
import { useRobots } from '../robots';

const RECENT = 8;

export function DashboardPage() {
  const { t } = useI18n();
  const robots = useRobots();
  const queue = useLoad(() => call(api.GET('/api/queue')));
  const plugins = useLoad(() => call(api.GET('/api/plugins', { params: { query: { limit: 200 } } })));
  const [recent, setRecent] = useState<LiveMessage[]>([]);

  // a plugin failed: look at the plugins again a moment later (once for a burst of failures)
  const pluginCheck = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pluginCheck.current), []);
  useLiveEvents((e) => {
    if (e.type === 'robot.status' || e.type === 'resync') robots.reload();
    if (e.type === 'message') {
      setRecent((r) => [e.data, ...r].slice(0, RECENT));
      queue.reload();
    }
    if (e.type === 'queue.depth') queue.reload();
    if (e.type === 'plugin.failure' || e.type === 'resync')
      pluginCheck.current ??= setTimeout(() => {
        pluginCheck.current = undefined;
        plugins.reload();
      }, 500);
  });

  const items = robots.data?.items ?? [];
  const online = items.filter((r) => r.status === 'online').length;
  const troubled = (plugins.data?.items ?? []).filter((p) => p.loadError || p.disabledReason || p.stats.lastError);

  return (
    <main id="main" className="page" aria-labelledby="dash-title">
      <h1 id="dash-title">{t('nav.dashboard')}</h1>
      {robots.data && robots.data.total === 0 && (
        <section className="card start-card" aria-labelledby="dash-start" data-testid="dash-start">
          <h2 id="dash-start">{t('dash.startTitle')}</h2>
          <p>{t('dash.startText')}</p>
          <p>
            <Link href="/robots" className="button primary">
              {t('dash.startAdd')}
            </Link>
          </p>
          <p className="muted small">{t('dash.startFake', { cmd: 'npm run fake-gewe' })}</p>
        </section>
      )}
      <div className="grid">
        <section className="card" aria-labelledby="dash-robots" data-testid="dash-robots">
          <h2 id="dash-robots">
            <Link href="/robots">{t('dash.robots')}</Link>
          </h2>
          <LoadState {...robots} loading={robots.loading && !robots.data} />
          {robots.data && (
            <>
              <dl className="stats">
                <div>
                  <dt>{t('dash.online')}</dt>
                  <dd className="ok" data-testid="robots-online">
                    {online}
                  </dd>
                </div>
                <div>
                  <dt>{t('dash.offline')}</dt>
                  <dd data-testid="robots-offline">{items.length - online}</dd>
                </div>
              </dl>
              <p className="muted small">{t('dash.total', { n: robots.data.total })}</p>
            </>
          )}
        </section>

        <section className="card" aria-labelledby="dash-queue" data-testid="dash-queue">
          <h2 id="dash-queue">{t('dash.queue')}</h2>
          <LoadState {...queue} loading={queue.loading && !queue.data} />
          {queue.data && (
            <dl className="stats">
              <div>
                <dt>{t('dash.waiting')}</dt>
                <dd>{queue.data.waiting}</dd>
              </div>
              <div>
                <dt>{t('dash.active')}</dt>
                <dd>{queue.data.active}</dd>
              </div>
              <div>
                <dt>{t('dash.delayed')}</dt>
                <dd>{queue.data.delayed}</dd>
              </div>
              <div>
                <dt>{t('dash.failed')}</dt>
                <dd className={queue.data.failed ? 'bad' : undefined}>{queue.data.failed}</dd>
              </div>
            </dl>
          )}
          {queue.data && (
            <p className="small">
              <Link href="/jobs">{t('jobs.view')}</Link>
            </p>
          )}
        </section>

        <section className="card" aria-labelledby="dash-plugins" data-testid="dash-plugins">
          <h2 id="dash-plugins">
            <Link href="/plugins">{t('dash.plugins')}</Link>
          </h2>
          <LoadState {...plugins} loading={plugins.loading && !plugins.data} />
          {plugins.data &&
            (plugins.data.total === 0 ? (
              <p className="muted">{t('dash.noPlugins')}</p>
            ) : troubled.length === 0 ? (
              <p className="ok">{t('dash.pluginsOk', { n: plugins.data.total })}</p>
            ) : (
              <>
                <h3 className="small">{t('dash.pluginErrors')}</h3>
                <ul className="plain">
                  {troubled.map((p) => (
                    <li key={p.name}>
                      <Link href={`/plugins/${encodeURIComponent(p.name)}`}>
                        <strong>{p.name}</strong>
                      </Link>{' '}
                      <span className="bad small">
                        {p.disabledReason && !p.loadError ? (
                          <AutoDisabledReason reason={p.disabledReason} />
                        ) : (
                          <code>{p.loadError ?? p.stats.lastError}</code>
                        )}
                      </span>
                      {p.loaded && (p.stats.failures > 0 || p.stats.timeouts > 0) && (
                        <span className="muted small">
                          {' '}
                          ({t('plugins.failures')} {p.stats.failures} · {t('plugins.timeouts')} {p.stats.timeouts})
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              </>
            ))}
        </section>

        <section className="card" aria-labelledby="dash-rate" data-testid="dash-rate">
          <h2 id="dash-rate">{t('rate.title')}</h2>
          <MessageRate />
        </section>
      </div>

      <section className="card" aria-labelledby="dash-messages" data-testid="dash-messages">
        <h2 id="dash-messages">{t('dash.messages')}</h2>
        {recent.length === 0 ? (
          <p className="muted">{t('dash.noMessages')}</p>
        ) : (
          <ul className="plain messages" aria-live="polite">
            {recent.map((m) => (
              <li key={m.id}>
                <time dateTime={m.receivedAt}>{new Date(m.receivedAt).toLocaleTimeString()}</time>{' '}
                <span className="tag">{t(kindLabel(m.kind))}</span> <code>{m.senderWxid ?? m.chatId ?? '—'}</code>{' '}
                <span>{m.text ?? ''}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {items.some((r) => r.status !== 'online') && (
        <p className="muted small">
          {items
            .filter((r) => r.status !== 'online')
            .slice(0, 5)
            .map((r) => (
              <span key={r.id} className="inline-status">
                {r.name} <StatusBadge status={r.status} />
              </span>
            ))}
        </p>
      )}
    </main>
  );
}
