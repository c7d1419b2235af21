import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, call, onTokensChange, tokens, type User } from './api/client';

interface Session {
  user: User | null;
  /** true until the first GET /api/auth/me answered (or there were no tokens). */
  checking: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [checking, setChecking] = useState(() => tokens.access !== null);

  useEffect(() => {
    if (tokens.access)
      call(api.GET('/api/auth/me'))
        .then(setUser, () => tokens.clear())
        .finally(() => setChecking(false));
    // tokens cleared elsewhere (a refresh that failed, another tab logging out): back to the login screen
    const off = onTokensChange(() => {
      if (!tokens.access) setUser(null);
    });
    const onStorage = (e: StorageEvent) => {
      if (e.key === 'og.accessToken' && !e.newValue) setUser(null);
    };
    window.addEventListener('storage', onStorage);
    return () => {
      off();
      window.removeEventListener('storage', onStorage);
    };
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const res = await call(api.POST('/api/auth/login', { body: { username, password } }));
    tokens.set(res.accessToken, res.refreshToken);
    setUser(res.user);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.POST('/api/auth/logout');
    } finally {
      tokens.clear();
      setUser(null);
    }
  }, []);

  return <SessionContext.Provider value={{ user, checking, login, logout }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
