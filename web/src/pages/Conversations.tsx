import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { SentByNote } from '../components/SentBy';
import { DownloadButton, StoredImage } from '../components/StoredFile';
import { formatTime, replaceSearchParam, searchParam } from '../format';
import { codeText, isKnownCode, useI18n } from '../i18n';
import { kindLabel } from '../kinds';
import { useLiveEvents } from '../live';
import { useRobots } from '../robots';
import { usePath } from '../router';
import '../conversations.css';

type Conversation = Schemas['ConversationResponseDto'];
type ThreadMessage = Schemas['ThreadMessageDto'];
type Outgoing = Schemas['OutgoingMessageDto'];
type ExportQuery = { format: 'csv' | 'jsonl'; chatId?: string; lang: 'zh' | 'en'; since?: string; until?: string };

/** A group member for the @ picker: from the directory's members API, else the senders seen in the thread. */
interface Member {
  wxid: string;
  name: string;
}

const THREAD_LIMIT = 30;

export const conversationsHref = (robotId: number, chatId?: string) =>
  `/conversations/${robotId}${chatId ? `?chat=${encodeURIComponent(chatId)}` : ''}`;

/**
 * Downloads an export (GET /api/robots/{robot_id}/messages/export) with the token: the file is fetched as a blob and
 * saved through an object URL, named as the service's Content-Disposition says.
 */
export async function downloadExport(robotId: number, query: ExportQuery): Promise<void> {
  const res = await api.GET('/api/robots/{robot_id}/messages/export', {
    params: { path: { robot_id: robotId }, query },
    parseAs: 'blob',
  });
  // the error, in the console's words, when it failed
  const blob = (await call(Promise.resolve(res))) as unknown as Blob;
  const disposition = res.response.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  const name = star?.[1] ? decodeURIComponent(star[1]) : (plain?.[1] ?? `messages.${query.format}`);
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** Export buttons (CSV, JSONL) for a robot's messages or one chat's; the headers in the console's language. */
export function ExportButtons({
  robotId,
  chatId,
  query,
}: {
  robotId: number | null;
  chatId?: string;
  query?: Partial<ExportQuery>;
}) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: 'csv' | 'jsonl') => {
    if (robotId === null) return setError(t('conversations.needsRobot'));
    setBusy(format);
    setError(null);
    try {
      await downloadExport(robotId, { ...query, format, lang, ...(chatId ? { chatId } : {}) });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <span className="export-buttons">
      <button type="button" className="button small" disabled={busy !== null} onClick={() => void run('csv')}>
        {busy === 'csv' ? t('conversations.exporting') : t('conversations.exportCsv')}
      </button>{' '}
      <button type="button" className="button small" disabled={busy !== null} onClick={() => void run('jsonl')}>
        {busy === 'jsonl' ? t('conversations.exporting') : t('conversations.exportJsonl')}
      </button>
      {error && (
        <span className="bad small" role="alert">
          {' '}
          {error}
        </span>
      )}
    </span>
  );
}

export function ConversationsPage() {
  const { t } = useI18n();
  const path = usePath();
  const robotId = Number(path.slice(path.lastIndexOf('/') + 1));
  const { robotName } = useRobots();
  const [chatId, setChatId] = useState<string | null>(() => searchParam('chat'));
  const [q, setQ] = useState('');
  const qRef = useRef(q);
  qRef.current = q;

  const list = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/conversations', {
        params: { path: { robot_id: robotId }, query: { limit: 100, q: qRef.current.trim() || undefined } },
      }),
    ),
  );
  const { reload } = list;
  useEffect(() => {
    const timer = setTimeout(reload, 250);
    return () => clearTimeout(timer);
  }, [q, reload]);

  const open = (id: string) => {
    setChatId(id);
    replaceSearchParam('chat', id);
  };

  // new messages of this robot: the list reloads (at most every half second); the open thread reloads itself
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLiveEvents((e) => {
    if (e.type === 'resync' || (e.type === 'message' && e.data.robotId === robotId)) {
      clearTimeout(pending.current);
      pending.current = setTimeout(reload, 500);
    }
  });
  useEffect(() => () => clearTimeout(pending.current), []);

  const items = list.data?.items ?? [];
  const current = items.find((c) => c.chatId === chatId);
  return (
    <main id="main" className="page conversations-page" aria-labelledby="conversations-title">
      <div className="page-head">
        <h1 id="conversations-title">{t('conversations.titleOf', { robot: robotName(robotId) })}</h1>
        <span>
          <span className="muted small">{t('conversations.exportAll')}</span> <ExportButtons robotId={robotId} />
        </span>
      </div>
      <div className="conversations">
        <section className="card chat-list" aria-label={t('conversations.chats')}>
          <input
            type="search"
            className="chat-search"
            aria-label={t('conversations.search')}
            placeholder={t('conversations.search')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          <LoadState {...list} loading={list.loading && !list.data} />
          {list.data && items.length === 0 && <p className="muted">{t('conversations.empty')}</p>}
          <ul data-testid="conversation-list">
            {items.map((c) => (
              <li key={c.chatId}>
                <button
                  type="button"
                  className={`chat-item${c.chatId === chatId ? ' current' : ''}`}
                  aria-current={c.chatId === chatId ? 'true' : undefined}
                  data-testid={`conversation-${c.chatId}`}
                  onClick={() => open(c.chatId)}
                  title={c.chatId}
                >
                  <span className="chat-name">
                    {c.isGroup && <span className="tag">{t('conversations.group')}</span>} {c.name ?? c.chatId}
                  </span>
                  <span className="chat-last muted small">
                    <LastLine message={c.last} />
                  </span>
                  {c.unread ? (
                    <span
                      className="badge unread"
                      data-testid="unread"
                      aria-label={t('conversations.unread', { n: c.unread })}
                    >
                      {c.unread}
                    </span>
                  ) : null}
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section className="card thread-pane" aria-label={current?.name ?? chatId ?? t('conversations.pick')}>
          {chatId ? (
            <Thread key={chatId} robotId={robotId} chatId={chatId} conversation={current} onRead={reload} />
          ) : (
            <p className="muted">{t('conversations.pick')}</p>
          )}
        </section>
      </div>
    </main>
  );
}

function LastLine({ message: m }: { message: Schemas['MessageResponseDto'] }) {
  const { t } = useI18n();
  return (
    <>
      {m.isSelf && `${t('conversations.me')}: `}
      {m.text ? m.text.slice(0, 80) : `[${t(kindLabel(m.kind))}]${m.summary ? ` ${m.summary}` : ''}`}
    </>
  );
}

function Thread({
  robotId,
  chatId,
  conversation,
  onRead,
}: {
  robotId: number;
  chatId: string;
  conversation: Conversation | undefined;
  onRead: () => void;
}) {
  const { t, lang } = useI18n();
  const [older, setOlder] = useState<ThreadMessage[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const latest = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/conversations/{chat_id}/messages', {
        params: { path: { robot_id: robotId, chat_id: chatId }, query: { limit: THREAD_LIMIT } },
      }),
    ),
  );
  const { reload } = latest;
  const first = latest.data;
  useEffect(() => {
    if (first && older.length === 0) setNextBefore(first.nextBefore);
  }, [first, older.length]);

  // reading the newest page moves the read mark to its newest message
  const newest = first?.items[0]?.id;
  useEffect(() => {
    if (newest === undefined) return;
    void api
      .PUT('/api/robots/{robot_id}/conversations/{chat_id}/read', {
        params: { path: { robot_id: robotId, chat_id: chatId } },
        body: { messageId: newest },
      })
      .then(() => onRead());
  }, [newest, robotId, chatId, onRead]);

  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLiveEvents((e) => {
    if (e.type === 'resync' || (e.type === 'message' && e.data.robotId === robotId && e.data.chatId === chatId)) {
      clearTimeout(pending.current);
      pending.current = setTimeout(reload, 300);
    }
  });
  useEffect(() => () => clearTimeout(pending.current), []);

  const loadOlder = async () => {
    if (nextBefore === null) return;
    const page = await call(
      api.GET('/api/robots/{robot_id}/conversations/{chat_id}/messages', {
        params: { path: { robot_id: robotId, chat_id: chatId }, query: { limit: THREAD_LIMIT, before: nextBefore } },
      }),
    );
    setOlder((o) => [...o, ...page.items]);
    setNextBefore(page.nextBefore);
  };

  const messages = useMemo(() => [...(first?.items ?? []), ...older].reverse(), [first, older]);
  const isGroup = first?.isGroup ?? chatId.endsWith('@chatroom');
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // a block body: newer browsers answer scrollIntoView with a promise, which React would take for a clean-up
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [first]);

  return (
    <>
      <div className="thread-head">
        <h2 title={chatId}>{conversation?.name ?? first?.name ?? chatId}</h2>
        <span>
          <span className="muted small">{t('conversations.exportChat')}</span>{' '}
          <ExportButtons robotId={robotId} chatId={chatId} />
        </span>
      </div>
      <LoadState {...latest} loading={latest.loading && !latest.data} />
      <div className="thread" data-testid="thread">
        {nextBefore !== null && (
          <button type="button" className="button small" onClick={() => void loadOlder()}>
            {t('conversations.older')}
          </button>
        )}
        {first && messages.length === 0 && <p className="muted">{t('conversations.noMessages')}</p>}
        {messages.map((m) => (
          <article
            key={m.id}
            className={`bubble-row${m.isSelf ? ' mine' : ''}`}
            data-testid={`thread-message-${m.id}`}
            data-self={m.isSelf ? 'true' : 'false'}
          >
            <div className="bubble">
              <div className="bubble-meta muted small">
                <span title={m.senderWxid ?? undefined}>
                  {m.isSelf ? t('conversations.me') : (m.senderName ?? m.senderWxid ?? '')}
                </span>{' '}
                <time dateTime={m.receivedAt}>{formatTime(m.receivedAt, lang)}</time>
              </div>
              {m.quote && (
                <blockquote className="quote" data-testid="quote">
                  <span className="muted small">
                    {t('conversations.quoteOf', { name: m.quote.quotedDisplayName ?? m.quote.quotedSender ?? '' })}
                  </span>{' '}
                  {m.quote.quotedContent && !m.quote.quotedContent.startsWith('<') ? m.quote.quotedContent : ''}
                </blockquote>
              )}
              <Body message={m} />
              <SentByNote message={m} />
            </div>
          </article>
        ))}
        {first?.outgoing
          .slice()
          .reverse()
          .map((o) => (
            <OutgoingRow key={o.id} robotId={robotId} outgoing={o} onChange={reload} />
          ))}
        <div ref={bottom} />
      </div>
      <SendBox robotId={robotId} chatId={chatId} isGroup={isGroup} thread={messages} onSent={reload} />
    </>
  );
}

function Body({ message: m }: { message: ThreadMessage }) {
  const { t } = useI18n();
  const done = m.files.filter((f) => f.status === 'done' && f.filename);
  const label = `[${t(kindLabel(m.kind))}]`;
  if ((m.kind === 'image' || m.kind === 'emoji') && done.length)
    return (
      <div className="bubble-media">
        {done.map((f) => (
          <StoredImage key={f.id} filename={f.filename!} alt={label} />
        ))}
      </div>
    );
  if (done.length && (m.kind === 'file' || m.kind === 'voice' || m.kind === 'video'))
    return (
      <div>
        <span className="message-kind">{label}</span> {m.summary ?? ''}{' '}
        {done.map((f) => (
          <DownloadButton key={f.id} filename={f.filename!} name={f.originalName ?? f.filename!} />
        ))}
      </div>
    );
  if (m.text && (m.kind === 'text' || m.kind === 'quote')) return <div className="bubble-text">{m.text}</div>;
  return (
    <div className="bubble-text">
      <span className="message-kind">{label}</span>
      {m.summary ? ` ${m.summary}` : m.text ? ` ${m.text}` : ''}
    </div>
  );
}

function OutgoingRow({
  robotId,
  outgoing: o,
  onChange,
}: {
  robotId: number;
  outgoing: Outgoing;
  onChange: () => void;
}) {
  const { t, lang } = useI18n();
  return (
    <article className="bubble-row mine" data-testid={`outgoing-${o.id}`} data-state={o.state}>
      <div className={`bubble outgoing ${o.state}`}>
        <div className="bubble-text">{o.content}</div>
        <div className="small">
          <span className={`badge ${o.state === 'failed' ? 'badge-bad' : 'badge-wait'}`} data-testid="send-state">
            {t(`conversations.state.${o.state}`)}
          </span>
          {o.errorCode && (
            <span className="muted" title={o.errorCode}>
              {' '}
              {isKnownCode(o.errorCode)
                ? codeText(lang, o.errorCode)
                : t('conversations.failedCode', { code: o.errorCode })}
            </span>
          )}
          {o.state === 'failed' && (
            <button
              type="button"
              className="link-button small"
              onClick={() =>
                void api
                  .DELETE('/api/robots/{robot_id}/outgoing/{outgoing_id}', {
                    params: { path: { robot_id: robotId, outgoing_id: o.id } },
                  })
                  .then(onChange)
              }
            >
              {' '}
              {t('conversations.dismiss')}
            </button>
          )}
        </div>
      </div>
    </article>
  );
}

/** The members of a group for the @ picker: the directory's members API, else the senders seen in the thread. */
async function loadMembers(robotId: number, chatId: string, q: string, thread: ThreadMessage[]): Promise<Member[]> {
  const seen = new Map<string, Member>();
  for (const m of thread)
    if (!m.isSelf && m.senderWxid) seen.set(m.senderWxid, { wxid: m.senderWxid, name: m.senderName ?? m.senderWxid });
  const fallback = () =>
    [...seen.values()].filter((m) => !q || m.name.toLowerCase().includes(q.toLowerCase()) || m.wxid.includes(q));
  try {
    const res = await api.GET('/api/robots/{robot_id}/groups/{chat_id}/members', {
      params: { path: { robot_id: robotId, chat_id: chatId }, query: { q: q || undefined, limit: 50 } },
    });
    if (!res.response.ok || !res.data) return fallback();
    const members = res.data.items.map((m) => ({ wxid: m.wxid, name: m.name ?? m.nickname ?? m.wxid }));
    // a group the directory has not synced yet: the senders seen in the thread
    return members.length ? members : fallback();
  } catch {
    return fallback();
  }
}

function SendBox({
  robotId,
  chatId,
  isGroup,
  thread,
  onSent,
}: {
  robotId: number;
  chatId: string;
  isGroup: boolean;
  thread: ThreadMessage[];
  onSent: () => void;
}) {
  const { t } = useI18n();
  const [type, setType] = useState<'text' | 'image' | 'file'>('text');
  const [text, setText] = useState('');
  const [url, setUrl] = useState('');
  const [fileName, setFileName] = useState('');
  const [ats, setAts] = useState<Member[]>([]);
  const [picking, setPicking] = useState(false);
  const [who, setWho] = useState('');
  const [members, setMembers] = useState<Member[]>([]);
  const [sending, setSending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const threadRef = useRef(thread);
  threadRef.current = thread;

  useEffect(() => {
    if (!picking) return;
    let gone = false;
    const timer = setTimeout(() => {
      void loadMembers(robotId, chatId, who.trim(), threadRef.current).then((m) => !gone && setMembers(m));
    }, 150);
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [picking, who, robotId, chatId]);

  const pick = (m: Member) => {
    setAts((a) => (a.some((x) => x.wxid === m.wxid) ? a : [...a, m]));
    // WeChat shows a mention as "@name" followed by a four-per-em space
    setText((s) => `${s.replace(/@$/, '')}@${m.name}\u2005`);
    setPicking(false);
    setWho('');
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === '@' && isGroup) setPicking(true);
    if (e.key === 'Escape') setPicking(false);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body =
      type === 'text'
        ? {
            type,
            toWxid: chatId,
            content: text,
            // only the members still named in the text are mentioned
            ...(ats.some((a) => text.includes(`@${a.name}`))
              ? { ats: ats.filter((a) => text.includes(`@${a.name}`)).map((a) => a.wxid) }
              : {}),
          }
        : type === 'image'
          ? { type, toWxid: chatId, imageUrl: url }
          : { type, toWxid: chatId, fileUrl: url, fileName };
    setSending(type === 'text' ? text : type === 'image' ? url : fileName);
    try {
      await call(api.POST('/api/robots/{robot_id}/messages', { params: { path: { robot_id: robotId } }, body }));
      setText('');
      setUrl('');
      setFileName('');
      setAts([]);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSending(null);
      onSent();
    }
  };

  const canSend =
    type === 'text' ? text.trim() !== '' : url.trim() !== '' && (type === 'image' || fileName.trim() !== '');
  return (
    <form className="send-box" aria-label={t('conversations.sendBox')} onSubmit={(e) => void submit(e)}>
      {sending !== null && (
        <div className="bubble-row mine" data-testid="sending">
          <div className="bubble outgoing queued">
            <div className="bubble-text">{sending}</div>
            <span className="badge badge-wait small" data-testid="send-state">
              {t('conversations.state.queued')}
            </span>
          </div>
        </div>
      )}
      <div className="send-row">
        <label className="field send-type">
          <span>{t('conversations.type')}</span>
          <select value={type} onChange={(e) => setType(e.target.value as typeof type)}>
            <option value="text">{t('conversations.typeText')}</option>
            <option value="image">{t('conversations.typeImage')}</option>
            <option value="file">{t('conversations.typeFile')}</option>
          </select>
        </label>
        {type === 'text' ? (
          <label className="field send-text">
            <span>{t('conversations.text')}</span>
            <textarea
              value={text}
              rows={2}
              placeholder={t('conversations.textHint')}
              onKeyDown={onKey}
              onChange={(e) => setText(e.target.value)}
            />
          </label>
        ) : (
          <>
            <label className="field send-text">
              <span>{t('conversations.url')}</span>
              <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} />
            </label>
            {type === 'file' && (
              <label className="field">
                <span>{t('conversations.fileName')}</span>
                <input value={fileName} onChange={(e) => setFileName(e.target.value)} />
              </label>
            )}
          </>
        )}
        <div className="send-actions">
          {type === 'text' && isGroup && (
            <button
              type="button"
              className="button small"
              aria-expanded={picking}
              onClick={() => setPicking((p) => !p)}
            >
              {t('conversations.mention')}
            </button>
          )}
          <button type="submit" className="button primary" disabled={!canSend || sending !== null}>
            {sending !== null ? t('conversations.sending') : t('conversations.send')}
          </button>
        </div>
      </div>
      {picking && (
        <div className="mention-picker card">
          <input
            type="search"
            autoFocus
            aria-label={t('conversations.mentionSearch')}
            placeholder={t('conversations.mentionSearch')}
            value={who}
            onChange={(e) => setWho(e.target.value)}
          />
          <ul role="listbox" aria-label={t('conversations.mentionSearch')}>
            {members.length === 0 && <li className="muted small">{t('conversations.mentionNone')}</li>}
            {members.map((m) => (
              <li key={m.wxid} role="option" aria-selected={false}>
                <button type="button" className="link-button" title={m.wxid} onClick={() => pick(m)}>
                  {m.name}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {ats.length > 0 && (
        <p className="muted small" data-testid="mentions">
          {t('conversations.mentioned', { names: ats.map((a) => a.name).join('、') })}{' '}
          <button type="button" className="link-button" onClick={() => setAts([])}>
            {t('conversations.clearMentions')}
          </button>
        </p>
      )}
      {error && (
        <p className="bad small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
