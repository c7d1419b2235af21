import { useState, type FormEvent } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { Dialog } from '../components/Dialog';
import { FormActions } from '../components/FormActions';
import { ErrorAlert } from '../components/Notice';
import { formatTime, localInputToIso } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { useRobots } from '../robots';
import { useSession } from '../session';
import { SecretOnceDialog } from '../components/SecretOnce';
import { HintedField } from './ops-common';

type Token = Schemas['ApiTokenResponseDto'];
type Created = Schemas['ApiTokenCreatedResponseDto'];
export type TokenScope = Schemas['ApiTokenCreateDto']['scopes'][number];

/**
 * Every scope the API accepts, in the order shown. `satisfies` makes a scope added to (or dropped from) the
 * service's enum a build error here, so the checkboxes always match the OpenAPI document.
 */
const SCOPE_SET = {
  'messages:send': true,
  'messages:read': true,
  'robots:read': true,
  'robots:write': true,
  'plugins:read': true,
  'plugins:write': true,
  'files:read': true,
  onebot: true,
} as const satisfies Record<TokenScope, true>;
export const SCOPES = Object.keys(SCOPE_SET) as TokenScope[];

const STATE_TONE: Record<Token['state'], string> = { active: 'ok', expired: 'off', revoked: 'bad' };
const EXPIRY_DAYS = [30, 90, 365];

export function TokensPage() {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const list = useLoad(() =>
    user?.isAdmin ? call(api.GET('/api/admin/tokens', { params: { query: { limit: 200 } } })) : Promise.resolve(null),
  );
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const { robotName } = useRobots();

  if (!user?.isAdmin)
    return (
      <main id="main" className="page" aria-labelledby="tokens-title">
        <h1 id="tokens-title">{t('tokens.title')}</h1>
        <p className="card muted">{t('tokens.adminOnly')}</p>
      </main>
    );

  const items = list.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="tokens-title">
      <div className="page-head">
        <h1 id="tokens-title">{t('tokens.title')}</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          + {t('tokens.add')}
        </button>
      </div>
      <p className="muted">{t('tokens.intro')}</p>
      <LoadState {...list} loading={list.loading && !list.data} />
      {list.data && items.length === 0 && <p className="card muted">{t('tokens.empty')}</p>}
      {items.length > 0 && (
        <table className="table tokens">
          <thead>
            <tr>
              <th scope="col">{t('tokens.name')}</th>
              <th scope="col">{t('tokens.scopes')}</th>
              <th scope="col">{t('tokens.robots')}</th>
              <th scope="col">{t('tokens.state')}</th>
              <th scope="col">{t('tokens.expires')}</th>
              <th scope="col">{t('tokens.created')}</th>
              <th scope="col">{t('tokens.lastUsed')}</th>
              <th scope="col">{t('tokens.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((tok) => (
              <tr key={tok.id} data-testid={`token-${tok.id}`} data-state={tok.state}>
                <th scope="row" data-label={t('tokens.name')}>
                  {tok.name}
                  <div className="muted small">
                    <span className="visually-hidden">{t('tokens.prefix')}: </span>
                    <code>{tok.prefix}…</code>
                  </div>
                </th>
                <td data-label={t('tokens.scopes')}>
                  <ul className="tag-list" aria-label={t('tokens.scopes')}>
                    {tok.scopes.map((s) => (
                      <li key={s} className="tag" title={t(`scope.${s as TokenScope}`)}>
                        {s}
                      </li>
                    ))}
                  </ul>
                </td>
                <td data-label={t('tokens.robots')} data-testid="token-robots">
                  {tok.robotIds ? (
                    <ul className="tag-list" aria-label={t('tokens.robots')}>
                      {tok.robotIds.map((id) => (
                        <li key={id} className="tag">
                          {robotName(id)}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">{t('tokens.robots.all')}</span>
                  )}
                </td>
                <td data-label={t('tokens.state')}>
                  <span className={`badge badge-${STATE_TONE[tok.state]}`} data-testid="token-state">
                    {t(`tokens.state.${tok.state}`)}
                  </span>
                  {tok.revokedAt && (
                    <div className="muted small">
                      {t('tokens.revokedAt', { time: formatTime(tok.revokedAt, lang) })}
                    </div>
                  )}
                </td>
                <td data-label={t('tokens.expires')}>
                  {tok.expiresAt ? (
                    <time dateTime={tok.expiresAt}>{formatTime(tok.expiresAt, lang)}</time>
                  ) : (
                    <span className="muted">{t('tokens.never')}</span>
                  )}
                </td>
                <td data-label={t('tokens.created')}>
                  <time dateTime={tok.createdAt}>{formatTime(tok.createdAt, lang)}</time>
                  {tok.createdBy && <div className="muted small">{t('tokens.createdBy', { name: tok.createdBy })}</div>}
                </td>
                <td data-label={t('tokens.lastUsed')} data-testid="token-last-used">
                  {tok.lastUsedAt ? (
                    <>
                      <time dateTime={tok.lastUsedAt}>{formatTime(tok.lastUsedAt, lang)}</time>
                      {tok.lastUsedIp && (
                        <div className="muted small">
                          <code>{tok.lastUsedIp}</code>
                        </div>
                      )}
                    </>
                  ) : (
                    <span className="muted">{t('tokens.neverUsed')}</span>
                  )}
                </td>
                <td data-label={t('tokens.actions')} className="row-actions">
                  {tok.state === 'active' && (
                    <button
                      type="button"
                      className="button small danger"
                      onClick={() => setRevoking(tok)}
                      aria-label={`${t('tokens.revoke')} ${tok.name}`}
                    >
                      {t('tokens.revoke')}
                    </button>
                  )}
                  <Link className="button small ghost" href={`/audit?actor=token:${tok.id}`}>
                    {t('tokens.auditLink')}
                    <span className="visually-hidden"> {tok.name}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <CreateTokenDialog
          onClose={() => {
            setCreating(false);
            list.reload();
          }}
          onCreated={list.reload}
        />
      )}
      {revoking && (
        <RevokeTokenDialog
          token={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={() => {
            setRevoking(null);
            list.reload();
          }}
        />
      )}
    </main>
  );
}

/** The form, then (in the same dialog) the secret, shown this once. */
function CreateTokenDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>([]);
  /** null: every robot (the default); else the robots the token is limited to. */
  const [robotIds, setRobotIds] = useState<number[] | null>(null);
  const robots = useRobots();
  const [expiry, setExpiry] = useState('never');
  const [until, setUntil] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);

  const toggle = (s: TokenScope, on: boolean) =>
    setScopes((cur) => (on ? SCOPES.filter((x) => x === s || cur.includes(x)) : cur.filter((x) => x !== s)));

  const toggleRobot = (id: number, on: boolean) => {
    setError(null);
    setRobotIds((cur) => {
      const now = cur ?? [];
      return on ? [...now.filter((x) => x !== id), id].sort((a, b) => a - b) : now.filter((x) => x !== id);
    });
  };

  const expiresAt = (): string | null => {
    if (expiry === 'never') return null;
    if (expiry === 'custom') return localInputToIso(until) ?? null;
    return new Date(Date.now() + Number(expiry) * 86_400_000).toISOString();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (scopes.length === 0) {
      setError(t('tokens.create.noScope'));
      return;
    }
    if (robotIds !== null && robotIds.length === 0) {
      setError(t('tokens.create.noRobot'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await call(
        api.POST('/api/admin/tokens', { body: { name: name.trim(), scopes, expiresAt: expiresAt(), robotIds } }),
      );
      setCreated(res);
      onCreated();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (created)
    return (
      <SecretOnceDialog
        secret={created.token}
        testId="token-secret"
        onClose={onClose}
        texts={{
          title: t('tokens.secret.title', { name: created.name }),
          warning: t('tokens.secret.warning'),
          label: t('tokens.secret.label'),
          usage: t('tokens.secret.usage'),
          done: t('tokens.secret.done'),
        }}
      />
    );

  return (
    <Dialog title={t('tokens.create.title')} onClose={onClose} testId="create-token">
      <form onSubmit={(e) => void submit(e)} className="form">
        <HintedField label={t('tokens.create.name')} hint={t('tokens.create.nameHint')}>
          {(ids) => (
            <input
              {...ids}
              name="name"
              required
              maxLength={100}
              autoComplete="off"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </HintedField>
        <fieldset className="fieldset">
          <legend>{t('tokens.create.scopes')}</legend>
          {SCOPES.map((s) => (
            <label className="check" key={s}>
              <input
                type="checkbox"
                name="scopes"
                value={s}
                checked={scopes.includes(s)}
                onChange={(e) => toggle(s, e.target.checked)}
              />
              <span>
                <code>{s}</code>
                <span className="muted small"> — {t(`scope.${s}`)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <fieldset className="fieldset">
          <legend>{t('tokens.create.robots')}</legend>
          <label className="check">
            <input type="radio" name="robotMode" checked={robotIds === null} onChange={() => setRobotIds(null)} />
            <span>{t('tokens.create.robots.all')}</span>
          </label>
          <label className="check">
            <input type="radio" name="robotMode" checked={robotIds !== null} onChange={() => setRobotIds([])} />
            <span>
              {t('tokens.create.robots.chosen')}
              <span className="muted small"> — {t('tokens.create.robots.hint')}</span>
            </span>
          </label>
          {robotIds !== null && (
            <div className="check-row" data-testid="token-robot-picker">
              {robots.data?.items.length === 0 && <p className="muted">{t('tokens.create.robots.none')}</p>}
              {robots.data?.items.map((r) => (
                <label key={r.id} className="check">
                  <input
                    type="checkbox"
                    name="robotIds"
                    value={r.id}
                    checked={robotIds.includes(r.id)}
                    onChange={(e) => toggleRobot(r.id, e.target.checked)}
                  />
                  <span>
                    {r.name} <span className="muted small">#{r.id}</span>
                  </span>
                </label>
              ))}
            </div>
          )}
        </fieldset>
        <label className="field">
          <span>{t('tokens.create.expiry')}</span>
          <select name="expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            <option value="never">{t('tokens.create.expiry.never')}</option>
            {EXPIRY_DAYS.map((d) => (
              <option key={d} value={String(d)}>
                {t('tokens.create.expiry.days', { n: d })}
              </option>
            ))}
            <option value="custom">{t('tokens.create.expiry.custom')}</option>
          </select>
        </label>
        {expiry === 'custom' && (
          <label className="field">
            <span>{t('tokens.create.expiresAt')}</span>
            <input
              name="expiresAt"
              type="datetime-local"
              required
              value={until}
              onChange={(e) => setUntil(e.target.value)}
            />
          </label>
        )}
        <ErrorAlert message={error} />
        <FormActions onCancel={onClose} busy={busy}>
          {busy ? t('tokens.create.busy') : t('tokens.create.submit')}
        </FormActions>
      </form>
    </Dialog>
  );
}

function RevokeTokenDialog({
  token,
  onClose,
  onRevoked,
}: {
  token: Token;
  onClose: () => void;
  onRevoked: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(api.DELETE('/api/admin/tokens/{token_id}', { params: { path: { token_id: token.id } } }));
      onRevoked();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('tokens.revoke.title', { name: token.name })} onClose={onClose} testId="revoke-token">
      <p>{t('tokens.revoke.body')}</p>
      <p className="muted small">
        <code>{token.prefix}…</code> · {token.scopes.join(', ')}
        {token.robotIds && <> · {token.robotIds.map((id) => `#${id}`).join(', ')}</>}
      </p>
      <ErrorAlert message={error} />
      <div className="actions">
        <button type="button" className="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="button" className="button primary danger-fill" disabled={busy} onClick={() => void revoke()}>
          {t('tokens.revoke.confirm')}
        </button>
      </div>
    </Dialog>
  );
}
