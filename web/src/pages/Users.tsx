import { useState, type FormEvent } from 'react';
import { api, ApiCallError, call, type User } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { Dialog } from '../components/Dialog';
import { FormActions } from '../components/FormActions';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { confirmProblem, passwordProblem } from '../components/password';
import { splitFieldErrors, TextField } from '../components/Field';
import { useI18n, type MessageKey, type Translate } from '../i18n';
import { useSession } from '../session';

const CODES = ['LAST_ADMIN', 'CANNOT_DELETE_SELF', 'USERNAME_TAKEN', 'EMAIL_TAKEN', 'USER_EXISTS'] as const;
type Code = (typeof CODES)[number];
const FIELDS = ['username', 'email', 'password', 'isAdmin', 'isActive'] as const;
type FieldName = (typeof FIELDS)[number];
/** Which field a conflict belongs next to; the others are shown above the buttons. */
const CODE_FIELD: Partial<Record<Code, FieldName>> = { USERNAME_TAKEN: 'username', EMAIL_TAKEN: 'email' };

/** The API's answer in the operator's language when its code is known, else the API's own message. */
function explain(err: unknown, t: Translate): string {
  if (err instanceof ApiCallError && (CODES as readonly string[]).includes(err.code ?? ''))
    return t(`users.err.${err.code}` as MessageKey);
  return err instanceof Error ? err.message : String(err);
}

interface FormErrors {
  byField: Partial<Record<FieldName, string[]>>;
  other: string[];
}
const NONE: FormErrors = { byField: {}, other: [] };

function formErrors(err: unknown, t: Translate): FormErrors {
  if (err instanceof ApiCallError && err.status === 400) return splitFieldErrors(err.messages, FIELDS);
  const text = explain(err, t);
  const field = err instanceof ApiCallError ? CODE_FIELD[err.code as Code] : undefined;
  return field ? { byField: { [field]: [text] }, other: [] } : { byField: {}, other: [text] };
}

export function UsersPage() {
  const { t } = useI18n();
  const { user: me } = useSession();
  const [search, setSearch] = useState('');
  // operators are not allowed to list users: no request that would only answer 403
  const list = useLoad(() =>
    me?.isAdmin
      ? call(
          api.GET('/api/admin/users', {
            params: { query: { limit: 200, ...(search.trim() ? { search: search.trim() } : {}) } },
          }),
        )
      : Promise.resolve(undefined),
  );
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  if (!me?.isAdmin)
    return (
      <main id="main" className="page">
        <h1>{t('users.title')}</h1>
        <p className="alert alert-error">{t('users.adminOnly')}</p>
      </main>
    );

  const remove = async (u: User) => {
    if (!window.confirm(t('users.confirmDelete', { name: u.username }))) return;
    setError(null);
    setNotice(null);
    try {
      await call(api.DELETE('/api/admin/users/{user_id}', { params: { path: { user_id: u.id } } }));
      setNotice(t('users.deleted', { name: u.username }));
    } catch (err) {
      setError(explain(err, t));
    }
    list.reload();
  };

  const users = list.data?.items ?? [];
  return (
    <main id="main" className="page" aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">{t('users.title')}</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          + {t('users.add')}
        </button>
      </div>
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          list.reload();
        }}
      >
        <input
          type="search"
          aria-label={t('users.search')}
          placeholder={t('users.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="submit" className="button small">
          {t('users.searchButton')}
        </button>
      </form>
      <LoadState {...list} loading={list.loading && !list.data} />
      <ErrorAlert message={error} />
      <OkNotice message={notice} />
      {list.data && users.length === 0 && <p className="card muted">{t('users.empty')}</p>}
      {users.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('users.username')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.active')}</th>
              <th scope="col">{t('users.lastLogin')}</th>
              <th scope="col">{t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid={`user-${u.username}`}>
                <th scope="row" data-label={t('users.username')}>
                  {u.username}
                  {u.id === me.id && <span className="muted small"> {t('users.you')}</span>}
                  {u.email && <div className="muted small">{u.email}</div>}
                </th>
                <td data-label={t('users.role')}>{u.isAdmin ? t('users.admin') : t('users.operator')}</td>
                <td data-label={t('users.active')}>
                  <span className={`badge badge-${u.isActive ? 'ok' : 'off'}`}>
                    {u.isActive ? t('users.enabled') : t('users.disabledAccount')}
                  </span>
                </td>
                <td data-label={t('users.lastLogin')}>
                  {u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : t('users.never')}
                </td>
                <td data-label={t('users.actions')} className="row-actions">
                  <button
                    type="button"
                    className="button small"
                    aria-label={`${t('users.edit')} ${u.username}`}
                    onClick={() => setEditing(u)}
                  >
                    {t('users.edit')}
                  </button>
                  <button
                    type="button"
                    className="button small"
                    aria-label={`${t('users.resetPassword')} ${u.username}`}
                    onClick={() => setResetting(u)}
                  >
                    {t('users.resetPassword')}
                  </button>
                  <button
                    type="button"
                    className="button small danger"
                    aria-label={`${t('common.delete')} ${u.username}`}
                    onClick={() => void remove(u)}
                  >
                    {t('common.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <UserDialog
          onClose={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            list.reload();
          }}
        />
      )}
      {editing && (
        <UserDialog
          user={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      {resetting && (
        <ResetPasswordDialog
          user={resetting}
          onClose={() => setResetting(null)}
          onDone={() => {
            setNotice(t('users.passwordReset', { name: resetting.username }));
            setResetting(null);
            list.reload();
          }}
        />
      )}
    </main>
  );
}

/** Create (no `user`) or edit a user. */
function UserDialog({ user, onClose, onSaved }: { user?: User; onClose: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState(user?.username ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(user?.isAdmin ?? false);
  const [isActive, setIsActive] = useState(user?.isActive ?? true);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [server, setServer] = useState<FormErrors>(NONE);

  const problems: Partial<Record<FieldName, string[]>> = {
    username: /^[\w.@-]{3,50}$/.test(username.trim()) ? [] : [t('users.usernameHint')],
    email: email.trim() === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()) ? [] : [t('sf.email')],
    password: user ? [] : passwordProblem(password, t),
  };
  const invalid = Object.values(problems).some((p) => p.length > 0);
  const shown = (f: FieldName) => [...(checked ? (problems[f] ?? []) : []), ...(server.byField[f] ?? [])];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (invalid) return;
    setBusy(true);
    setServer(NONE);
    try {
      if (user)
        await call(
          api.PUT('/api/admin/users/{user_id}', {
            params: { path: { user_id: user.id } },
            body: { username: username.trim(), email: email.trim() || null, isAdmin, isActive },
          }),
        );
      else
        await call(
          api.POST('/api/admin/users', {
            body: { username: username.trim(), email: email.trim() || null, password, isAdmin, isActive },
          }),
        );
      onSaved();
    } catch (err) {
      setServer(formErrors(err, t));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={user ? t('users.editTitle', { name: user.username }) : t('users.createTitle')}
      onClose={onClose}
      testId="user-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <TextField
          label={t('users.username')}
          name="username"
          autoComplete="off"
          required
          hint={t('users.usernameHint')}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          errors={shown('username')}
        />
        <TextField
          label={t('users.email')}
          name="email"
          type="email"
          autoComplete="off"
          hint={t('users.emailHint')}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          errors={shown('email')}
        />
        {!user && (
          <TextField
            label={t('users.password')}
            name="password"
            type="password"
            autoComplete="new-password"
            required
            hint={t('users.passwordHint')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            errors={shown('password')}
          />
        )}
        <label className="check">
          <input type="checkbox" name="isAdmin" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
          <span>{t('users.isAdmin')}</span>
        </label>
        <label className="check">
          <input type="checkbox" name="isActive" checked={isActive} onChange={(e) => setIsActive(e.target.checked)} />
          <span>{t('users.isActive')}</span>
        </label>
        <ErrorAlert
          message={[...(server.byField.isAdmin ?? []), ...(server.byField.isActive ?? []), ...server.other].join(' ')}
        />
        <FormActions onCancel={onClose} busy={busy}>
          {t('common.save')}
        </FormActions>
      </form>
    </Dialog>
  );
}

function ResetPasswordDialog({ user, onClose, onDone }: { user: User; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [server, setServer] = useState<FormErrors>(NONE);
  const problems = { password: passwordProblem(password, t), again: confirmProblem(again, password, t) };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (problems.password.length || problems.again.length) return;
    setBusy(true);
    setServer(NONE);
    try {
      await call(api.PUT('/api/admin/users/{user_id}', { params: { path: { user_id: user.id } }, body: { password } }));
      onDone();
    } catch (err) {
      setServer(formErrors(err, t));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('users.resetTitle', { name: user.username })} onClose={onClose} testId="reset-password">
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="muted small">{t('users.resetHint')}</p>
        <TextField
          label={t('users.newPassword')}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint={t('users.passwordHint')}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          errors={[...(checked ? problems.password : []), ...(server.byField.password ?? [])]}
        />
        <TextField
          label={t('account.confirm')}
          name="confirmPassword"
          type="password"
          autoComplete="new-password"
          required
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          errors={checked ? problems.again : []}
        />
        <ErrorAlert message={server.other.join(' ')} />
        <FormActions onCancel={onClose} busy={busy}>
          {t('users.resetPassword')}
        </FormActions>
      </form>
    </Dialog>
  );
}
