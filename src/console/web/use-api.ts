/**
 * Loading API data into a page: the answer, the error to show, and a reload. With refreshMs the
 * data is polled (overview, group lag); a poll that fails keeps the last data and shows the error.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiRoute, ResponseOf } from '../api-types.ts';
import { api, type RequestArgs } from './api-client.ts';

export interface ApiState<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  readonly reload: () => Promise<void>;
}

export function useApi<R extends ApiRoute>(
  route: R,
  args: RequestArgs<R>,
  options: { readonly refreshMs?: number; readonly enabled?: boolean } = {},
): ApiState<ResponseOf<R>> {
  const [data, setData] = useState<ResponseOf<R> | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const key = `${route} ${JSON.stringify(args)}`;
  // Only the newest request may set state: an older one answering late must not overwrite it.
  const generation = useRef(0);
  const enabled = options.enabled ?? true;

  const load = useCallback(async () => {
    if (!enabled) return;
    const mine = ++generation.current;
    setLoading(true);
    try {
      const answer = await api(route, ...args);
      if (mine !== generation.current) return;
      setData(answer);
      setError(undefined);
    } catch (e) {
      if (mine !== generation.current) return;
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [key, enabled]);

  useEffect(() => {
    setData(undefined);
    void load();
  }, [load]);

  useEffect(() => {
    if (options.refreshMs === undefined || !enabled) return;
    const timer = setInterval(() => void load(), options.refreshMs);
    return () => clearInterval(timer);
  }, [load, options.refreshMs]);

  return { data, error, loading, reload: load };
}
