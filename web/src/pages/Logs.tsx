import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, call, type LogEvent, type LogLevel, type Schemas } from '../api/client';
import { LoadState } from '../components/Async';
import { Pager } from '../components/Pager';
import { formatTime, localInputToIso, prettyJson, replaceSearchParam, searchParam } from '../format';
import { useI18n } from '../i18n';
import { LOG_LEVELS, useLive, useLiveEvents, useLogLevel } from '../live';
import { useSession } from '../session';

type LogLine = Schemas['LogEntryDto'] & { dropped?: number };
const KEEP = 500;
const LIMIT = 50;
const LEVEL_TONE: Record<LogLevel, string> = {
  trace: 'badge-off',
  debug: 'badge-off',
  info: 'badge-wait',
  warn: 'badge-warn',
  error: 'badge-bad',
  fatal: 'badge-bad',
};

function LevelBadge({ level }: { level: LogLevel }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${LEVEL_TONE[level]}`} data-level={level}>
      {t(`level.${level}`)}
    </span>
  );
}

/** The gist of an access line ("GET /api/robots → 404, 3 ms"), from the fields pino-http writes. */
function accessSummary(d: Record<string, unknown>): string | null {
  const req = d.req as { method?: unknown; url?: unknown } | undefined;
  const res = d.res as { statusCode?: unknown } | undefined;
  if (!req || typeof req.method !== 'string' || typeof req.url !== 'string') return null;
  const status = typeof res?.statusCode === 'number' ? ` → ${res.statusCode}` : '';
  const ms = typeof d.responseTime === 'number' ? `, ${d.responseTime} ms` : '';
  return `${req.method} ${req.url}${status}${ms}`;
}

/**
 * Whether a line is the access line of one of the console's own requests: its API calls (marked with the
 * X-OpenGewe-Client header, see api/client.ts), its live stream (an EventSource cannot send the header) and the
 * files of the console itself (anything outside /api).
 */
function consoleAccess(d: Record<string, unknown>): boolean {
  const req = d.req as { method?: unknown; url?: unknown; client?: unknown } | undefined;
  if (!req || typeof req.method !== 'string' || typeof req.url !== 'string') return false;
  return req.client === 'console' || !req.url.startsWith('/api/') || /^\/api\/events(\?|$)/.test(req.url);
}

const HIDE_CONSOLE = 'og.logs.hideConsole';

/** One log line: time, level, source, message, request id (a button that searches by it), fields on demand. */
function Line({ line, onRequest }: { line: LogLine; onRequest: (id: string) => void }) {
  const { t, lang } = useI18n();
  const hasDetails = Object.keys(line.details).length > 0;
  const access = accessSummary(line.details);
  return (
    <li className={`log-line level-${line.level}`}>
      <div className="log-head">
        <time dateTime={line.time}>{formatTime(line.time, lang)}</time> <LevelBadge level={line.level} />{' '}
        {line.source && <span className="tag">{line.source}</span>} <span className="log-message">{line.message}</span>
        {access && <code className="muted"> {access}</code>}
        {line.requestId && (
          <>
            {' '}
            <button
              type="button"
              className="link-button small"
              onClick={() => onRequest(line.requestId!)}
              aria-label={t('logs.byRequest', { id: line.requestId })}
            >
              <code>{line.requestId}</code>
            </button>
          </>
        )}
        {line.dropped ? <span className="warn small"> {t('logs.dropped', { n: line.dropped })}</span> : null}
      </div>
      {hasDetails && (
        <details>
          <summary className="small muted">{t('logs.fields')}</summary>
          <pre className="json">{prettyJson(line.details)}</pre>
        </details>
      )}
    </li>
  );
}

function LiveTail({ onRequest }: { onRequest: (id: string) => void }) {
  const { t } = useI18n();
  const { connected } = useLive();
  const [level, setLevel] = useState<LogLevel>('info');
  const [paused, setPaused] = useState(false);
  const [lines, setLines] = useState<LogEvent[]>([]);
  const [held, setHeld] = useState<LogEvent[]>([]);
  // on by default: otherwise the console's own polling and navigation fill the tail
  const [hideConsole, setHideConsole] = useState(() => localStorage.getItem(HIDE_CONSOLE) !== 'false');
  const shown = hideConsole ? lines.filter((l) => !consoleAccess(l.details)) : lines;
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useLogLevel(level);

  useLiveEvents((e) => {
    if (e.type !== 'log' || LOG_LEVELS.indexOf(e.data.level) < LOG_LEVELS.indexOf(level)) return;
    if (pausedRef.current) setHeld((h) => [e.data, ...h].slice(0, KEEP));
    else setLines((l) => [e.data, ...l].slice(0, KEEP));
  });
  const resume = () => {
    setLines((l) => [...held, ...l].slice(0, KEEP));
    setHeld([]);
    setPaused(false);
  };

  return (
    <section className="card" aria-labelledby="tail-title" data-testid="log-tail">
      <div className="section-head">
        <h2 id="tail-title">{t('logs.live')}</h2>
        <div className="toolbar">
          <label className="field inline-field">
            <span>{t('logs.level')}</span>
            <select value={level} onChange={(e) => setLevel(e.target.value as LogLevel)}>
              {LOG_LEVELS.map((l) => (
                <option key={l} value={l}>
                  {t(`level.${l}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="check inline-check small">
            <input
              type="checkbox"
              checked={hideConsole}
              onChange={(e) => {
                localStorage.setItem(HIDE_CONSOLE, String(e.target.checked));
                setHideConsole(e.target.checked);
              }}
            />
            <span>{t('logs.hideConsole')}</span>
          </label>
          <button
            type="button"
            className="button small"
            aria-pressed={paused}
            onClick={() => (paused ? resume() : setPaused(true))}
          >
            {paused ? t('logs.resume') : t('logs.pause')}
          </button>
          <button
            type="button"
            className="button small"
            onClick={() => {
              setLines([]);
              setHeld([]);
            }}
          >
            {t('logs.clear')}
          </button>
        </div>
      </div>
      <p className="muted small" role="status">
        {paused
          ? t('logs.paused', { n: held.length })
          : !connected
            ? t('logs.connecting')
            : shown.length
              ? t('logs.count', { n: shown.length })
              : t('logs.waiting')}
      </p>
      <ol className="plain log-lines" aria-label={t('logs.live')}>
        {lines.map((l, i) =>
          hideConsole && consoleAccess(l.details) ? null : (
            <Line key={`${l.time}-${lines.length - i}`} line={l} onRequest={onRequest} />
          ),
        )}
      </ol>
    </section>
  );
}

interface Search {
  requestId: string;
  level: string;
  q: string;
  since: string;
}

function LogSearch({ search, setSearch }: { search: Search; setSearch: (s: Search) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Search>(search);
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<Schemas['LogListResponseDto'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);

  useEffect(() => setDraft(search), [search]);
  const run = () => {
    const mine = ++seq.current;
    setLoading(true);
    call(
      api.GET('/api/system/logs', {
        params: {
          query: {
            page,
            limit: LIMIT,
            requestId: search.requestId.trim() || undefined,
            level: (search.level || undefined) as LogLevel | undefined,
            q: search.q.trim() || undefined,
            since: localInputToIso(search.since),
          },
        },
      }),
    ).then(
      (r) => {
        if (mine !== seq.current) return;
        setResult(r);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
  };
  const key = JSON.stringify([search, page]);
  useEffect(run, [key]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setPage(1);
    setSearch(draft);
  };
  const field = (name: keyof Search) => ({
    value: draft[name],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.target.value })),
  });

  return (
    <section className="card" aria-labelledby="search-title" data-testid="log-search">
      <h2 id="search-title">{t('logs.search')}</h2>
      <form className="filters" role="search" aria-label={t('logs.search')} onSubmit={submit}>
        <label className="field">
          <span>{t('logs.requestId')}</span>
          <input {...field('requestId')} placeholder={t('logs.requestIdHint')} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('logs.level')}</span>
          <select {...field('level')}>
            <option value="">{t('logs.anyLevel')}</option>
            {LOG_LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`level.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('logs.text')}</span>
          <input type="search" {...field('q')} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('logs.since')}</span>
          <input type="datetime-local" {...field('since')} />
        </label>
        <div className="filter-actions">
          <button type="submit" className="button primary">
            {t('logs.find')}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setPage(1);
              setSearch({ requestId: '', level: '', q: '', since: '' });
            }}
          >
            {t('logs.reset')}
          </button>
        </div>
      </form>
      <LoadState error={error} loading={loading && !result} reload={run} />
      {result && result.items.length === 0 && <p className="muted">{t('logs.empty')}</p>}
      {result && result.items.length > 0 && (
        <ol className="plain log-lines" aria-label={t('logs.search')} data-testid="log-results">
          {result.items.map((l, i) => (
            <Line
              key={`${l.time}-${i}`}
              line={l}
              onRequest={(id) => {
                setPage(1);
                setSearch({ requestId: id, level: '', q: '', since: '' });
              }}
            />
          ))}
        </ol>
      )}
      {result && <Pager page={page} limit={LIMIT} total={result.total} onPage={setPage} />}
    </section>
  );
}

/** Live tail of the log (admins: SSE `log` events at a chosen level) and search of the persisted log file. */
export function LogsPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const [search, setSearchState] = useState<Search>(() => ({
    requestId: searchParam('requestId') ?? '',
    level: '',
    q: '',
    since: '',
  }));
  const setSearch = (s: Search) => {
    setSearchState(s);
    replaceSearchParam('requestId', s.requestId.trim() || null);
  };
  // a link with ?requestId= while the page is open
  useEffect(() => {
    const on = () => {
      const id = searchParam('requestId');
      if (id) setSearchState({ requestId: id, level: '', q: '', since: '' });
    };
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);

  return (
    <main id="main" className="page" aria-labelledby="logs-title">
      <h1 id="logs-title">{t('logs.title')}</h1>
      {!user?.isAdmin ? (
        <p className="card muted">{t('logs.adminOnly')}</p>
      ) : (
        <>
          <LiveTail
            onRequest={(id) => {
              setSearch({ requestId: id, level: '', q: '', since: '' });
              document.getElementById('search-title')?.scrollIntoView({ behavior: 'smooth' });
            }}
          />
          <LogSearch search={search} setSearch={setSearch} />
        </>
      )}
    </main>
  );
}
