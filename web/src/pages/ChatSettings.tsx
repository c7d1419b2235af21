import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiCallError, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { ErrorAlert, OkNotice } from '../components/Notice';
import { Pager } from '../components/Pager';
import { SchemaForm } from '../components/SchemaForm';
import { isSchema, serverProblems, type JsonSchema } from '../components/schema-model';
import { useI18n } from '../i18n';
import { Link, usePath } from '../router';
import { useSession } from '../session';

type Chat = Schemas['ChatResponseDto'];
type ChatPlugin = Schemas['ChatPluginResponseDto'];

const CHAT_ID = /^[A-Za-z0-9_@.-]{1,100}$/;
const LIMIT = 50;

/** The chat chosen on the page, kept in the address (`?chat=`) so a reload or a link opens it. */
function chatInUrl(): string | null {
  const v = new URLSearchParams(window.location.search).get('chat');
  return v && CHAT_ID.test(v) ? v : null;
}

function keepChatInUrl(chatId: string | null): void {
  const url = new URL(window.location.href);
  if (chatId) url.searchParams.set('chat', chatId);
  else url.searchParams.delete('chat');
  window.history.replaceState(null, '', `${url.pathname}${url.search}`);
}

/** The link to a chat's settings (from the robot page, the message list and detail). */
export function chatSettingsHref(robotId: number, chatId?: string | null): string {
  return `/chats/${robotId}${chatId ? `?chat=${encodeURIComponent(chatId)}` : ''}`;
}

/** /chats/<robot id>: the robot's chats (searchable), and for the chosen one each plugin's switch and options. */
export function ChatSettingsPage() {
  const { t } = useI18n();
  const robotId = Number(usePath().split('/')[2]);
  const robot = useLoad(() => call(api.GET('/api/robots/{robot_id}', { params: { path: { robot_id: robotId } } })));
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [chatId, setChatId] = useState<string | null>(chatInUrl);
  const chats = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/chats', {
        params: { path: { robot_id: robotId }, query: { q: q.trim() || undefined, page, limit: LIMIT } },
      }),
    ),
  );
  const { reload } = chats;
  useEffect(reload, [q, page, reload]);

  const choose = (id: string | null) => {
    setChatId(id);
    keepChatInUrl(id);
  };
  const chosen = chats.data?.items.find((c) => c.chatId === chatId);

  return (
    <main id="main" className="page" aria-labelledby="chats-title">
      <p>
        <Link href={`/robots/${robotId}`}>{t('chats.back')}</Link>
      </p>
      <h1 id="chats-title">
        {t('chats.title')}
        {robot.data && <span className="muted"> · {robot.data.name}</span>}
      </h1>
      <p className="muted small">{t('chats.hint')}</p>
      <section className="card" aria-label={t('chats.list')}>
        <div className="filters">
          <label className="field">
            <span>{t('chats.search')}</span>
            <input
              type="search"
              value={q}
              placeholder={t('chats.searchHint')}
              autoComplete="off"
              data-testid="chats-search"
              onChange={(e) => {
                setQ(e.target.value);
                setPage(1);
              }}
            />
          </label>
          <OpenById onOpen={choose} />
        </div>
        <LoadState {...chats} loading={chats.loading && !chats.data} />
        {chats.data && chats.data.items.length === 0 && <p className="muted">{t('chats.empty')}</p>}
        {chats.data && chats.data.items.length > 0 && (
          <table className="table" data-testid="chats-table">
            <thead>
              <tr>
                <th scope="col">{t('chats.name')}</th>
                <th scope="col">{t('chats.kind')}</th>
                <th scope="col">{t('chats.last')}</th>
                <th scope="col">{t('chats.count')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('chats.select')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {chats.data.items.map((c) => (
                <ChatRow key={c.chatId} chat={c} current={c.chatId === chatId} onChoose={() => choose(c.chatId)} />
              ))}
            </tbody>
          </table>
        )}
        {chats.data && (
          <Pager page={chats.data.page} limit={chats.data.limit} total={chats.data.total} onPage={setPage} />
        )}
      </section>
      {chatId && (
        <section className="card" aria-labelledby="chat-plugins" data-testid="chat-plugins">
          <h2 id="chat-plugins">
            {t('chats.pluginsOf', { chat: chosen?.name ?? chatId })}{' '}
            {chosen?.name && <code className="small">{chatId}</code>}
          </h2>
          <ChatPlugins key={chatId} robotId={robotId} chatId={chatId} onChanged={chats.reload} />
        </section>
      )}
    </main>
  );
}

function ChatRow({ chat: c, current, onChoose }: { chat: Chat; current: boolean; onChoose: () => void }) {
  const { t } = useI18n();
  return (
    <tr data-testid={`chat-${c.chatId}`} aria-current={current ? 'true' : undefined}>
      <th scope="row" data-label={t('chats.name')}>
        {c.name ?? <span className="muted">{t('chats.unnamed')}</span>}
        <div>
          <code className="small">{c.chatId}</code>
          {c.hasSettings && <span className="tag">{t('chats.hasSettings')}</span>}
        </div>
      </th>
      <td data-label={t('chats.kind')}>{c.isGroup ? t('chats.group') : t('chats.contact')}</td>
      <td data-label={t('chats.last')}>
        {c.lastMessageAt ? new Date(c.lastMessageAt).toLocaleString() : t('chats.noMessages')}
      </td>
      <td data-label={t('chats.count')}>{c.messages}</td>
      <td>
        <button type="button" className="button small" disabled={current} onClick={onChoose}>
          {current ? t('chats.selected') : t('chats.select')}
        </button>
      </td>
    </tr>
  );
}

/** Opens a chat that is not in the list (no message yet) by its id. */
function OpenById({ onOpen }: { onOpen: (chatId: string) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const [bad, setBad] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = value.trim();
    if (!CHAT_ID.test(id)) return setBad(true);
    setBad(false);
    onOpen(id);
  };
  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <label className="field">
        <span>{t('chats.open')}</span>
        <input
          value={value}
          placeholder={t('chats.openHint')}
          autoComplete="off"
          aria-invalid={bad || undefined}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <button type="submit" className="button small">
        {t('chats.openSubmit')}
      </button>
      {bad && (
        <p className="bad small" role="alert">
          {t('chats.badId')}
        </p>
      )}
    </form>
  );
}

/** Each plugin in one chat: the three-way switch, and the chat's options for plugins that declare them. */
function ChatPlugins({ robotId, chatId, onChanged }: { robotId: number; chatId: string; onChanged: () => void }) {
  const { t } = useI18n();
  const list = useLoad(() =>
    call(
      api.GET('/api/robots/{robot_id}/chats/{chat_id}/plugins', {
        params: { path: { robot_id: robotId, chat_id: chatId }, query: { limit: 200 } },
      }),
    ),
  );
  const items = list.data?.items ?? [];
  return (
    <>
      <LoadState {...list} loading={list.loading && !list.data} />
      {list.data && items.length === 0 && <p className="muted">{t('chats.noPlugins')}</p>}
      {items.map((p) => (
        <ChatPluginCard
          key={p.name}
          plugin={p}
          robotId={robotId}
          chatId={chatId}
          onSaved={() => {
            list.reload();
            onChanged();
          }}
        />
      ))}
    </>
  );
}

function ChatPluginCard({
  plugin: p,
  robotId,
  chatId,
  onSaved,
}: {
  plugin: ChatPlugin;
  robotId: number;
  chatId: string;
  onSaved: () => void;
}) {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const admin = !!user?.isAdmin;
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [byPath, setByPath] = useState<Record<string, string[]>>({});
  const schema: JsonSchema | null = isSchema(p.chatConfigSchema) ? (p.chatConfigSchema as JsonSchema) : null;
  const title = p.texts?.[lang]?.title ?? p.name;

  const put = async (body: { enabled?: boolean | null; config?: Record<string, unknown> | null }) => {
    setBusy(true);
    setError(null);
    setSaved(false);
    setByPath({});
    try {
      await call(
        api.PUT('/api/robots/{robot_id}/chats/{chat_id}/plugins/{plugin_name}', {
          params: { path: { robot_id: robotId, chat_id: chatId, plugin_name: p.name } },
          body,
        }),
      );
      setSaved(true);
      onSaved();
    } catch (err) {
      if (err instanceof ApiCallError && schema) {
        const split = serverProblems(schema, err.messages);
        setByPath(split.byPath);
        setError(split.other.join('; ') || null);
      } else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const inheritedState = p.inheritedEnabled ? t('chats.on') : t('chats.off');
  const from = p.robotEnabled === null ? t('chats.inheritFrom.global') : t('chats.inheritFrom.robot');
  const inherited = Object.entries(p.inheritedConfig ?? {});
  return (
    <article className="card subcard" data-testid={`chat-plugin-${p.name}`}>
      <h3>
        {title}
        {title !== p.name && <span className="muted small"> {p.name}</span>}
        {!p.loaded && <span className="tag">{t('chats.notLoaded')}</span>}{' '}
        <span className={`badge badge-${p.enabled ? 'ok' : 'off'}`} data-testid="chat-plugin-effective">
          {t('chats.effective')}: {p.enabled ? t('chats.on') : t('chats.off')}
        </span>
      </h3>
      <label className="field">
        <span>{t('chats.switch')}</span>
        <select
          aria-label={`${t('chats.switch')}: ${p.name}`}
          data-testid="chat-plugin-switch"
          disabled={!admin || busy}
          value={p.chatEnabled === null ? 'inherit' : p.chatEnabled ? 'on' : 'off'}
          onChange={(e) =>
            void put({ enabled: e.target.value === 'on' ? true : e.target.value === 'off' ? false : null })
          }
        >
          <option value="inherit">{t('chats.inherit', { state: inheritedState, from })}</option>
          <option value="on">{t('chats.on')}</option>
          <option value="off">{t('chats.off')}</option>
        </select>
      </label>
      {!admin && <p className="muted small">{t('chats.readOnly')}</p>}
      {schema && (
        <div data-testid="chat-plugin-options">
          <h4>{t('chats.options')}</h4>
          <p className="muted small">{p.config ? t('chats.optionsOwn') : t('chats.optionsNone')}</p>
          {inherited.length > 0 && (
            <p className="muted small">
              {t('chats.optionsHint')}{' '}
              {inherited.map(([k, v]) => (
                <span key={k}>
                  <code>{k}</code> = <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>{' '}
                </span>
              ))}
            </p>
          )}
          <SchemaForm
            key={JSON.stringify(p.config)}
            schema={schema}
            value={p.config ?? {}}
            readOnly={!admin}
            serverErrors={byPath}
            onSubmit={(v) => void put({ config: v })}
            submitLabel={t('chats.saveOptions')}
            busy={busy}
            testId={`chat-config-form-${p.name}`}
          />
          {admin && p.config !== null && (
            <p>
              <button
                type="button"
                className="button"
                disabled={busy}
                data-testid="chat-plugin-reset"
                onClick={() => void put({ config: null })}
              >
                {t('chats.resetOptions')}
              </button>
            </p>
          )}
        </div>
      )}
      <ErrorAlert message={error} />
      {saved && <OkNotice message={t('chats.saved')} />}
    </article>
  );
}
