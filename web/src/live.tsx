import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import {
  type AlertEvent,
  refreshTokens,
  tokens,
  type LogEvent,
  type LogLevel,
  type MessageEvent as MessageLiveEvent,
  type PluginFailureEvent,
  type QueueDepthEvent,
  type RobotStatusEvent,
} from './api/client';

export type LiveEvent =
  | { type: 'robot.status'; data: RobotStatusEvent }
  | { type: 'message'; data: MessageLiveEvent }
  | { type: 'plugin.failure'; data: PluginFailureEvent }
  | { type: 'queue.depth'; data: QueueDepthEvent }
  | { type: 'log'; data: LogEvent }
  | { type: 'alert'; data: AlertEvent }
  | { type: 'resync'; data: { code?: 'EVENTS_UNKNOWN' | 'EVENTS_SKIPPED'; reason?: string } };
type Listener = (e: LiveEvent) => void;

/** The events carried as JSON data, by their SSE name. */
const DATA_EVENTS = ['robot.status', 'message', 'plugin.failure', 'queue.depth', 'log', 'alert'] as const;

export const LOG_LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

interface Live {
  connected: boolean;
  subscribe(listener: Listener): () => void;
  /** Asks the stream for log lines at or above `level` until the returned function is called (admins only). */
  wantLogs(level: LogLevel): () => void;
}

const LiveContext = createContext<Live | null>(null);

/**
 * One EventSource on GET /api/events for the whole console. EventSource cannot send headers, so the access token
 * goes in the query (the service accepts it there on this route only). When the stream ends (token expired,
 * session ended) or fails, the token is refreshed and a new stream resumes after the last event id seen.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<Listener>());
  // The lowest log level some screen wants; the stream is reopened (resuming after its last event) when it changes.
  const logWishes = useRef(new Map<number, LogLevel>());
  const nextWish = useRef(1);
  const [logLevel, setLogLevel] = useState<LogLevel | null>(null);
  const logLevelRef = useRef<LogLevel | null>(null);
  const restart = useRef<() => void>(() => undefined);

  const wantLogs = useRef((level: LogLevel) => {
    const id = nextWish.current++;
    logWishes.current.set(id, level);
    const lowest = () => {
      let low: LogLevel | null = null;
      for (const l of logWishes.current.values())
        if (low === null || LOG_LEVELS.indexOf(l) < LOG_LEVELS.indexOf(low)) low = l;
      return low;
    };
    setLogLevel(lowest());
    return () => {
      logWishes.current.delete(id);
      setLogLevel(lowest());
    };
  });

  useEffect(() => {
    if (logLevelRef.current === logLevel) return;
    logLevelRef.current = logLevel;
    restart.current();
  }, [logLevel]);

  useEffect(() => {
    let source: EventSource | null = null;
    let lastId = '';
    let usedToken: string | null = null;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const emit = (e: LiveEvent) => listeners.current.forEach((l) => l(e));

    const reconnect = (refresh: boolean) => {
      source?.close();
      source = null;
      setConnected(false);
      if (stopped) return;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(failures++, 5));
      retry = setTimeout(() => {
        // the API client may have refreshed the token meanwhile: only refresh when the stream's token is current
        const stale = refresh && tokens.access === usedToken;
        void (stale ? refreshTokens() : Promise.resolve(tokens.access !== null)).then((ok) => {
          if (ok && !stopped) connect();
        });
      }, delay);
    };

    const connect = () => {
      const token = tokens.access;
      if (!token) return;
      usedToken = token;
      const q = new URLSearchParams({ access_token: token });
      if (lastId) q.set('lastEventId', lastId);
      if (logLevelRef.current) q.set('logLevel', logLevelRef.current);
      const es = new EventSource(`/api/events?${q.toString()}`);
      source = es;
      const track = (ev: MessageEvent<string>) => {
        if (ev.lastEventId) lastId = ev.lastEventId;
      };
      es.addEventListener('ready', () => {
        failures = 0;
        setConnected(true);
      });
      for (const type of DATA_EVENTS)
        es.addEventListener(type, (ev) => {
          track(ev);
          emit({ type, data: JSON.parse(ev.data) } as LiveEvent);
        });
      es.addEventListener('resync', (ev) =>
        emit({ type: 'resync', data: JSON.parse(ev.data) as Extract<LiveEvent, { type: 'resync' }>['data'] }),
      );
      es.addEventListener('end', () => reconnect(true));
      // A network blip: EventSource retries by itself. A refused stream (401): it gives up (CLOSED) — refresh.
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) reconnect(true);
        else setConnected(false);
      };
    };

    // a new log level: a new stream at once, resuming after the last event seen
    restart.current = () => {
      if (stopped || !source) return;
      source.close();
      source = null;
      clearTimeout(retry);
      connect();
    };

    connect();
    return () => {
      stopped = true;
      restart.current = () => undefined;
      clearTimeout(retry);
      source?.close();
    };
  }, []);

  const value = useRef<Live>({
    connected: false,
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
    wantLogs: (level) => wantLogs.current(level),
  });
  return <LiveContext.Provider value={{ ...value.current, connected }}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const l = useContext(LiveContext);
  if (!l) throw new Error('useLive outside LiveProvider');
  return l;
}

/** Calls `handler` for every live event while the component is mounted. */
export function useLiveEvents(handler: Listener): void {
  const { subscribe } = useLive();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => subscribe((e) => ref.current(e)), [subscribe]);
}

/** While mounted (and `level` is not null), asks the live stream for log lines at or above `level`. */
export function useLogLevel(level: LogLevel | null): void {
  const { wantLogs } = useLive();
  useEffect(() => (level ? wantLogs(level) : undefined), [wantLogs, level]);
}
