import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { refreshTokens, tokens, type MessageEvent as MessageLiveEvent, type RobotStatusEvent } from './api/client';

export type LiveEvent =
  | { type: 'robot.status'; data: RobotStatusEvent }
  | { type: 'message'; data: MessageLiveEvent }
  | { type: 'resync'; data: { reason?: string } };
type Listener = (e: LiveEvent) => void;

interface Live {
  connected: boolean;
  subscribe(listener: Listener): () => void;
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
      const es = new EventSource(`/api/events?${q.toString()}`);
      source = es;
      const track = (ev: MessageEvent<string>) => {
        if (ev.lastEventId) lastId = ev.lastEventId;
      };
      es.addEventListener('ready', () => {
        failures = 0;
        setConnected(true);
      });
      es.addEventListener('robot.status', (ev) => {
        track(ev);
        emit({ type: 'robot.status', data: JSON.parse(ev.data) as RobotStatusEvent });
      });
      es.addEventListener('message', (ev) => {
        track(ev);
        emit({ type: 'message', data: JSON.parse(ev.data) as MessageLiveEvent });
      });
      es.addEventListener('resync', (ev) => emit({ type: 'resync', data: JSON.parse(ev.data) as { reason?: string } }));
      es.addEventListener('end', () => reconnect(true));
      // A network blip: EventSource retries by itself. A refused stream (401): it gives up (CLOSED) — refresh.
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) reconnect(true);
        else setConnected(false);
      };
    };

    connect();
    return () => {
      stopped = true;
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
