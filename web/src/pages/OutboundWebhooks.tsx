import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { Dialog } from '../components/Dialog';
import { FormActions } from '../components/FormActions';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { Pager } from '../components/Pager';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import { EVENT_KINDS, kindLabel } from '../kinds';
import { Link, navigate, usePath } from '../router';
import { useRobots } from '../robots';
import { useSession } from '../session';
import { SecretOnceDialog } from '../components/SecretOnce';
import { HintedField } from './ops-common';

type Hook = Schemas['OutboundWebhookResponseDto'];
type WithSecret = Schemas['OutboundWebhookSecretResponseDto'];
type Delivery = Schemas['OutboundDeliveryResponseDto'];
type Kind = NonNullable<Schemas['OutboundWebhookCreateDto']['eventKinds']>[number];

/** Loads again when `value` changes after the first render (a page of a list: useLoad reads it at load time). */
function useReloadOn(value: unknown, reload: () => void) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    reload();
  }, [value, reload]);
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function AdminOnlyNotice() {
  const { t } = useI18n();
  return (
    <main id="main" className="page" aria-labelledby="outbound-title">
      <h1 id="outbound-title">{t('outbound.title')}</h1>
      <p className="card muted">{t('outbound.adminOnly')}</p>
    </main>
  );
}

/** The list of subscriptions: create (the secret shown once), edit, activate, open. */
export function OutboundWebhooksPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const { robotName } = useRobots();
  const [page, setPage] = useState(1);
  const list = useLoad(() =>
    user?.isAdmin
      ? call(api.GET('/api/outbound-webhooks', { params: { query: { page, limit: 50 } } }))
      : Promise.resolve(null),
  );
  useReloadOn(page, list.reload);
  const [editing, setEditing] = useState<Hook | 'new' | null>(null);
  const [secret, setSecret] = useState<WithSecret | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (!user?.isAdmin) return <AdminOnlyNotice />;

  const toggle = async (h: Hook) => {
    setError(null);
    try {
      await call(
        api.PUT('/api/outbound-webhooks/{webhook_id}', {
          params: { path: { webhook_id: h.id } },
          body: { active: !h.active },
        }),
      );
      list.reload();
    } catch (err) {
      setError(errText(err));
    }
  };

  const items = list.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="outbound-title">
      <div className="page-head">
        <h1 id="outbound-title">{t('outbound.title')}</h1>
        <button type="button" className="button primary" onClick={() => setEditing('new')}>
          + {t('outbound.add')}
        </button>
      </div>
      <p className="muted">{t('outbound.intro')}</p>
      <ErrorAlert message={error} />
      <LoadState {...list} loading={list.loading && !list.data} />
      {list.data && items.length === 0 && <p className="card muted">{t('outbound.empty')}</p>}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('outbound.url')}</th>
              <th scope="col">{t('outbound.kinds')}</th>
              <th scope="col">{t('outbound.robots')}</th>
              <th scope="col">{t('outbound.state')}</th>
              <th scope="col">{t('outbound.deadLetters')}</th>
              <th scope="col">{t('outbound.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((h) => (
              <tr key={h.id} data-testid={`outbound-${h.id}`}>
                <th scope="row" data-label={t('outbound.url')}>
                  <code>{h.url}</code>
                  {h.description && <div className="muted small">{h.description}</div>}
                </th>
                <td data-label={t('outbound.kinds')}>
                  {h.eventKinds.length ? (
                    <ul className="tag-list">
                      {h.eventKinds.map((k) => (
                        <li key={k} className="tag" title={k}>
                          {t(kindLabel(k))}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">{t('outbound.kinds.all')}</span>
                  )}
                </td>
                <td data-label={t('outbound.robots')}>
                  {h.robotIds.length ? (
                    h.robotIds.map(robotName).join('、')
                  ) : (
                    <span className="muted">{t('outbound.robots.all')}</span>
                  )}
                </td>
                <td data-label={t('outbound.state')}>
                  <span className={`badge badge-${h.active ? 'ok' : 'off'}`} data-testid="outbound-state">
                    {t(h.active ? 'outbound.active' : 'outbound.inactive')}
                  </span>
                </td>
                <td data-label={t('outbound.deadLetters')} data-testid="outbound-dead">
                  {h.deadLetters}
                </td>
                <td data-label={t('outbound.actions')} className="row-actions">
                  <Link className="button small" href={`/outbound-webhooks/${h.id}`}>
                    {t('outbound.open')}
                  </Link>
                  <button type="button" className="button small ghost" onClick={() => setEditing(h)}>
                    {t('outbound.edit')}
                  </button>
                  <button type="button" className="button small ghost" onClick={() => void toggle(h)}>
                    {t(h.active ? 'outbound.deactivate' : 'outbound.activate')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && <Pager page={page} limit={50} total={list.data.total} onPage={setPage} />}
      {editing && (
        <HookDialog
          hook={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(created) => {
            setEditing(null);
            if (created) setSecret(created);
            list.reload();
          }}
        />
      )}
      {secret && <SecretDialog hook={secret} onClose={() => setSecret(null)} />}
    </main>
  );
}

/** Create or edit a subscription. */
function HookDialog({
  hook,
  onClose,
  onSaved,
}: {
  hook: Hook | null;
  onClose: () => void;
  onSaved: (created: WithSecret | null) => void;
}) {
  const { t } = useI18n();
  const robots = useRobots();
  const [url, setUrl] = useState(hook?.url ?? '');
  const [description, setDescription] = useState(hook?.description ?? '');
  const [kinds, setKinds] = useState<Kind[]>((hook?.eventKinds ?? []) as Kind[]);
  const [robotIds, setRobotIds] = useState<number[]>(hook?.robotIds ?? []);
  const [chats, setChats] = useState((hook?.chatIds ?? []).join('\n'));
  const [active, setActive] = useState(hook?.active ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      url: url.trim(),
      description,
      eventKinds: kinds,
      robotIds,
      chatIds: chats
        .split(/\s+/)
        .map((c) => c.trim())
        .filter(Boolean),
      active,
    };
    try {
      if (hook) {
        await call(api.PUT('/api/outbound-webhooks/{webhook_id}', { params: { path: { webhook_id: hook.id } }, body }));
        onSaved(null);
      } else onSaved(await call(api.POST('/api/outbound-webhooks', { body })));
    } catch (err) {
      setError(errText(err));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={hook ? t('outbound.form.editTitle', { id: hook.id }) : t('outbound.form.createTitle')}
      onClose={onClose}
      testId="outbound-form"
      wide
    >
      <form onSubmit={(e) => void submit(e)} className="form">
        <HintedField label={t('outbound.url')} hint={t('outbound.form.urlHint')}>
          {(ids) => (
            <input
              {...ids}
              name="url"
              type="url"
              required
              maxLength={2000}
              autoComplete="off"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </HintedField>
        <label className="field">
          <span>{t('outbound.description')}</span>
          <input
            name="description"
            maxLength={500}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </label>
        <fieldset className="fieldset">
          <legend>
            {t('outbound.kinds')} <span className="muted small">— {t('outbound.form.kindsHint')}</span>
          </legend>
          <div className="check-row">
            {(EVENT_KINDS as Kind[]).map((k) => (
              <label key={k} className="check">
                <input
                  type="checkbox"
                  name="eventKinds"
                  value={k}
                  checked={kinds.includes(k)}
                  onChange={(e) => setKinds((cur) => (e.target.checked ? [...cur, k] : cur.filter((x) => x !== k)))}
                />
                <span>{t(kindLabel(k))}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset className="fieldset">
          <legend>
            {t('outbound.robots')} <span className="muted small">— {t('outbound.form.robotsHint')}</span>
          </legend>
          <div className="check-row">
            {robots.data?.items.map((r) => (
              <label key={r.id} className="check">
                <input
                  type="checkbox"
                  name="robotIds"
                  value={r.id}
                  checked={robotIds.includes(r.id)}
                  onChange={(e) =>
                    setRobotIds((cur) => (e.target.checked ? [...cur, r.id] : cur.filter((x) => x !== r.id)))
                  }
                />
                <span>
                  {r.name} <span className="muted small">#{r.id}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <HintedField label={t('outbound.chats')} hint={t('outbound.form.chatsHint')}>
          {(ids) => (
            <textarea {...ids} name="chatIds" rows={3} value={chats} onChange={(e) => setChats(e.target.value)} />
          )}
        </HintedField>
        <label className="check">
          <input type="checkbox" name="active" checked={active} onChange={(e) => setActive(e.target.checked)} />
          <span>{t('outbound.form.active')}</span>
        </label>
        <ErrorAlert message={error} />
        <FormActions onCancel={onClose} busy={busy}>
          {busy ? t('outbound.form.busy') : t('outbound.form.submit')}
        </FormActions>
      </form>
    </Dialog>
  );
}

/** The secret of a new or rotated subscription, shown this once. */
function SecretDialog({ hook, onClose }: { hook: WithSecret; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <SecretOnceDialog
      secret={hook.secret}
      testId="outbound-secret"
      onClose={onClose}
      texts={{
        title: t('outbound.secret.title', { id: hook.id }),
        warning: t('outbound.secret.warning'),
        label: t('outbound.secret.label'),
        usage: t('outbound.secret.usage'),
        done: t('outbound.secret.done'),
      }}
    />
  );
}

/** One subscription: test, rotate, delete, its delivery log and its dead letters with replay. */
export function OutboundWebhookDetailPage() {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const id = Number(usePath().split('/').pop());
  const [logPage, setLogPage] = useState(1);
  const hook = useLoad(() =>
    user?.isAdmin
      ? call(api.GET('/api/outbound-webhooks/{webhook_id}', { params: { path: { webhook_id: id } } }))
      : Promise.resolve(null),
  );
  const log = useLoad(() =>
    user?.isAdmin
      ? call(
          api.GET('/api/outbound-webhooks/{webhook_id}/attempts', {
            params: { path: { webhook_id: id }, query: { page: logPage, limit: 20 } },
          }),
        )
      : Promise.resolve(null),
  );
  const dead = useLoad(() =>
    user?.isAdmin
      ? call(
          api.GET('/api/outbound-webhooks/{webhook_id}/deliveries', {
            params: { path: { webhook_id: id }, query: { status: 'dead', limit: 50 } },
          }),
        )
      : Promise.resolve(null),
  );
  useReloadOn(logPage, log.reload);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'rotate' | 'delete' | null>(null);
  const [secret, setSecret] = useState<WithSecret | null>(null);

  if (!user?.isAdmin) return <AdminOnlyNotice />;

  const reloadAll = () => {
    hook.reload();
    log.reload();
    dead.reload();
  };
  const act = async (run: () => Promise<string | null>) => {
    setError(null);
    setNotice(null);
    try {
      setNotice(await run());
      reloadAll();
    } catch (err) {
      setError(errText(err));
    }
  };
  const path = { webhook_id: id };
  const test = () =>
    act(async () => {
      const r = await call(api.POST('/api/outbound-webhooks/{webhook_id}/test', { params: { path } }));
      return t('outbound.test.sent', { id: r.deliveryId });
    });
  const replay = (d: Delivery) =>
    act(async () => {
      await call(
        api.POST('/api/outbound-webhooks/{webhook_id}/deliveries/{delivery_id}/replay', {
          params: { path: { webhook_id: id, delivery_id: d.id } },
        }),
      );
      return t('outbound.dead.replayed', { n: 1 });
    });
  const replayAll = () =>
    act(async () => {
      const r = await call(api.POST('/api/outbound-webhooks/{webhook_id}/deliveries/replay', { params: { path } }));
      return t('outbound.dead.replayed', { n: r.replayed });
    });
  const rotate = () =>
    act(async () => {
      setConfirm(null);
      setSecret(await call(api.POST('/api/outbound-webhooks/{webhook_id}/rotate-secret', { params: { path } })));
      return null;
    });
  const remove = async () => {
    setConfirm(null);
    try {
      await call(api.DELETE('/api/outbound-webhooks/{webhook_id}', { params: { path } }));
      navigate('/outbound-webhooks');
    } catch (err) {
      setError(errText(err));
    }
  };

  const h = hook.data;
  const deadItems = dead.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="outbound-title">
      <p>
        <Link href="/outbound-webhooks">‹ {t('outbound.back')}</Link>
      </p>
      <div className="page-head">
        <h1 id="outbound-title">
          {t('outbound.title')} #{id}
        </h1>
        <div className="row-actions">
          <button type="button" className="button" onClick={reloadAll}>
            {t('outbound.refresh')}
          </button>
          <button type="button" className="button primary" onClick={() => void test()} disabled={!h?.active}>
            {t('outbound.test')}
          </button>
          <button type="button" className="button" onClick={() => setConfirm('rotate')}>
            {t('outbound.rotate')}
          </button>
          <button type="button" className="button danger" onClick={() => setConfirm('delete')}>
            {t('outbound.delete')}
          </button>
        </div>
      </div>
      <LoadState {...hook} loading={hook.loading && !hook.data} />
      <OkNotice message={notice} />
      <ErrorAlert message={error} />
      {h && (
        <dl className="card kv">
          <dt>{t('outbound.url')}</dt>
          <dd>
            <code>{h.url}</code>
          </dd>
          {h.description && (
            <>
              <dt>{t('outbound.description')}</dt>
              <dd>{h.description}</dd>
            </>
          )}
          <dt>{t('outbound.state')}</dt>
          <dd>
            <span className={`badge badge-${h.active ? 'ok' : 'off'}`}>
              {t(h.active ? 'outbound.active' : 'outbound.inactive')}
            </span>
          </dd>
          <dt>{t('outbound.kinds')}</dt>
          <dd>{h.eventKinds.length ? h.eventKinds.map((k) => t(kindLabel(k))).join('、') : t('outbound.kinds.all')}</dd>
          <dt>{t('outbound.chats')}</dt>
          <dd>{h.chatIds.length ? h.chatIds.join('、') : t('outbound.chats.all')}</dd>
          <dt>{t('outbound.secretHint')}</dt>
          <dd>
            <code>{h.secretHint}…</code>
          </dd>
        </dl>
      )}

      <section aria-labelledby="outbound-dead-title" data-testid="outbound-dead-letters">
        <div className="page-head">
          <h2 id="outbound-dead-title">
            {t('outbound.dead')} ({dead.data?.total ?? 0})
          </h2>
          {deadItems.length > 0 && (
            <button type="button" className="button" onClick={() => void replayAll()}>
              {t('outbound.dead.replayAll')}
            </button>
          )}
        </div>
        <p className="muted small">{t('outbound.dead.intro')}</p>
        {dead.data && deadItems.length === 0 && <p className="card muted">{t('outbound.dead.empty')}</p>}
        {deadItems.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('outbound.log.event')}</th>
                <th scope="col">{t('outbound.dead.created')}</th>
                <th scope="col">{t('outbound.dead.attempts')}</th>
                <th scope="col">{t('outbound.dead.lastError')}</th>
                <th scope="col">{t('outbound.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {deadItems.map((d) => (
                <tr key={d.id} data-testid={`dead-${d.id}`}>
                  <td data-label={t('outbound.log.event')}>
                    <code>{d.eventType}</code>
                    <div className="muted small">
                      <code>{d.eventId}</code>
                    </div>
                  </td>
                  <td data-label={t('outbound.dead.created')}>{formatTime(d.createdAt, lang)}</td>
                  <td data-label={t('outbound.dead.attempts')}>{d.attempts}</td>
                  <td data-label={t('outbound.dead.lastError')}>
                    <code>{d.lastError ?? '—'}</code>
                  </td>
                  <td data-label={t('outbound.actions')}>
                    <button type="button" className="button small" onClick={() => void replay(d)}>
                      {t('outbound.dead.replay')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="outbound-log-title" data-testid="outbound-log">
        <h2 id="outbound-log-title">{t('outbound.log')}</h2>
        <LoadState {...log} loading={log.loading && !log.data} />
        {log.data && log.data.items.length === 0 && <p className="card muted">{t('outbound.log.empty')}</p>}
        {log.data && log.data.items.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('outbound.log.time')}</th>
                <th scope="col">{t('outbound.log.event')}</th>
                <th scope="col">{t('outbound.log.attempt')}</th>
                <th scope="col">{t('outbound.log.status')}</th>
                <th scope="col">{t('outbound.log.latency')}</th>
                <th scope="col">{t('outbound.log.error')}</th>
                <th scope="col">{t('outbound.log.response')}</th>
              </tr>
            </thead>
            <tbody>
              {log.data.items.map((a) => (
                <tr key={a.id} data-testid="outbound-attempt" data-error={a.errorCode ?? ''}>
                  <td data-label={t('outbound.log.time')}>{formatTime(a.at, lang)}</td>
                  <td data-label={t('outbound.log.event')}>
                    <code>{a.eventType}</code>
                  </td>
                  <td data-label={t('outbound.log.attempt')}>{a.attempt}</td>
                  <td data-label={t('outbound.log.status')}>{a.statusCode ?? '—'}</td>
                  <td data-label={t('outbound.log.latency')}>{t('outbound.log.latencyMs', { ms: a.latencyMs })}</td>
                  <td data-label={t('outbound.log.error')}>
                    {a.errorCode ? (
                      <code>{a.errorCode}</code>
                    ) : (
                      <span className="badge badge-ok">{t('outbound.log.ok')}</span>
                    )}
                  </td>
                  <td data-label={t('outbound.log.response')}>
                    {a.response ? <code className="small">{a.response}</code> : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {log.data && <Pager page={logPage} limit={20} total={log.data.total} onPage={setLogPage} />}
      </section>

      {confirm && (
        <Dialog
          title={t(confirm === 'rotate' ? 'outbound.rotate.title' : 'outbound.delete.title', { id })}
          onClose={() => setConfirm(null)}
          testId={`outbound-confirm-${confirm}`}
        >
          <p>{t(confirm === 'rotate' ? 'outbound.rotate.body' : 'outbound.delete.body')}</p>
          <div className="actions">
            <button type="button" className="button" onClick={() => setConfirm(null)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className="button primary danger-fill"
              onClick={() => void (confirm === 'rotate' ? rotate() : remove())}
            >
              {t(confirm === 'rotate' ? 'outbound.rotate.confirm' : 'outbound.delete.confirm')}
            </button>
          </div>
        </Dialog>
      )}
      {secret && <SecretDialog hook={secret} onClose={() => setSecret(null)} />}
    </main>
  );
}
