import { useEffect, useState } from 'react';
import { api, call, type Schemas } from '../api/client';
import { LoadState, useLoad } from '../components/Async';
import { Pager } from '../components/Pager';
import { formatTime } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { useRobots } from '../robots';

type PluginRecord = Schemas['PluginRecordResponseDto'];

const LIMIT = 20;

/**
 * The plugin page's records (ctx.records): one tab per kind the plugin has records of, a table of them newest first
 * (time, robot, chat, the data as key/values), paged with the API's `before` cursor.
 */
export function PluginRecordsSection({ plugin }: { plugin: string }) {
  const { t } = useI18n();
  const kinds = useLoad(() =>
    call(api.GET('/api/plugins/{plugin_name}/records/kinds', { params: { path: { plugin_name: plugin } } })),
  );
  const [chosen, setChosen] = useState<string | null>(null);
  const items = kinds.data?.items ?? [];
  const kind = chosen !== null && items.some((k) => k.kind === chosen) ? chosen : (items[0]?.kind ?? null);
  const count = items.find((k) => k.kind === kind)?.count ?? 0;

  return (
    <section className="card" aria-labelledby="plugin-records">
      <div className="page-head">
        <h2 id="plugin-records">{t('plugins.records')}</h2>
        <button type="button" className="button small" onClick={kinds.reload}>
          {t('plugins.recordsRefresh')}
        </button>
      </div>
      <p className="muted small">{t('plugins.recordsHint')}</p>
      <LoadState {...kinds} loading={kinds.loading && !kinds.data} />
      {kinds.data && items.length === 0 && <p className="muted">{t('plugins.recordsNone')}</p>}
      {items.length > 0 && kind !== null && (
        <>
          <div className="tabs" role="tablist" aria-label={t('plugins.recordKinds')}>
            {items.map((k) => (
              <button
                key={k.kind}
                type="button"
                role="tab"
                id={`records-tab-${k.kind}`}
                aria-selected={k.kind === kind}
                aria-controls="records-panel"
                className={`tab${k.kind === kind ? ' active' : ''}`}
                onClick={() => setChosen(k.kind)}
              >
                {k.kind} <span className="muted small">({k.count})</span>
              </button>
            ))}
          </div>
          <div role="tabpanel" id="records-panel" aria-labelledby={`records-tab-${kind}`}>
            <RecordsTable key={`${kind}:${count}`} plugin={plugin} kind={kind} count={count} />
          </div>
        </>
      )}
    </section>
  );
}

function RecordsTable({ plugin, kind, count }: { plugin: string; kind: string; count: number }) {
  const { t, lang } = useI18n();
  const { robotName } = useRobots();
  // cursors[i] is the `before` of page i + 1 (undefined: the newest)
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const page = cursors.length;
  const before = cursors[cursors.length - 1];
  const records = useLoad(() =>
    call(
      api.GET('/api/plugins/{plugin_name}/records', {
        params: { path: { plugin_name: plugin }, query: { kind, limit: LIMIT, before } },
      }),
    ),
  );
  const { reload } = records;
  useEffect(reload, [reload, before]);

  const go = (to: number) => {
    if (to < page) setCursors((c) => c.slice(0, to));
    else if (records.data?.nextBefore) {
      const next = records.data.nextBefore;
      setCursors((c) => [...c, next]);
    }
  };

  const rows = records.data?.items ?? [];
  return (
    <>
      <LoadState {...records} loading={records.loading && !records.data} />
      {rows.length > 0 && (
        <table className="table" data-testid="plugin-records">
          <thead>
            <tr>
              <th scope="col">{t('plugins.recordTime')}</th>
              <th scope="col">{t('plugins.recordRobot')}</th>
              <th scope="col">{t('plugins.recordChat')}</th>
              <th scope="col">{t('plugins.recordData')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td data-label={t('plugins.recordTime')}>{formatTime(r.createdAt, lang)}</td>
                <td data-label={t('plugins.recordRobot')}>
                  {r.robotId === null ? (
                    <span className="muted">—</span>
                  ) : (
                    <Link href={`/robots/${r.robotId}`}>{robotName(r.robotId)}</Link>
                  )}
                </td>
                <td data-label={t('plugins.recordChat')}>
                  {r.chatId === null ? <span className="muted">—</span> : <code>{r.chatId}</code>}
                </td>
                <td data-label={t('plugins.recordData')}>
                  <RecordData record={r} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={page} limit={LIMIT} total={Math.max(count, (page - 1) * LIMIT + rows.length)} onPage={go} />
    </>
  );
}

const MAX_SHOWN = 300;

/** A record's data as key/values; a value that is not text as compact JSON, long ones cut (the whole in a tooltip). */
function RecordData({ record }: { record: PluginRecord }) {
  const entries = Object.entries(record.data);
  if (entries.length === 0) return <span className="muted">{'{}'}</span>;
  return (
    <dl className="record-data" translate="no">
      {entries.map(([k, v]) => {
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
        return (
          <div key={k}>
            <dt>{k}</dt>
            <dd title={shown === text ? undefined : text}>{typeof v === 'string' ? shown : <code>{shown}</code>}</dd>
          </div>
        );
      })}
    </dl>
  );
}
