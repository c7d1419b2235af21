import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiCallError, call } from '../api/client';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { Dialog } from './Dialog';
import { FormActions } from './FormActions';
import { ErrorAlert } from './Notice';
import { confirmProblem, passwordProblem } from './password';
import { splitFieldErrors, TextField } from './Field';

/** The signed-in user's menu in the top bar: who, their role, change password, log out. A disclosure, not a menu role. */
export function UserMenu() {
  const { t } = useI18n();
  const { user, logout } = useSession();
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const panelId = useId();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="user-menu" ref={ref}>
      <button
        type="button"
        className="button small ghost"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`${t('account.menu')}: ${user?.username ?? ''}`}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="user-name" data-testid="current-user">
          {user?.username}
        </span>
        <span aria-hidden="true"> ▾</span>
      </button>
      <div id={panelId} className="user-menu-panel" hidden={!open}>
        <p className="muted small">
          {user?.username} · {user?.isAdmin ? t('account.admin') : t('account.operator')}
        </p>
        <button
          type="button"
          className="button small wide"
          onClick={() => {
            setOpen(false);
            setChanging(true);
          }}
        >
          {t('account.changePassword')}
        </button>
        <button type="button" className="button small wide" onClick={() => void logout()}>
          {t('user.logout')}
        </button>
      </div>
      {changing && <ChangePasswordDialog onClose={() => setChanging(false)} />}
    </div>
  );
}

const FIELDS = ['currentPassword', 'newPassword'] as const;

export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [server, setServer] = useState<{
    byField: Partial<Record<(typeof FIELDS)[number], string[]>>;
    other: string[];
  }>({
    byField: {},
    other: [],
  });

  const nextProblem = passwordProblem(next, t);
  const problems = {
    currentPassword: current === '' ? [t('sf.required')] : [],
    newPassword: nextProblem.length ? nextProblem : next === current ? [t('account.same')] : [],
    again: confirmProblem(again, next, t),
  };
  const invalid = Object.values(problems).some((p) => p.length > 0);
  const shown = (f: keyof typeof problems) => [
    ...(checked ? problems[f] : []),
    ...(f === 'again' ? [] : (server.byField[f] ?? [])),
  ];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (invalid) return;
    setBusy(true);
    setServer({ byField: {}, other: [] });
    try {
      await call(api.POST('/api/auth/change-password', { body: { currentPassword: current, newPassword: next } }));
      setDone(true);
    } catch (err) {
      if (err instanceof ApiCallError && err.status === 401)
        setServer({ byField: { currentPassword: [t('account.wrongCurrent')] }, other: [] });
      else if (err instanceof ApiCallError) setServer(splitFieldErrors(err.messages, FIELDS));
      else setServer({ byField: {}, other: [String(err)] });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('account.changePassword')} onClose={onClose} testId="change-password">
      {done ? (
        <>
          <p className="ok" role="status">
            {t('account.done')}
          </p>
          <div className="actions">
            <button type="button" className="button primary" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </>
      ) : (
        <form className="form" noValidate onSubmit={(e) => void submit(e)}>
          <TextField
            label={t('account.current')}
            type="password"
            name="currentPassword"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            errors={shown('currentPassword')}
          />
          <TextField
            label={t('account.new')}
            type="password"
            name="newPassword"
            autoComplete="new-password"
            required
            minLength={8}
            hint={t('account.newHint')}
            value={next}
            onChange={(e) => setNext(e.target.value)}
            errors={shown('newPassword')}
          />
          <TextField
            label={t('account.confirm')}
            type="password"
            name="confirmPassword"
            autoComplete="new-password"
            required
            value={again}
            onChange={(e) => setAgain(e.target.value)}
            errors={shown('again')}
          />
          <ErrorAlert message={server.other.join('; ')} />
          <FormActions onCancel={onClose} busy={busy}>
            {busy ? t('account.busy') : t('account.submit')}
          </FormActions>
        </form>
      )}
    </Dialog>
  );
}
