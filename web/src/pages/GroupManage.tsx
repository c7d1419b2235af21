import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { Dialog } from '../components/Dialog';
import { FormActions } from '../components/FormActions';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { Pager } from '../components/Pager';
import { useI18n } from '../i18n';
import { Link, usePath } from '../router';

type Member = Schemas['MemberResponseDto'];

const GROUP_ID = /^[^\s,]{1,90}@chatroom$/;
const LIMIT = 50;

/** The group chosen on the page, kept in the address (`?chat=`) so a reload or a link opens it. */
function chatInUrl(): string | null {
  const v = new URLSearchParams(window.location.search).get('chat');
  return v && GROUP_ID.test(v) ? v : null;
}

function keepChatInUrl(chatId: string | null): void {
  const url = new URL(window.location.href);
  if (chatId) url.searchParams.set('chat', chatId);
  else url.searchParams.delete('chat');
  window.history.replaceState(null, '', `${url.pathname}${url.search}`);
}

export function groupHref(robotId: number, chatId?: string | null): string {
  return `/groups/${robotId}${chatId ? `?chat=${encodeURIComponent(chatId)}` : ''}`;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * /groups/<robot id>?chat=<group id>: one of the robot's groups — its members (from the directory) with remove, and
 * invite, rename, announcement, QR code and quit.
 */
export function GroupManagePage() {
  const { t } = useI18n();
  const robotId = Number(usePath().split('/')[2]);
  const robot = useLoad(() => call(api.GET('/api/robots/{robot_id}', { params: { path: { robot_id: robotId } } })));
  const [chatId, setChatId] = useState<string | null>(chatInUrl);
  const choose = (id: string | null) => {
    setChatId(id);
    keepChatInUrl(id);
  };
  return (
    <main id="main" className="page" aria-labelledby="group-title">
      <p>
        <Link href={`/robots/${robotId}`}>{t('relations.backToRobot')}</Link>
      </p>
      <h1 id="group-title">
        {t('relations.groupTitle')}
        {robot.data && <span className="muted"> · {robot.data.name}</span>}
      </h1>
      <GroupPicker robotId={robotId} chatId={chatId} onChoose={choose} />
      {chatId && <GroupActions key={chatId} robotId={robotId} chatId={chatId} robotWxid={robot.data?.wxid ?? null} />}
    </main>
  );
}

function GroupPicker({
  robotId,
  chatId,
  onChoose,
}: {
  robotId: number;
  chatId: string | null;
  onChoose: (id: string) => void;
}) {
  const { t } = useI18n();
  const groups = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/contacts', {
        params: { path: { robot_id: robotId }, query: { kind: 'group', limit: 200 } },
      }),
    ),
  );
  const [typed, setTyped] = useState('');
  const [bad, setBad] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = typed.trim();
    if (!GROUP_ID.test(id)) return setBad(true);
    setBad(false);
    onChoose(id);
  };
  return (
    <section className="card" aria-labelledby="group-pick">
      <h2 id="group-pick">{t('relations.pickGroup')}</h2>
      <p className="muted small">{t('relations.pickGroupHint')}</p>
      <LoadState {...groups} loading={groups.loading && !groups.data} />
      {groups.data && groups.data.items.length === 0 && <p className="muted">{t('relations.noGroups')}</p>}
      {groups.data && groups.data.items.length > 0 && (
        <label className="field">
          <span>{t('relations.pickGroup')}</span>
          <select
            value={chatId ?? ''}
            data-testid="group-select"
            onChange={(e) => e.target.value && onChoose(e.target.value)}
          >
            <option value="">—</option>
            {groups.data.items.map((g) => (
              <option key={g.wxid} value={g.wxid}>
                {g.name ?? g.wxid}
              </option>
            ))}
          </select>
        </label>
      )}
      <form className="filters" onSubmit={submit}>
        <label className="field">
          <span>{t('relations.groupId')}</span>
          <input
            value={typed}
            placeholder="123456789@chatroom"
            data-testid="group-id"
            aria-invalid={bad || undefined}
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
        <button type="submit" className="button">
          {t('relations.open')}
        </button>
      </form>
      {bad && <ErrorAlert message={t('relations.badGroupId')} />}
    </section>
  );
}

function GroupActions({ robotId, chatId, robotWxid }: { robotId: number; chatId: string; robotWxid: string | null }) {
  const { t } = useI18n();
  const path = { robot_id: robotId, chat_id: chatId };
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<string>) => {
    setNotice(null);
    setError(null);
    try {
      setNotice(await fn());
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    }
  };
  return (
    <>
      <div aria-live="polite">
        <OkNotice message={notice} />
        <ErrorAlert message={error} />
      </div>
      <Members robotId={robotId} chatId={chatId} robotWxid={robotWxid} run={run} />
      <section className="card" aria-labelledby="group-invite">
        <h2 id="group-invite">{t('relations.invite')}</h2>
        <InviteForm
          onInvite={(wxids, reason) =>
            run(async () => {
              const res = await call(
                api.POST('/api/robots/{robot_id}/groups/{chat_id}/invite', {
                  params: { path },
                  body: { wxids, reason: reason || undefined },
                }),
              );
              return t(res.mode === 'invitation' ? 'relations.invitedLink' : 'relations.invitedDirect', {
                count: wxids.length,
              });
            })
          }
        />
      </section>
      <section className="card" aria-labelledby="group-rename">
        <h2 id="group-rename">{t('relations.rename')}</h2>
        <TextForm
          label={t('relations.newName')}
          submit={t('relations.renameSubmit')}
          maxLength={30}
          testId="group-name"
          onSubmit={(name) =>
            run(async () => {
              await call(api.PUT('/api/robots/{robot_id}/groups/{chat_id}/name', { params: { path }, body: { name } }));
              return t('relations.renamed', { name });
            })
          }
        />
      </section>
      <Announcement robotId={robotId} chatId={chatId} run={run} />
      <QrCode robotId={robotId} chatId={chatId} onError={setError} />
      <Quit robotId={robotId} chatId={chatId} run={run} />
    </>
  );
}

type Run = (fn: () => Promise<string>) => Promise<boolean>;

function Members({
  robotId,
  chatId,
  robotWxid,
  run,
}: {
  robotId: number;
  chatId: string;
  robotWxid: string | null;
  run: Run;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [removed, setRemoved] = useState<Set<string>>(() => new Set());
  const members = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/groups/{chat_id}/members', {
        params: {
          path: { robot_id: robotId, chat_id: chatId },
          query: { q: q.trim() || undefined, page, limit: LIMIT },
        },
      }),
    ),
  );
  const { reload } = members;
  useEffect(reload, [q, page, reload]);
  const nameOf = (m: Member) => m.name ?? m.nickname ?? m.wxid;
  return (
    <section className="card" aria-labelledby="group-members">
      <h2 id="group-members">{t('relations.members')}</h2>
      <p className="muted small">{t('relations.membersHint')}</p>
      <div className="filters">
        <label className="field">
          <span>{t('relations.searchMembers')}</span>
          <input
            type="search"
            value={q}
            autoComplete="off"
            onChange={(e) => {
              setQ(e.target.value);
              setPage(1);
            }}
          />
        </label>
      </div>
      <LoadState {...members} loading={members.loading && !members.data} />
      {members.data && members.data.items.length === 0 && <p className="muted">{t('relations.noMembers')}</p>}
      {members.data && members.data.items.length > 0 && (
        <table className="table" data-testid="members-table">
          <thead>
            <tr>
              <th scope="col">{t('relations.member')}</th>
              <th scope="col">{t('relations.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {members.data.items.map((m) => (
              <tr key={m.wxid} data-testid={`member-${m.wxid}`}>
                <th scope="row" data-label={t('relations.member')}>
                  {nameOf(m)}
                  <div>
                    <code className="small">{m.wxid}</code>
                  </div>
                </th>
                <td data-label={t('relations.actions')}>
                  {m.wxid === robotWxid ? null : removed.has(m.wxid) ? (
                    <span className="badge badge-off">{t('relations.removed')}</span>
                  ) : (
                    <button
                      type="button"
                      className="button small danger"
                      data-testid="member-remove"
                      onClick={() => setRemoving(m)}
                    >
                      {t('relations.remove')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {members.data && (
        <Pager page={members.data.page} limit={members.data.limit} total={members.data.total} onPage={setPage} />
      )}
      {removing && (
        <Confirm
          title={t('relations.removeTitle', { name: nameOf(removing) })}
          hint={t('relations.removeHint')}
          confirm={t('relations.removeConfirm')}
          testId="remove-dialog"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            const m = removing;
            const ok = await run(async () => {
              await call(
                api.POST('/api/robots/{robot_id}/groups/{chat_id}/remove', {
                  params: { path: { robot_id: robotId, chat_id: chatId } },
                  body: { wxids: [m.wxid] },
                }),
              );
              return t('relations.removedOk', { name: nameOf(m) });
            });
            if (ok) setRemoved((s) => new Set(s).add(m.wxid));
            setRemoving(null);
          }}
        />
      )}
    </section>
  );
}

function InviteForm({ onInvite }: { onInvite: (wxids: string[], reason: string) => Promise<boolean> }) {
  const { t } = useI18n();
  const [wxids, setWxids] = useState('');
  const [reason, setReason] = useState('');
  const [empty, setEmpty] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const list = [...new Set(wxids.split(/[\s,，]+/).filter(Boolean))];
    setEmpty(list.length === 0);
    if (!list.length) return;
    setBusy(true);
    if (await onInvite(list, reason.trim())) setWxids('');
    setBusy(false);
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <label className="field">
        <span>{t('relations.inviteWxids')}</span>
        <input value={wxids} data-testid="invite-wxids" onChange={(e) => setWxids(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('relations.inviteReason')}</span>
        <input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} />
      </label>
      {empty && <ErrorAlert message={t('relations.inviteEmpty')} />}
      <button type="submit" className="button primary" disabled={busy}>
        {t('relations.inviteSubmit')}
      </button>
    </form>
  );
}

function TextForm({
  label,
  submit,
  maxLength,
  testId,
  initial = '',
  multiline,
  onSubmit,
}: {
  label: string;
  submit: string;
  maxLength: number;
  testId: string;
  initial?: string;
  multiline?: boolean;
  onSubmit: (value: string) => Promise<boolean>;
}) {
  const [value, setValue] = useState(initial);
  const [busy, setBusy] = useState(false);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return;
    setBusy(true);
    await onSubmit(value.trim());
    setBusy(false);
  };
  return (
    <form onSubmit={(e) => void send(e)}>
      <label className="field">
        <span>{label}</span>
        {multiline ? (
          <textarea
            value={value}
            rows={4}
            maxLength={maxLength}
            required
            data-testid={testId}
            onChange={(e) => setValue(e.target.value)}
          />
        ) : (
          <input
            value={value}
            maxLength={maxLength}
            required
            data-testid={testId}
            onChange={(e) => setValue(e.target.value)}
          />
        )}
      </label>
      <button type="submit" className="button primary" disabled={busy}>
        {submit}
      </button>
    </form>
  );
}

function Announcement({ robotId, chatId, run }: { robotId: number; chatId: string; run: Run }) {
  const { t } = useI18n();
  const path = { robot_id: robotId, chat_id: chatId };
  const current = useLoad(() =>
    call(api.GET('/api/robots/{robot_id}/groups/{chat_id}/announcement', { params: { path } })),
  );
  const [editing, setEditing] = useState(false);
  return (
    <section className="card" aria-labelledby="group-announcement">
      <h2 id="group-announcement">{t('relations.announcement')}</h2>
      <LoadState {...current} loading={current.loading && !current.data} />
      {current.data && (
        <p className="pre-wrap" data-testid="announcement-text">
          {current.data.content || <span className="muted">{t('relations.noAnnouncement')}</span>}
        </p>
      )}
      {!editing && current.data && (
        <button type="button" className="button" onClick={() => setEditing(true)}>
          {t('relations.editAnnouncement')}
        </button>
      )}
      {editing && current.data && (
        <TextForm
          label={t('relations.editAnnouncement')}
          submit={t('relations.announcementSubmit')}
          maxLength={2000}
          testId="announcement-edit"
          initial={current.data.content}
          multiline
          onSubmit={async (content) => {
            const ok = await run(async () => {
              await call(
                api.PUT('/api/robots/{robot_id}/groups/{chat_id}/announcement', {
                  params: { path },
                  body: { content },
                }),
              );
              return t('relations.announcementSaved');
            });
            if (ok) {
              setEditing(false);
              current.reload();
            }
            return ok;
          }}
        />
      )}
    </section>
  );
}

function QrCode({ robotId, chatId, onError }: { robotId: number; chatId: string; onError: (e: string) => void }) {
  const { t } = useI18n();
  const [qr, setQr] = useState<{ dataUrl: string; tips: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    try {
      setQr(
        await call(
          api.GET('/api/robots/{robot_id}/groups/{chat_id}/qrcode', {
            params: { path: { robot_id: robotId, chat_id: chatId } },
          }),
        ),
      );
    } catch (err) {
      onError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="group-qr">
      <h2 id="group-qr">{t('relations.qrcode')}</h2>
      {qr ? (
        <figure>
          <img src={qr.dataUrl} alt={t('relations.qrAlt')} width={200} height={200} data-testid="group-qr" />
          {qr.tips && <figcaption className="muted small">{qr.tips}</figcaption>}
        </figure>
      ) : (
        <button type="button" className="button" disabled={busy} onClick={() => void load()}>
          {t('relations.showQr')}
        </button>
      )}
    </section>
  );
}

function Quit({ robotId, chatId, run }: { robotId: number; chatId: string; run: Run }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  return (
    <section className="card" aria-labelledby="group-quit">
      <h2 id="group-quit">{t('relations.quit')}</h2>
      <p className="muted small">{t('relations.quitHint')}</p>
      <button type="button" className="button danger" data-testid="group-quit" onClick={() => setAsking(true)}>
        {t('relations.quit')}
      </button>
      {asking && (
        <Confirm
          title={t('relations.quitTitle')}
          hint={t('relations.quitHint')}
          confirm={t('relations.quitConfirm')}
          testId="quit-dialog"
          onClose={() => setAsking(false)}
          onConfirm={async () => {
            await run(async () => {
              await call(
                api.POST('/api/robots/{robot_id}/groups/{chat_id}/quit', {
                  params: { path: { robot_id: robotId, chat_id: chatId } },
                }),
              );
              return t('relations.quitOk');
            });
            setAsking(false);
          }}
        />
      )}
    </section>
  );
}

function Confirm({
  title,
  hint,
  confirm,
  testId,
  onClose,
  onConfirm,
}: {
  title: string;
  hint: ReactNode;
  confirm: string;
  testId: string;
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={title} onClose={onClose} testId={testId}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void onConfirm();
        }}
      >
        <p className="muted">{hint}</p>
        <FormActions onCancel={onClose} busy={busy}>
          {confirm}
        </FormActions>
      </form>
    </Dialog>
  );
}
