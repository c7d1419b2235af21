import { useEffect, useState, type FormEvent } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { Dialog } from '../components/Dialog';
import { FormActions } from '../components/FormActions';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { Pager } from '../components/Pager';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import { Link, usePath } from '../router';

type FriendRequest = Schemas['FriendRequestResponseDto'];
type Status = FriendRequest['status'];

const STATUSES: (Status | 'all')[] = ['pending', 'accepted', 'ignored', 'all'];
const LIMIT = 20;

export const friendRequestsHref = (robotId: number) => `/friend-requests/${robotId}`;

/** /friend-requests/<robot id>: the robot's friend requests by status, newest first; accept (with a greeting) or ignore. */
export function FriendRequestsPage() {
  const { t } = useI18n();
  const robotId = Number(usePath().split('/')[2]);
  const robot = useLoad(() => call(api.GET('/api/robots/{robot_id}', { params: { path: { robot_id: robotId } } })));
  const [status, setStatus] = useState<Status | 'all'>('pending');
  const [page, setPage] = useState(1);
  const [accepting, setAccepting] = useState<FriendRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/friend-requests', {
        params: {
          path: { robot_id: robotId },
          query: { status: status === 'all' ? undefined : status, page, limit: LIMIT },
        },
      }),
    ),
  );
  const { reload } = list;
  useEffect(reload, [status, page, reload]);

  const nameOf = (r: FriendRequest) => r.nickname ?? r.wxid;
  const ignore = async (r: FriendRequest) => {
    setError(null);
    setNotice(null);
    try {
      await call(
        api.POST('/api/robots/{robot_id}/friend-requests/{request_id}/ignore', {
          params: { path: { robot_id: robotId, request_id: r.id } },
        }),
      );
      setNotice(t('relations.ignored', { name: nameOf(r) }));
      reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <main id="main" className="page" aria-labelledby="requests-title">
      <p>
        <Link href={`/robots/${robotId}`}>{t('relations.backToRobot')}</Link>
      </p>
      <h1 id="requests-title">
        {t('relations.requestsTitle')}
        {robot.data && <span className="muted"> · {robot.data.name}</span>}
      </h1>
      <p className="muted small">{t('relations.requestsHint')}</p>
      <section className="card" aria-labelledby="requests-title">
        <div className="page-head">
          <div className="tabs" role="tablist" aria-label={t('relations.statusFilter')}>
            {STATUSES.map((s) => (
              <button
                key={s}
                type="button"
                role="tab"
                aria-selected={s === status}
                className={`tab${s === status ? ' active' : ''}`}
                data-testid={`requests-tab-${s}`}
                onClick={() => {
                  setStatus(s);
                  setPage(1);
                }}
              >
                {t(`relations.status.${s}`)}
              </button>
            ))}
          </div>
          <button type="button" className="button small" onClick={reload}>
            {t('relations.refresh')}
          </button>
        </div>
        <OkNotice message={notice} />
        <ErrorAlert message={error} />
        <LoadState {...list} loading={list.loading && !list.data} />
        {list.data && list.data.items.length === 0 && <p className="muted">{t('relations.noRequests')}</p>}
        {list.data && list.data.items.length > 0 && (
          <table className="table" data-testid="requests-table">
            <thead>
              <tr>
                <th scope="col">{t('relations.who')}</th>
                <th scope="col">{t('relations.message')}</th>
                <th scope="col">{t('relations.when')}</th>
                <th scope="col">{t('relations.state')}</th>
                <th scope="col">{t('relations.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((r) => (
                <RequestRow
                  key={r.id}
                  request={r}
                  onAccept={() => {
                    setNotice(null);
                    setError(null);
                    setAccepting(r);
                  }}
                  onIgnore={() => void ignore(r)}
                />
              ))}
            </tbody>
          </table>
        )}
        {list.data && <Pager page={list.data.page} limit={list.data.limit} total={list.data.total} onPage={setPage} />}
      </section>
      {accepting && (
        <AcceptDialog
          robotId={robotId}
          request={accepting}
          onClose={() => setAccepting(null)}
          onDone={(text) => {
            setAccepting(null);
            setNotice(text);
            reload();
          }}
        />
      )}
    </main>
  );
}

function RequestRow({
  request: r,
  onAccept,
  onIgnore,
}: {
  request: FriendRequest;
  onAccept: () => void;
  onIgnore: () => void;
}) {
  const { t, lang } = useI18n();
  const by =
    r.handledBy === 'wechat'
      ? t('relations.byWechat')
      : r.handledBy?.startsWith('plugin:')
        ? t('relations.byPlugin', { name: r.handledBy.slice('plugin:'.length) })
        : r.handledBy
          ? t('relations.handledBy', { who: r.handledBy })
          : null;
  return (
    <tr data-testid={`request-${r.wxid}`}>
      <th scope="row" data-label={t('relations.who')}>
        <span className="request-who">
          {r.avatar && <img src={r.avatar} alt="" width={32} height={32} loading="lazy" referrerPolicy="no-referrer" />}
          <span>
            {r.nickname ?? r.wxid}
            <div>
              <code className="small">{r.wxid}</code>
            </div>
          </span>
        </span>
      </th>
      <td data-label={t('relations.message')}>{r.content}</td>
      <td data-label={t('relations.when')}>{formatTime(r.receivedAt, lang)}</td>
      <td data-label={t('relations.state')}>
        <span
          className={`badge badge-${r.status === 'accepted' ? 'ok' : r.status === 'pending' ? 'warn' : 'off'}`}
          data-testid="request-status"
        >
          {t(`relations.status.${r.status}`)}
        </span>
        {by && <div className="muted small">{by}</div>}
      </td>
      <td data-label={t('relations.actions')}>
        {r.status === 'pending' && (
          <span className="actions">
            <button type="button" className="button small primary" onClick={onAccept} data-testid="request-accept">
              {t('relations.accept')}
            </button>
            <button type="button" className="button small" onClick={onIgnore} data-testid="request-ignore">
              {t('relations.ignore')}
            </button>
          </span>
        )}
      </td>
    </tr>
  );
}

function AcceptDialog({
  robotId,
  request: r,
  onClose,
  onDone,
}: {
  robotId: number;
  request: FriendRequest;
  onClose: () => void;
  onDone: (notice: string) => void;
}) {
  const { t } = useI18n();
  const [greeting, setGreeting] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = r.nickname ?? r.wxid;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await call(
        api.POST('/api/robots/{robot_id}/friend-requests/{request_id}/accept', {
          params: { path: { robot_id: robotId, request_id: r.id } },
          body: greeting.trim() ? { greeting: greeting.trim() } : {},
        }),
      );
      if (res.greeting === 'failed')
        onDone(
          t('relations.greetingFailed', { reason: t(`code.${res.greetingError ?? 'unknown'}` as 'code.unknown') }),
        );
      else onDone(t(res.greeting === 'sent' ? 'relations.acceptedGreeted' : 'relations.accepted', { name }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('relations.acceptTitle', { name })} onClose={onClose} testId="accept-dialog">
      <form onSubmit={(e) => void submit(e)}>
        <p className="muted">{r.content}</p>
        <label className="field">
          <span>{t('relations.greeting')}</span>
          <textarea
            value={greeting}
            maxLength={2000}
            rows={3}
            data-testid="accept-greeting"
            onChange={(e) => setGreeting(e.target.value)}
          />
          <small className="muted">{t('relations.greetingHint')}</small>
        </label>
        <ErrorAlert message={error} />
        <FormActions onCancel={onClose} busy={busy}>
          {t('relations.acceptConfirm')}
        </FormActions>
      </form>
    </Dialog>
  );
}
