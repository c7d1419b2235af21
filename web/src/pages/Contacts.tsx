import { useEffect, useState } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { ErrorAlert } from '../components/Notice';
import { Pager } from '../components/Pager';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import { Link, usePath } from '../router';

type Contact = Schemas['ContactResponseDto'];
type Sync = Schemas['DirectorySyncResponseDto'];
type Kind = Contact['kind'];

const KINDS = ['friend', 'group', 'official', 'stranger'] as const;
const LIMIT = 50;
/** While a sync runs, its progress is read again this often. */
const SYNC_POLL_MS = 1000;

/** The link to a robot's contacts (from the robot page). */
export function contactsHref(robotId: number): string {
  return `/contacts/${robotId}`;
}

/** The link to a group's page (members and actions). */
export function groupHref(robotId: number, chatId: string): string {
  return `/groups/${robotId}?chat=${encodeURIComponent(chatId)}`;
}

/** /contacts/<robot id>: the robot's directory by name — friends, groups, official accounts, strangers — and its sync. */
export function ContactsPage() {
  const { t } = useI18n();
  const robotId = Number(usePath().split('/')[2]);
  const robot = useLoad(() => call(api.GET('/api/robots/{robot_id}', { params: { path: { robot_id: robotId } } })));
  const [kind, setKind] = useState<Kind | ''>('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const list = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/contacts', {
        params: {
          path: { robot_id: robotId },
          query: { kind: kind || undefined, q: q.trim() || undefined, page, limit: LIMIT },
        },
      }),
    ),
  );
  const { reload } = list;
  useEffect(reload, [kind, q, page, reload]);

  return (
    <main id="main" className="page" aria-labelledby="contacts-title">
      <p>
        <Link href={`/robots/${robotId}`}>{t('contacts.back')}</Link>
      </p>
      <h1 id="contacts-title">
        {t('contacts.title')}
        {robot.data && <span className="muted"> · {robot.data.name}</span>}
      </h1>
      <p className="muted small">{t('contacts.hint')}</p>
      <SyncCard robotId={robotId} onProgress={reload} />
      <section className="card" aria-labelledby="contacts-title">
        <div className="filters">
          <div className="field" role="group" aria-label={t('contacts.kind')}>
            <span>{t('contacts.kind')}</span>
            <div className="tabs" data-testid="contacts-kinds">
              {(['', ...KINDS] as const).map((k) => (
                <button
                  key={k || 'all'}
                  type="button"
                  className={`tab${kind === k ? ' active' : ''}`}
                  aria-pressed={kind === k}
                  onClick={() => {
                    setKind(k);
                    setPage(1);
                  }}
                >
                  {t(k ? `contacts.kind.${k}` : 'contacts.kind.all')}
                </button>
              ))}
            </div>
          </div>
          <label className="field">
            <span>{t('contacts.search')}</span>
            <input
              type="search"
              value={q}
              placeholder={t('contacts.searchHint')}
              autoComplete="off"
              data-testid="contacts-search"
              onChange={(e) => {
                setQ(e.target.value);
                setPage(1);
              }}
            />
          </label>
        </div>
        <LoadState {...list} loading={list.loading && !list.data} />
        {list.data && list.data.items.length === 0 && (
          <p className="muted">{kind || q ? t('contacts.noMatch') : t('contacts.empty')}</p>
        )}
        {list.data && list.data.items.length > 0 && (
          <table className="table" data-testid="contacts-table">
            <thead>
              <tr>
                <th scope="col">{t('contacts.name')}</th>
                <th scope="col">{t('contacts.kind')}</th>
                <th scope="col">{t('contacts.alias')}</th>
                <th scope="col">{t('contacts.members')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('contacts.openGroup')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((c) => (
                <ContactRow key={c.wxid} robotId={robotId} contact={c} />
              ))}
            </tbody>
          </table>
        )}
        {list.data && <Pager page={list.data.page} limit={list.data.limit} total={list.data.total} onPage={setPage} />}
      </section>
    </main>
  );
}

function ContactRow({ robotId, contact: c }: { robotId: number; contact: Contact }) {
  const { t } = useI18n();
  const name = c.name ?? t('contacts.unnamed');
  return (
    <tr data-testid="contact-row" data-wxid={c.wxid}>
      <th scope="row" data-label={t('contacts.name')}>
        <span className="contact-name">
          {c.avatar ? (
            <img
              className="avatar"
              src={c.avatar}
              alt={t('contacts.avatar', { name })}
              width={28}
              height={28}
              loading="lazy"
              referrerPolicy="no-referrer"
            />
          ) : (
            <span className="avatar avatar-blank" aria-hidden="true" />
          )}
          <span title={c.wxid} data-id={c.wxid}>
            {name}
          </span>
          {c.remark && c.nickname && c.remark !== c.nickname && <span className="muted small"> ({c.nickname})</span>}
          {c.deleted && <span className="tag"> {t('contacts.deleted')}</span>}
        </span>
        <div className="muted small">
          <code>{c.wxid}</code>
        </div>
      </th>
      <td data-label={t('contacts.kind')}>
        <span className="tag">{t(`contacts.kind.${c.kind}`)}</span>
      </td>
      <td data-label={t('contacts.alias')}>{c.alias ? <code>{c.alias}</code> : '—'}</td>
      <td data-label={t('contacts.members')}>
        {c.kind === 'group' && c.memberCount !== null ? t('contacts.memberCount', { n: c.memberCount }) : '—'}
      </td>
      <td>
        {c.kind === 'group' && !c.deleted && (
          <Link href={groupHref(robotId, c.wxid)} className="small" data-testid="contact-group-link">
            {t('contacts.openGroup')}
          </Link>
        )}
      </td>
    </tr>
  );
}

/** The last sync's state, a button to start one, and its progress while it runs. */
function SyncCard({ robotId, onProgress }: { robotId: number; onProgress: () => void }) {
  const { t, tc, lang } = useI18n();
  const sync = useLoad(() =>
    call(api.GET('/api/robots/{robot_id}/directory/sync', { params: { path: { robot_id: robotId } } })),
  );
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = sync.data?.state === 'running';
  const { reload } = sync;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      reload();
      onProgress();
    }, SYNC_POLL_MS);
    return () => clearInterval(timer);
  }, [running, reload, onProgress]);
  const [wasRunning, setWasRunning] = useState(false);
  useEffect(() => {
    if (wasRunning && !running) onProgress();
    setWasRunning(running);
  }, [running, wasRunning, onProgress]);

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      await call(api.POST('/api/robots/{robot_id}/directory/sync', { params: { path: { robot_id: robotId } } }));
      reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <section className="card" aria-label={t('contacts.sync')} data-testid="contacts-sync">
      <p data-testid="contacts-sync-state">
        {sync.data ? syncText(sync.data, t, lang) : t('common.loading')}
        {sync.data?.state === 'failed' && sync.data.errorCode && <> · {tc(sync.data.errorCode, {})}</>}
      </p>
      <ErrorAlert message={error} />
      <button
        type="button"
        onClick={() => void start()}
        disabled={starting || running}
        data-testid="contacts-sync-start"
      >
        {running || starting ? t('contacts.syncing') : t('contacts.sync')}
      </button>
    </section>
  );
}

function syncText(s: Sync, t: ReturnType<typeof useI18n>['t'], lang: ReturnType<typeof useI18n>['lang']): string {
  switch (s.state) {
    case 'running':
      return t('contacts.syncState.running', { done: s.done, total: s.total });
    case 'done':
      return t('contacts.syncState.done', { at: formatTime(s.finishedAt, lang), entries: s.entries });
    case 'failed':
      return t('contacts.syncState.failed', { at: formatTime(s.finishedAt, lang) });
    default:
      return t('contacts.syncState.never');
  }
}
