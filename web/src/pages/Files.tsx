import { useEffect, useRef } from 'react';
import { api, call } from '../api/client';
import type { paths } from '../api/schema';
import { LoadState, useLoad } from '../components/Async';
import { FilterActions, RobotFilter, useDraftFilters, useReloadOnChange } from '../components/Filters';
import { Pager } from '../components/Pager';
import { DownloadButton, formatSize, StoredImage } from '../components/StoredFile';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import { kindLabel } from '../kinds';
import { useLiveEvents } from '../live';
import { Link } from '../router';
import { FileStatusBadge, fileName } from './MessageDetail';
import { Named } from '../components/Named';
import { useRobots } from '../robots';

type Query = NonNullable<paths['/api/files']['get']['parameters']['query']>;
type MediaKind = NonNullable<Query['kind']>;
type FileStatus = NonNullable<Query['status']>;
const MEDIA_KINDS: MediaKind[] = ['image', 'voice', 'video', 'file', 'emoji'];
const STATUSES: FileStatus[] = ['pending', 'downloading', 'done', 'failed'];
const LIMIT = 24;

interface Filters {
  robotId: string;
  kind: string;
  chatId: string;
  name: string;
  status: string;
}
const NO_FILTERS: Filters = { robotId: '', kind: '', chatId: '', name: '', status: '' };

function toQuery(f: Filters, page: number): Query {
  return {
    page,
    limit: LIMIT,
    robotId: f.robotId ? Number(f.robotId) : undefined,
    kind: (f.kind || undefined) as MediaKind | undefined,
    chatId: f.chatId.trim() || undefined,
    name: f.name.trim() || undefined,
    status: (f.status || undefined) as FileStatus | undefined,
  };
}

/** Media of the messages: filter, preview images, download (the bytes are fetched with the token). */
export function FilesPage() {
  const { t, tc, lang } = useI18n();
  const { filters, page, setPage, apply, reset, field } = useDraftFilters(NO_FILTERS);
  const query = toQuery(filters, page);
  const queryRef = useRef(query);
  queryRef.current = query;
  const list = useLoad(() => call(api.GET('/api/files', { params: { query: queryRef.current } })));
  const robots = useRobots();
  const { robotName } = robots;

  const key = JSON.stringify(query);
  const { reload } = list;
  useReloadOnChange(key, reload);

  // A new media message on the first page: its file row appears (then settles: pending → done)
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const items = list.data?.items ?? [];
  const unsettled = items.some((f) => f.status === 'pending' || f.status === 'downloading');
  useLiveEvents((e) => {
    if (e.type === 'resync' || (e.type === 'message' && queryRef.current.page === 1 && isMedia(e.data.kind))) {
      clearTimeout(pending.current);
      pending.current = setTimeout(reload, 800);
    }
  });
  useEffect(() => {
    if (!unsettled) return;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [unsettled, reload]);
  useEffect(() => () => clearTimeout(pending.current), []);

  return (
    <main id="main" className="page" aria-labelledby="files-title">
      <div className="page-head">
        <h1 id="files-title">{t('files.title')}</h1>
      </div>
      <form className="card filters" role="search" aria-label={t('files.filters')} onSubmit={apply}>
        <RobotFilter robots={robots.data?.items} {...field('robotId')} />
        <label className="field">
          <span>{t('files.kind')}</span>
          <select {...field('kind')}>
            <option value="">{t('files.anyKind')}</option>
            {MEDIA_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(kindLabel(k))}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('files.status')}</span>
          <select {...field('status')}>
            <option value="">{t('files.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`fileStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('messages.chat')}</span>
          <input {...field('chatId')} placeholder={t('messages.chatHint')} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('files.name')}</span>
          <input type="search" {...field('name')} autoComplete="off" />
        </label>
        <FilterActions onReset={reset} />
      </form>

      <LoadState {...list} loading={list.loading && !list.data} />
      {list.data && items.length === 0 && <p className="card muted">{t('files.empty')}</p>}
      {items.length > 0 && (
        <ul className="file-grid" data-testid="file-list">
          {items.map((f) => {
            const name = fileName(f);
            const image = f.status === 'done' && f.filename && f.contentType?.startsWith('image/');
            return (
              <li key={f.id} className="card file-card" data-testid={`file-${f.id}`}>
                <div className="file-preview">
                  {image && f.filename ? (
                    <StoredImage filename={f.filename} alt={t('files.preview', { name })} />
                  ) : (
                    <span className="file-icon" aria-hidden="true">
                      {t(kindLabel(f.kind))}
                    </span>
                  )}
                </div>
                <div className="file-meta">
                  <strong className="file-name" title={name}>
                    {name}
                  </strong>
                  <div>
                    <span className="tag">{t(kindLabel(f.kind))}</span> <FileStatusBadge status={f.status} />
                  </div>
                  <div className="muted small">
                    {formatSize(f.size)} · <time dateTime={f.createdAt}>{formatTime(f.createdAt, lang)}</time>
                  </div>
                  <div className="muted small">
                    {robotName(f.robotId)} · <Named name={f.chatName} id={f.chatId} />
                    {f.senderWxid && f.senderWxid !== f.chatId && (
                      <>
                        {' '}
                        · <Named name={f.senderName} id={f.senderWxid} />
                      </>
                    )}
                  </div>
                  {f.error && (
                    <div className="bad small file-error" title={f.error}>
                      {tc(f.errorCode, f.errorParams)}
                      {f.errorCode === 'DOWNLOAD_FAILED' && (
                        // what Gewe or the download host answered: data, shown as it came
                        <code className="file-error-detail" translate="no" data-testid="file-error-detail">
                          {f.error}
                        </code>
                      )}
                    </div>
                  )}
                  <div className="file-actions">
                    {f.status === 'done' && f.filename && <DownloadButton filename={f.filename} name={name} />}
                    <Link href={`/messages?id=${f.messageId}`} className="small">
                      {t('files.openMessage', { id: f.messageId })}
                    </Link>
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {list.data && <Pager page={page} limit={LIMIT} total={list.data.total} onPage={setPage} />}
    </main>
  );
}

function isMedia(kind: string): boolean {
  return (MEDIA_KINDS as string[]).includes(kind) || kind === 'file_notice';
}
