import { useCallback, useEffect, useRef, useState } from 'react';
import { api, call, type MessageEvent as LiveMessage, type Schemas } from '../api/client';
import type { paths } from '../api/schema';
import { LoadState, useLoad } from '../components/Async';
import { FilterActions, RobotFilter, useDraftFilters, useReloadOnChange } from '../components/Filters';
import { Pager } from '../components/Pager';
import { SentByNote } from '../components/SentBy';
import { formatTime, localInputToIso, replaceSearchParam, searchParam } from '../format';
import { useI18n } from '../i18n';
import { EVENT_KINDS, kindLabel } from '../kinds';
import { useLiveEvents } from '../live';
import { chatSettingsHref } from './ChatSettings';
import { ExportButtons } from './Conversations';
import { MessageDetailDialog } from './MessageDetail';
import { useRobots } from '../robots';
import { Named } from '../components/Named';
import { Link } from '../router';

export type Message = Schemas['MessageResponseDto'];
type Query = NonNullable<paths['/api/messages']['get']['parameters']['query']>;
const LIMIT = 50;

interface Filters {
  robotId: string;
  kind: string;
  chatId: string;
  senderWxid: string;
  scope: '' | 'group' | 'private';
  q: string;
  since: string;
  until: string;
}
const NO_FILTERS: Filters = {
  robotId: '',
  kind: '',
  chatId: '',
  senderWxid: '',
  scope: '',
  q: '',
  since: '',
  until: '',
};

function toQuery(f: Filters, page: number): Query {
  return {
    page,
    limit: LIMIT,
    robotId: f.robotId ? Number(f.robotId) : undefined,
    kind: (f.kind || undefined) as Query['kind'],
    chatId: f.chatId.trim() || undefined,
    senderWxid: f.senderWxid.trim() || undefined,
    isGroup: f.scope === '' ? undefined : f.scope === 'group',
    q: f.q.trim() || undefined,
    since: localInputToIso(f.since),
    until: localInputToIso(f.until),
  };
}

/** Whether a live message belongs in the list as filtered (so the first page is reloaded to show it). */
function matches(m: LiveMessage, q: Query): boolean {
  if (q.robotId !== undefined && m.robotId !== q.robotId) return false;
  if (q.kind !== undefined && m.kind !== q.kind) return false;
  if (q.chatId !== undefined && m.chatId !== q.chatId) return false;
  if (q.senderWxid !== undefined && m.senderWxid !== q.senderWxid) return false;
  if (q.isGroup !== undefined && m.isGroup !== q.isGroup) return false;
  if (q.q !== undefined && !(m.text ?? '').toLowerCase().includes(q.q.toLowerCase())) return false;
  if (q.since !== undefined && m.receivedAt < q.since) return false;
  if (q.until !== undefined && m.receivedAt >= q.until) return false;
  return true;
}

export function MessagesPage() {
  const { t, lang } = useI18n();
  const [live, setLive] = useState(true);
  const [missed, setMissed] = useState(0);
  const { filters, page, setPage, apply, reset, field } = useDraftFilters(NO_FILTERS, () => setMissed(0));
  const [openId, setOpenId] = useState<number | null>(() => idParam());
  const query = toQuery(filters, page);
  const queryRef = useRef(query);
  queryRef.current = query;

  const list = useLoad(() => call(api.GET('/api/messages', { params: { query: queryRef.current } })));
  const robots = useRobots();
  const { robotName } = robots;

  const key = JSON.stringify(query);
  const { reload } = list;
  useReloadOnChange(key, reload);

  // New messages: the first page reloads (at most every half second); elsewhere they are counted.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  useLiveEvents((e) => {
    if (e.type === 'resync') return reload();
    if (e.type !== 'message' || !live || !matches(e.data, queryRef.current)) return;
    if (queryRef.current.page !== 1) return setMissed((n) => n + 1);
    setFresh((s) => new Set(s).add(e.data.id));
    clearTimeout(pending.current);
    pending.current = setTimeout(reload, 500);
  });
  useEffect(() => () => clearTimeout(pending.current), []);

  // ?id= opens a message (links from the files screen, a reload of the page)
  useEffect(() => {
    const on = () => setOpenId(idParam());
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const open = useCallback((id: number | null) => {
    setOpenId(id);
    replaceSearchParam('id', id === null ? null : String(id));
  }, []);

  const items = list.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="messages-title">
      <div className="page-head">
        <h1 id="messages-title">{t('messages.title')}</h1>
        <span>
          <ExportButtons
            robotId={query.robotId ?? null}
            chatId={query.chatId}
            query={{ since: query.since, until: query.until }}
          />{' '}
          <label className="check inline-check">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} />
            <span>{t('messages.live')}</span>
          </label>
        </span>
      </div>

      <form className="card filters" role="search" aria-label={t('messages.filters')} onSubmit={apply}>
        <RobotFilter robots={robots.data?.items} {...field('robotId')} />
        <label className="field">
          <span>{t('messages.kind')}</span>
          <select {...field('kind')}>
            <option value="">{t('messages.anyKind')}</option>
            {EVENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(kindLabel(k))}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('messages.scope')}</span>
          <select {...field('scope')}>
            <option value="">{t('messages.scopeAll')}</option>
            <option value="group">{t('messages.scopeGroup')}</option>
            <option value="private">{t('messages.scopePrivate')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('messages.chat')}</span>
          <input {...field('chatId')} placeholder={t('messages.chatHint')} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('messages.sender')}</span>
          <input {...field('senderWxid')} placeholder={t('messages.senderHint')} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('messages.text')}</span>
          <input type="search" {...field('q')} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('messages.since')}</span>
          <input type="datetime-local" {...field('since')} />
        </label>
        <label className="field">
          <span>{t('messages.until')}</span>
          <input type="datetime-local" {...field('until')} />
        </label>
        <FilterActions onReset={reset} />
      </form>

      {missed > 0 && (
        <p className="notice" role="status">
          <button
            type="button"
            className="button small"
            onClick={() => {
              setPage(1);
              setMissed(0);
            }}
          >
            {t('messages.newArrived', { n: missed })}
          </button>
        </p>
      )}
      <LoadState {...list} loading={list.loading && !list.data} />
      {list.data && items.length === 0 && <p className="card muted">{t('messages.empty')}</p>}
      {items.length > 0 && (
        <table className="table messages-table" data-testid="message-list">
          <thead>
            <tr>
              <th scope="col">{t('messages.time')}</th>
              <th scope="col">{t('messages.robot')}</th>
              <th scope="col">{t('messages.kind')}</th>
              <th scope="col">{t('messages.chat')}</th>
              <th scope="col">{t('messages.sender')}</th>
              <th scope="col">{t('messages.content')}</th>
              <th scope="col">{t('messages.plugins')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id} data-testid={`message-${m.id}`} className={fresh.has(m.id) ? 'fresh' : undefined}>
                <td data-label={t('messages.time')}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => open(m.id)}
                    aria-label={t('messages.open', { id: m.id })}
                  >
                    <time dateTime={m.receivedAt}>{formatTime(m.receivedAt, lang)}</time>
                  </button>
                </td>
                <td data-label={t('messages.robot')}>{robotName(m.robotId)}</td>
                <td data-label={t('messages.kind')}>
                  <span className="tag" title={m.typeName}>
                    {t(kindLabel(m.kind))}
                  </span>
                </td>
                <td data-label={t('messages.chat')}>
                  {m.isGroup && <span className="tag">{t('messages.group')}</span>}{' '}
                  {m.chatId ? (
                    <Link href={chatSettingsHref(m.robotId, m.chatId)} title={t('chats.ofThisChat')}>
                      <Named name={m.chatName} id={m.chatId} />
                    </Link>
                  ) : (
                    <code>—</code>
                  )}
                </td>
                <td data-label={t('messages.sender')} className="message-sender">
                  <Named name={m.senderName} id={m.senderWxid} />
                  {m.isSelf && <div className="muted small">{t('messages.self')}</div>}
                  <SentByNote message={m} />
                </td>
                <td data-label={t('messages.content')} className="message-text" data-testid="message-content">
                  <MessageContent message={m} />
                </td>
                <td data-label={t('messages.plugins')} className="message-plugins">
                  <span className={`badge ${m.handled ? 'badge-ok' : 'badge-off'}`}>
                    {m.handled ? t('messages.handled') : t('messages.pending')}
                  </span>{' '}
                  <button type="button" className="button small" onClick={() => open(m.id)}>
                    {t('messages.details')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && <Pager page={page} limit={LIMIT} total={list.data.total} onPage={setPage} />}
      {openId !== null && (
        <MessageDetailDialog
          id={openId}
          robotName={robotName}
          onClose={() => {
            open(null);
            reload();
          }}
        />
      )}
    </main>
  );
}

/** The text of a text message; for any other kind its label in brackets ("[图片]") and its gist (a file name…). */
function MessageContent({ message: m }: { message: Message }) {
  const { t } = useI18n();
  if (m.text) return <>{m.text}</>;
  return (
    <>
      <span className="message-kind">[{t(kindLabel(m.kind))}]</span>
      {m.summary && <> {m.summary}</>}
    </>
  );
}

function idParam(): number | null {
  const v = searchParam('id');
  return v && /^\d+$/.test(v) ? Number(v) : null;
}
