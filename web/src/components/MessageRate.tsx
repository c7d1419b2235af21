import { useEffect, useRef } from 'react';
import { api, call, type Schemas } from '../api/client';
import { useI18n } from '../i18n';
import { useLiveEvents } from '../live';
import { LoadState, useLoad } from './Async';

type Rate = Schemas['MessageRateResponseDto'];
const MINUTES = 30;
const W = 300;
const H = 64;

/**
 * Messages per minute over the last half hour, as a small bar chart from GET /api/messages/rate: loaded again a
 * second after live messages arrive, and every 30 s (which also moves the window on).
 */
export function MessageRate() {
  const { t } = useI18n();
  const rate = useLoad(() => call(api.GET('/api/messages/rate', { params: { query: { minutes: MINUTES } } })));
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const timer = setInterval(rate.reload, 30_000);
    return () => {
      clearInterval(timer);
      clearTimeout(pending.current);
    };
  }, [rate.reload]);
  // new messages: count again a second later (one query however many arrive meanwhile)
  useLiveEvents((e) => {
    if ((e.type === 'message' || e.type === 'resync') && pending.current === undefined)
      pending.current = setTimeout(() => {
        pending.current = undefined;
        rate.reload();
      }, 1000);
  });

  const shown: Rate | undefined = rate.data;
  const buckets = shown?.buckets ?? [];
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const total = buckets.reduce((n, b) => n + b.count, 0);
  const now = buckets.at(-1)?.count ?? 0;
  const bar = W / Math.max(1, buckets.length);

  return (
    <>
      <LoadState {...rate} loading={rate.loading && !rate.data} />
      {shown && (
        <>
          <svg
            className="rate-chart"
            viewBox={`0 0 ${W} ${H}`}
            preserveAspectRatio="none"
            role="img"
            aria-label={t('rate.chart', { minutes: MINUTES, max: Math.max(...buckets.map((b) => b.count), 0) })}
            data-testid="rate-chart"
          >
            <line x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} className="rate-axis" />
            {buckets.map((b, i) => {
              const h = b.count === 0 ? 0 : Math.max(2, (b.count / max) * (H - 4));
              return (
                <rect key={b.at} x={i * bar + 1} y={H - h} width={Math.max(1, bar - 2)} height={h} className="rate-bar">
                  <title>{`${new Date(b.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${b.count}`}</title>
                </rect>
              );
            })}
          </svg>
          <p className="muted small" data-testid="rate-summary">
            {t('rate.summary', { minutes: MINUTES, total, now })}
          </p>
        </>
      )}
    </>
  );
}
