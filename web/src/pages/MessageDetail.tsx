import { Fragment, useState } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { CopyButton } from '../components/CopyButton';
import { Dialog } from '../components/Dialog';
import { ErrorAlert } from '../components/Notice';
import { SentByNote } from '../components/SentBy';
import { DownloadButton, formatSize, StoredImage } from '../components/StoredFile';
import { formatTime, prettyJson } from '../format';
import { isKnownCode, useI18n, type MessageKey } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import { kindLabel } from '../kinds';
import { Named } from '../components/Named';
import { chatSettingsHref } from './ChatSettings';

type Outcome = Schemas['HandlerOutcomeDto'];
export type StoredFileDto = Schemas['FileResponseDto'];

const OUTCOME_LABEL: Record<string, MessageKey> = {
  ok: 'outcome.ok',
  stopped: 'outcome.stopped',
  error: 'outcome.error',
  timeout: 'outcome.timeout',
  interrupted: 'outcome.interrupted',
};
const OUTCOME_TONE: Record<string, string> = {
  ok: 'badge-ok',
  stopped: 'badge-ok',
  error: 'badge-bad',
  timeout: 'badge-bad',
  interrupted: 'badge-wait',
};
const FILE_TONE: Record<StoredFileDto['status'], string> = {
  pending: 'badge-wait',
  downloading: 'badge-wait',
  done: 'badge-ok',
  failed: 'badge-bad',
};

const NOTE_KEYS = new Set([
  'model',
  'backend',
  'tokens',
  'promptTokens',
  'completionTokens',
  'latencyMs',
  'error',
  'code',
  'status',
  'retries',
  'fallback',
]);

/** One note's value as shown: a known message code in words, a duration in ms, anything else as data. */
function NoteValue({ name, value, note }: { name: string; value: unknown; note: Record<string, unknown> }) {
  const { tc } = useI18n();
  if ((name === 'code' || name === 'errorCode') && isKnownCode(value))
    return (
      <span>
        {/* the note's other fields are the code's params (an endpoint, a reason) */}
        {tc(value, note as Parameters<typeof tc>[1])} <code className="muted small">{value}</code>
      </span>
    );
  if (name.endsWith('Ms') && typeof value === 'number') return <span>{value} ms</span>;
  if (typeof value === 'number' || typeof value === 'boolean') return <span>{String(value)}</span>;
  return (
    <code translate="no" className="note-value">
      {typeof value === 'string' ? value : JSON.stringify(value)}
    </code>
  );
}

/** What a handler (or its deferred work) noted with ctx.note: one small key/value table per note. */
export function NotesTable({ notes }: { notes: Record<string, unknown>[] }) {
  const { t } = useI18n();
  return (
    <div className="notes" data-testid="outcome-notes">
      {notes.map((note, i) => (
        <table key={i} className="table compact notes-table" aria-label={t('detail.notes')}>
          <thead>
            <tr>
              <th scope="col">{t('detail.noteKey')}</th>
              <th scope="col">{t('detail.noteValue')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(note).map(([k, v]) => (
              <tr key={k} data-note={k}>
                <th scope="row">{NOTE_KEYS.has(k) ? t(`note.${k}` as MessageKey) : <code>{k}</code>}</th>
                <td>
                  <NoteValue name={k} value={v} note={note} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

function OutcomeRows({ o, index }: { o: Partial<Outcome>; index: number }) {
  const { t } = useI18n();
  const own = o.deferred && o.handler?.includes('/') ? o.handler.slice(o.handler.indexOf('/') + 1) : null;
  return (
    <>
      <tr
        key={`o${index}`}
        data-plugin={o.plugin}
        data-handler={o.handler}
        data-status={o.status}
        data-deferred={o.deferred ? 'true' : undefined}
        className={o.deferred ? 'deferred-row' : undefined}
      >
        <th scope="row" data-label={t('detail.plugin')}>
          {o.plugin ?? '—'}
        </th>
        <td data-label={t('detail.handler')}>
          {o.deferred ? (
            <>
              <span className="tag" title={t('detail.deferredHint')}>
                {t('detail.deferred')}
              </span>{' '}
              {own ?? o.handler ?? '—'}
            </>
          ) : (
            (o.handler ?? '—')
          )}
        </td>
        <td data-label={t('detail.status')}>
          <span className={`badge ${OUTCOME_TONE[o.status ?? ''] ?? 'badge-off'}`}>
            {o.status && OUTCOME_LABEL[o.status] ? t(OUTCOME_LABEL[o.status]!) : o.status}
          </span>
        </td>
        <td data-label={t('detail.duration')}>{o.durationMs === undefined ? '—' : `${o.durationMs} ms`}</td>
        <td data-label={t('detail.error')} className="bad small">
          {/* a timeout's text is ours and the badge says it; a thrown error is the plugin's words (data) */}
          {o.status === 'timeout' ? '' : <span translate="no">{o.error ?? ''}</span>}
        </td>
      </tr>
      {(o.notes?.length || o.notesDropped) && (
        <tr key={`n${index}`} className="notes-row" data-notes-of={o.handler}>
          <td colSpan={5}>
            {o.notes?.length ? <NotesTable notes={o.notes} /> : null}
            {o.notesDropped && <p className="muted small">{t('detail.notesDropped')}</p>}
          </td>
        </tr>
      )}
    </>
  );
}

/**
 * Handler outcomes, each with its notes; `deferred` (the outcomes of work the handlers deferred) are shown under the
 * handler that deferred them (`<handler>/<name>` of the same plugin), the others after the handlers.
 */
export function OutcomeTable({
  outcomes,
  deferred = [],
  testId,
}: {
  outcomes: Partial<Outcome>[];
  deferred?: Partial<Outcome>[];
  testId: string;
}) {
  const { t } = useI18n();
  const under = (o: Partial<Outcome>) =>
    deferred.filter((d) => d.plugin === o.plugin && d.handler?.startsWith(`${o.handler ?? ''}/`));
  const placed = new Set(outcomes.flatMap(under));
  const rest = deferred.filter((d) => !placed.has(d));
  let n = 0;
  return (
    <table className="table compact" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t('detail.plugin')}</th>
          <th scope="col">{t('detail.handler')}</th>
          <th scope="col">{t('detail.status')}</th>
          <th scope="col">{t('detail.duration')}</th>
          <th scope="col">{t('detail.error')}</th>
        </tr>
      </thead>
      <tbody>
        {outcomes.map((o, i) => (
          <Fragment key={i}>
            <OutcomeRows o={o} index={n++} />
            {under(o).map((d, j) => (
              <OutcomeRows key={`d${j}`} o={{ ...d, deferred: true }} index={n++} />
            ))}
          </Fragment>
        ))}
        {rest.map((d, j) => (
          <OutcomeRows key={`r${j}`} o={{ ...d, deferred: true }} index={n++} />
        ))}
      </tbody>
    </table>
  );
}

export function FileStatusBadge({ status }: { status: StoredFileDto['status'] }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${FILE_TONE[status]}`} data-file-status={status}>
      {t(`fileStatus.${status}`)}
    </span>
  );
}

/** The display name of a stored file: the sender's name, else the stored name. */
export function fileName(f: StoredFileDto): string {
  return f.originalName ?? f.filename ?? `${f.kind}-${f.id}`;
}

function FileList({ files }: { files: StoredFileDto[] }) {
  const { t, tc, lang } = useI18n();
  if (!files.length) return <p className="muted">{t('detail.noFiles')}</p>;
  return (
    <ul className="plain file-list" data-testid="message-files">
      {files.map((f) => (
        <li key={f.id} className="file-row">
          {f.status === 'done' && f.filename && f.contentType?.startsWith('image/') && (
            <StoredImage filename={f.filename} alt={t('files.preview', { name: fileName(f) })} />
          )}
          <div>
            <span className="tag">{t(kindLabel(f.kind))}</span> <strong>{fileName(f)}</strong>{' '}
            <FileStatusBadge status={f.status} />
            <div className="muted small">
              {formatSize(f.size)}
              {f.contentType ? ` · ${f.contentType}` : ''}
              {f.status !== 'done' && ` · ${t('files.attempts', { n: f.attempts })}`}
              {f.nextAttemptAt && ` · ${t('files.nextAttempt', { at: formatTime(f.nextAttemptAt, lang) })}`}
            </div>
            {f.error && (
              <div className="bad small" title={f.error}>
                {tc(f.errorCode, f.errorParams)}
              </div>
            )}
          </div>
          {f.status === 'done' && f.filename && <DownloadButton filename={f.filename} name={fileName(f)} />}
        </li>
      ))}
    </ul>
  );
}

function Replay({ id, onDone }: { id: number; onDone: () => void }) {
  const { t } = useI18n();
  const plugins = useLoad(() => call(api.GET('/api/plugins', { params: { query: { limit: 200 } } })));
  const [plugin, setPlugin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Schemas['ReplayResponseDto'] | null>(null);
  const replay = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await call(
        api.POST('/api/messages/{message_id}/replay', {
          params: { path: { message_id: id } },
          body: plugin ? { plugin } : {},
        }),
      );
      setResult(r);
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="replay-title" className="detail-section">
      <h3 id="replay-title">{t('detail.replay')}</h3>
      <div className="form inline replay">
        <label className="field">
          <span>{t('detail.replayPlugin')}</span>
          <select value={plugin} onChange={(e) => setPlugin(e.target.value)}>
            <option value="">{t('detail.replayAll')}</option>
            {plugins.data?.items
              .filter((p) => p.loaded)
              .map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
          </select>
        </label>
        <button type="button" className="button primary" disabled={busy} onClick={() => void replay()}>
          {busy ? t('detail.replayBusy') : t('detail.replay')}
        </button>
      </div>
      <ErrorAlert message={error} />
      {result && (
        <div role="status">
          <p className="ok">
            {result.results.length ? t('detail.replayDone', { n: result.results.length }) : t('detail.replayNone')}
          </p>
          {result.results.length > 0 && <OutcomeTable outcomes={result.results} testId="replay-result" />}
        </div>
      )}
    </section>
  );
}

/** One message: what was received, what the plugins did, its files, the raw callback; replay for admins. */
export function MessageDetailDialog({
  id,
  robotName,
  onClose,
}: {
  id: number;
  robotName: (id: number) => string;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const detail = useLoad(() => call(api.GET('/api/messages/{message_id}', { params: { path: { message_id: id } } })));
  const m = detail.data;
  const yes = (b: boolean) => (b ? t('detail.yes') : t('detail.no'));
  return (
    <Dialog title={t('detail.title', { id })} onClose={onClose} testId="message-detail" wide>
      <LoadState {...detail} loading={detail.loading && !m} />
      {m && (
        <>
          <dl className="facts">
            <div>
              <dt>{t('messages.robot')}</dt>
              <dd>{robotName(m.robotId)}</dd>
            </div>
            <div>
              <dt>{t('messages.kind')}</dt>
              <dd>
                {t(kindLabel(m.kind))} <span className="muted small">({m.typeName})</span>
              </dd>
            </div>
            <div>
              <dt>{t('messages.chat')}</dt>
              <dd>
                {m.isGroup && <span className="tag">{t('messages.group')}</span>}{' '}
                <Named name={m.chatName} id={m.chatId} />
                {m.chatName && m.chatId && <code className="muted small"> {m.chatId}</code>}
                {m.chatId && (
                  <>
                    {' '}
                    <Link href={chatSettingsHref(m.robotId, m.chatId)} className="small">
                      {t('chats.ofThisChat')}
                    </Link>
                  </>
                )}
              </dd>
            </div>
            <div>
              <dt>{t('messages.sender')}</dt>
              <dd>
                <Named name={m.senderName} id={m.senderWxid} />
                {m.senderName && m.senderWxid && <code className="muted small"> {m.senderWxid}</code>}{' '}
                {m.isSelf && <span className="muted small">{t('messages.self')}</span>}
                <SentByNote message={m} />
              </dd>
            </div>
            <div>
              <dt>{t('detail.mentionsSelf')}</dt>
              <dd>{yes(m.mentionsSelf)}</dd>
            </div>
            <div>
              <dt>{t('detail.newMsgId')}</dt>
              <dd>
                <code data-testid="detail-newmsgid">{m.newMsgId ?? '—'}</code>
              </dd>
            </div>
            <div>
              <dt>{t('detail.createTime')}</dt>
              <dd>{m.createTime === null ? '—' : formatTime(new Date(m.createTime * 1000).toISOString(), lang)}</dd>
            </div>
            <div>
              <dt>{t('detail.receivedAt')}</dt>
              <dd>{formatTime(m.receivedAt, lang)}</dd>
            </div>
            <div>
              <dt>{t('detail.requestId')}</dt>
              <dd>
                {m.requestId ? (
                  <>
                    <code>{m.requestId}</code>{' '}
                    {user?.isAdmin && (
                      <Link href={`/logs?requestId=${encodeURIComponent(m.requestId)}`} className="small">
                        {t('detail.requestLogs')}
                      </Link>
                    )}
                  </>
                ) : (
                  '—'
                )}
              </dd>
            </div>
          </dl>
          {m.text && <blockquote className="message-quote">{m.text}</blockquote>}

          <section aria-labelledby="results-title" className="detail-section">
            <h3 id="results-title">{t('detail.results')}</h3>
            {m.results === null && !m.deferredResults?.length ? (
              <p className="muted">{t('detail.notYet')}</p>
            ) : m.results?.length === 0 && !m.deferredResults?.length ? (
              <p className="muted">{t('detail.noResults')}</p>
            ) : (
              <OutcomeTable outcomes={m.results ?? []} deferred={m.deferredResults ?? []} testId="plugin-results" />
            )}
          </section>

          <section aria-labelledby="files-title" className="detail-section">
            <h3 id="files-title">{t('detail.files')}</h3>
            <FileList files={m.files} />
          </section>

          {user?.isAdmin ? (
            <Replay id={m.id} onDone={detail.reload} />
          ) : (
            <p className="muted small">{t('detail.replayAdmin')}</p>
          )}

          <details className="detail-section" open>
            <summary>{t('detail.raw')}</summary>
            <div className="json-actions">
              <CopyButton text={prettyJson(m.raw)} label={t('detail.raw')} />
            </div>
            <pre className="json" data-testid="raw-json" tabIndex={0} aria-label={t('detail.raw')}>
              {prettyJson(m.raw)}
            </pre>
          </details>
          <details className="detail-section">
            <summary>{t('detail.fields')}</summary>
            <pre className="json" tabIndex={0} aria-label={t('detail.fields')}>
              {prettyJson(m.details)}
            </pre>
          </details>
        </>
      )}
    </Dialog>
  );
}
