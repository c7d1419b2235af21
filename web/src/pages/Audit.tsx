import { useMemo, useRef, useState, type FormEvent } from 'react';
import { api, call, type Schemas } from '../api/client';
import type { operations } from '../api/schema';
import { LoadState, useLoad } from '../components/Async';
import { CopyButton } from '../components/CopyButton';
import { Dialog } from '../components/Dialog';
import { Pager } from '../components/Pager';
import { formatTime, localInputToIso, prettyJson } from '../format';
import { useI18n, type MessageKey, type Translate } from '../i18n';
import { zh as auditStrings } from '../locales/audit';
import { useSession } from '../session';
import { Named } from '../components/Named';
import { HintedField } from './ops-common';

type Entry = Schemas['AuditEntryResponseDto'];
type Query = NonNullable<operations['Audit_list']['parameters']['query']>;

const LIMIT = 50;
const FIELDS = ['actor', 'action', 'targetType', 'targetId', 'result', 'since', 'until'] as const;
type Field = (typeof FIELDS)[number];
type Filters = Record<Field, string>;
const EMPTY: Filters = { actor: '', action: '', targetType: '', targetId: '', result: '', since: '', until: '' };

const TARGET_TYPES = ['robot', 'user', 'plugin', 'message', 'job', 'file', 'token', 'setting'];
const AREAS = ['auth', 'user', 'robot', 'plugin', 'system', 'message', 'queue', 'file', 'token', 'alert'];

/**
 * The filters in the URL (`/audit?actor=token:3`), so a filtered view can be linked to and survives a reload. The
 * dates stay as the datetime-local fields hold them (the browser's local time); the API gets ISO instants.
 */
function filtersFromUrl(): { filters: Filters; page: number } {
  const q = new URLSearchParams(window.location.search);
  const filters = { ...EMPTY };
  for (const f of FIELDS) filters[f] = q.get(f) ?? '';
  return { filters, page: Math.max(1, Number(q.get('page')) || 1) };
}

function filtersToUrl(filters: Filters, page: number): void {
  const q = new URLSearchParams();
  for (const f of FIELDS) if (filters[f]) q.set(f, filters[f]);
  if (page > 1) q.set('page', String(page));
  const search = q.toString();
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
}

/** The action's name for people, when the console knows it (the code is shown beside it anyway). */
export function actionLabel(t: Translate, action: string): string | null {
  const key = `action.${action}`;
  return key in auditStrings ? t(key as MessageKey) : null;
}

export function AuditPage() {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const initial = useMemo(filtersFromUrl, []);
  const [draft, setDraft] = useState<Filters>(initial.filters);
  const [applied, setApplied] = useState<Filters>(initial.filters);
  const [page, setPage] = useState(initial.page);
  // what the loader asks for, set synchronously before each reload
  const current = useRef(initial);
  const [open, setOpen] = useState<Entry | null>(null);
  const admin = user?.isAdmin === true;

  const list = useLoad(() => {
    if (!admin) return Promise.resolve(null);
    const query: Query = { page: current.current.page, limit: LIMIT };
    for (const f of FIELDS) {
      const v = current.current.filters[f].trim();
      if (!v) continue;
      if (f === 'since' || f === 'until') query[f] = localInputToIso(v);
      else if (f === 'result') query.result = v as 'ok' | 'failed';
      else query[f] = v;
    }
    return call(api.GET('/api/admin/audit', { params: { query } }));
  });
  // token rows name the token: looked up once from the tokens list
  const tokens = useLoad(() =>
    admin ? call(api.GET('/api/admin/tokens', { params: { query: { limit: 200 } } })) : Promise.resolve(null),
  );
  const tokenNames = useMemo(
    () => new Map((tokens.data?.items ?? []).map((tok) => [tok.id, tok.name] as const)),
    [tokens.data],
  );

  const go = (filters: Filters, p: number) => {
    current.current = { filters, page: p };
    setApplied(filters);
    setPage(p);
    filtersToUrl(filters, p);
    list.reload();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go(draft, 1);
  };
  const reset = () => {
    setDraft(EMPTY);
    go(EMPTY, 1);
  };
  const byActor = (actor: string) => {
    const next = { ...applied, actor };
    setDraft(next);
    setOpen(null);
    go(next, 1);
  };
  const set = (f: Field) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [f]: e.target.value }));

  const actorOf = (r: Entry): { text: string; filter: string | null } => {
    if (r.actorTokenId !== null) {
      const name = tokenNames.get(r.actorTokenId);
      return {
        text: name ? t('audit.actor.token', { name }) : t('audit.actor.tokenUnknown', { id: r.actorTokenId }),
        filter: `token:${r.actorTokenId}`,
      };
    }
    if (r.actorUsername) return { text: r.actorUsername, filter: r.actorUsername };
    if (r.actorUserId !== null) return { text: `user:${r.actorUserId}`, filter: `user:${r.actorUserId}` };
    return { text: t('audit.actor.nobody'), filter: null };
  };

  if (!admin)
    return (
      <main id="main" className="page" aria-labelledby="audit-title">
        <h1 id="audit-title">{t('audit.title')}</h1>
        <p className="card muted">{t('audit.adminOnly')}</p>
      </main>
    );

  const items = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  return (
    <main id="main" className="page" aria-labelledby="audit-title">
      <h1 id="audit-title">{t('audit.title')}</h1>
      <p className="muted">{t('audit.intro')}</p>
      <form className="card ops-filters" aria-label={t('audit.filters')} onSubmit={submit} data-testid="audit-filters">
        <HintedField label={t('audit.actor')} hint={t('audit.actorHint')}>
          {(ids) => (
            <input
              {...ids}
              name="actor"
              type="search"
              maxLength={100}
              placeholder="admin / token:1"
              value={draft.actor}
              onChange={set('actor')}
            />
          )}
        </HintedField>
        <HintedField label={t('audit.action')} hint={t('audit.actionHint')}>
          {(ids) => (
            <>
              <input
                {...ids}
                name="action"
                type="search"
                list="audit-actions"
                pattern="[a-z_]{1,32}(\.[a-z_]{1,31})?"
                value={draft.action}
                onChange={set('action')}
              />
              <datalist id="audit-actions">
                {AREAS.map((a) => (
                  <option key={a} value={a} />
                ))}
              </datalist>
            </>
          )}
        </HintedField>
        <label className="field">
          <span>{t('audit.targetType')}</span>
          <select name="targetType" value={draft.targetType} onChange={set('targetType')}>
            <option value="">{t('audit.any')}</option>
            {TARGET_TYPES.map((tt) => (
              <option key={tt} value={tt}>
                {tt}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('audit.targetId')}</span>
          <input name="targetId" type="search" maxLength={191} value={draft.targetId} onChange={set('targetId')} />
        </label>
        <label className="field">
          <span>{t('audit.result')}</span>
          <select name="result" value={draft.result} onChange={set('result')}>
            <option value="">{t('audit.any')}</option>
            <option value="ok">{t('audit.result.ok')}</option>
            <option value="failed">{t('audit.result.failed')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('audit.since')}</span>
          <input name="since" type="datetime-local" value={draft.since} onChange={set('since')} />
        </label>
        <label className="field">
          <span>{t('audit.until')}</span>
          <input name="until" type="datetime-local" value={draft.until} onChange={set('until')} />
        </label>
        <div className="ops-filter-actions">
          <button type="submit" className="button primary">
            {t('audit.apply')}
          </button>
          <button type="button" className="button" onClick={reset}>
            {t('audit.reset')}
          </button>
        </div>
      </form>

      <LoadState {...list} loading={list.loading && !list.data} />
      {list.data && items.length === 0 && <p className="card muted">{t('audit.empty')}</p>}
      {items.length > 0 && (
        <>
          <p className="muted small" role="status" data-testid="audit-total">
            {t('audit.total', { n: total })}
          </p>
          <table className="table ops-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.time')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.target')}</th>
                <th scope="col">{t('audit.result')}</th>
                <th scope="col">{t('audit.ip')}</th>
                <th scope="col">{t('audit.details')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => {
                const actor = actorOf(r);
                const label = actionLabel(t, r.action);
                return (
                  <tr key={r.id} data-testid={`audit-${r.id}`} data-action={r.action} data-result={r.result}>
                    <td data-label={t('audit.time')}>
                      <time dateTime={r.createdAt}>{formatTime(r.createdAt, lang)}</time>
                    </td>
                    <td data-label={t('audit.actor')} data-testid="audit-actor">
                      {actor.filter ? (
                        <button
                          type="button"
                          className="link-button"
                          title={t('audit.actorFilter')}
                          onClick={() => byActor(actor.filter!)}
                        >
                          {actor.text}
                        </button>
                      ) : (
                        <span className="muted">{actor.text}</span>
                      )}
                    </td>
                    <th scope="row" data-label={t('audit.action')}>
                      {label && <span>{label} </span>}
                      <code className="muted">{r.action}</code>
                    </th>
                    <td data-label={t('audit.target')}>
                      {r.targetType ? (
                        <code>
                          {r.targetType}
                          {r.targetId !== null && `:${r.targetId}`}
                        </code>
                      ) : (
                        '—'
                      )}
                      {r.chatId && (
                        <div className="small">
                          <Named name={r.chatName} id={r.chatId} />
                        </div>
                      )}
                    </td>
                    <td data-label={t('audit.result')}>
                      <span className={`badge badge-${r.result === 'ok' ? 'ok' : 'bad'}`}>
                        {t(`audit.result.${r.result}`)}
                      </span>
                      {r.status !== null && <span className="muted small"> {r.status}</span>}
                    </td>
                    <td data-label={t('audit.ip')}>{r.ip ? <code>{r.ip}</code> : '—'}</td>
                    <td data-label={t('audit.details')}>
                      <button
                        type="button"
                        className="button small"
                        onClick={() => setOpen(r)}
                        aria-label={`${t('audit.showDetails')} #${r.id}`}
                      >
                        {t('audit.showDetails')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Pager page={page} limit={LIMIT} total={total} onPage={(p) => go(applied, p)} />
        </>
      )}
      {open && <AuditDetail entry={open} actor={actorOf(open)} onActor={byActor} onClose={() => setOpen(null)} />}
    </main>
  );
}

function AuditDetail({
  entry: r,
  actor,
  onActor,
  onClose,
}: {
  entry: Entry;
  actor: { text: string; filter: string | null };
  onActor: (actor: string) => void;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const json = r.details ? prettyJson(r.details) : null;
  const label = actionLabel(t, r.action);
  return (
    <Dialog title={t('audit.detailTitle', { id: r.id })} onClose={onClose} testId="audit-detail" wide>
      <dl className="facts">
        <div>
          <dt>{t('audit.time')}</dt>
          <dd>{formatTime(r.createdAt, lang)}</dd>
        </div>
        <div>
          <dt>{t('audit.actor')}</dt>
          <dd>
            {actor.text}
            {actor.filter && (
              <>
                {' '}
                <button type="button" className="button small ghost" onClick={() => onActor(actor.filter!)}>
                  {t('audit.actorFilter')}
                </button>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>{t('audit.action')}</dt>
          <dd>
            {label && <span>{label} </span>}
            <code>{r.action}</code>
          </dd>
        </div>
        <div>
          <dt>{t('audit.target')}</dt>
          <dd>
            <code>{r.targetType ? `${r.targetType}${r.targetId !== null ? `:${r.targetId}` : ''}` : '—'}</code>
          </dd>
        </div>
        <div>
          <dt>{t('audit.result')}</dt>
          <dd>
            <span className={`badge badge-${r.result === 'ok' ? 'ok' : 'bad'}`}>{t(`audit.result.${r.result}`)}</span>{' '}
            {r.status !== null && (
              <span className="muted small">
                {t('audit.status')} {r.status}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>{t('audit.ip')}</dt>
          <dd>
            <code>{r.ip ?? '—'}</code>
          </dd>
        </div>
        <div>
          <dt>{t('audit.requestId')}</dt>
          <dd>
            <code>{r.requestId ?? '—'}</code>
          </dd>
        </div>
      </dl>
      <h3 className="small">{t('audit.details')}</h3>
      {json ? (
        <>
          <div className="json-actions">
            <CopyButton text={json} label={t('audit.details')} />
          </div>
          <pre className="json" tabIndex={0} aria-label={t('audit.details')} data-testid="audit-details-json">
            {json}
          </pre>
        </>
      ) : (
        <p className="muted">{t('audit.noDetails')}</p>
      )}
      <div className="actions">
        <button type="button" className="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
