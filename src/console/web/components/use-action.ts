/**
 * A user's action that asks the server to change something (create, delete, reset, produce):
 * busy while it runs, so its buttons disable and say so, and the server's refusal kept as the
 * message to show, so the dialog or form stays open for another try. A new run clears the last
 * refusal.
 */
import { useState } from 'preact/hooks';

export interface Action<A extends unknown[]> {
  /** Never throws: a failure becomes `error`. */
  readonly run: (...args: A) => Promise<void>;
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly clearError: () => void;
}

export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clearError: () => setError(undefined) };
}
