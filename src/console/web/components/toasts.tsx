/**
 * Short notices after an action ("Topic orders created") and errors that belong to no form. They
 * are announced to screen readers (role=status / alert) and go away after a few seconds.
 */
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useRef, useState } from 'preact/hooks';

export type Notify = (message: string, kind?: 'ok' | 'error') => void;

interface Toast {
  readonly id: number;
  readonly message: string;
  readonly kind: 'ok' | 'error';
}

const NotifyContext = createContext<Notify>(() => undefined);

export function useNotify(): Notify {
  return useContext(NotifyContext);
}

export function ToastProvider({ children }: { readonly children: ComponentChildren }) {
  const [toasts, setToasts] = useState<readonly Toast[]>([]);
  const nextId = useRef(0);
  const notify = useCallback<Notify>((message, kind = 'ok') => {
    const id = nextId.current++;
    setToasts((list) => [...list, { id, message, kind }]);
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);
  return (
    <NotifyContext.Provider value={notify}>
      {children}
      <div class="toasts">
        {toasts.map((t) => (
          <div key={t.id} class={`toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
            {t.message}
          </div>
        ))}
      </div>
    </NotifyContext.Provider>
  );
}
