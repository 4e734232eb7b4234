import { createContext, type ComponentChildren } from 'preact';
import { useContext, useMemo, useState } from 'preact/hooks';
import type { TesseraClient } from '../../sdk/index.js';
import { clientFor, loadSession, saveSession, type Session } from './api.js';

interface SessionState {
  session: Session | null;
  setSession: (s: Session | null) => void;
  /** The typed API client for the session (renews a partner's token when due). */
  api: () => Promise<TesseraClient>;
}

const Context = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [session, set] = useState<Session | null>(loadSession());
  const state = useMemo<SessionState>(
    () => ({
      session,
      setSession: (s) => {
        saveSession(s);
        set(s);
      },
      api: () => {
        if (!session) return Promise.reject(new Error('Connect with an API key or partner credentials first.'));
        return clientFor(session, set);
      },
    }),
    [session],
  );
  return <Context.Provider value={state}>{children}</Context.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(Context);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** What the credential may see: operators (API keys) get the operations console, partners the developer portal. */
export function roleOf(session: Session | null): 'none' | 'partner' | 'operator' {
  if (!session) return 'none';
  return session.kind === 'partner' ? 'partner' : 'operator';
}
