/**
 * The live tail: Server-Sent Events from GET /api/topics/:topic/tail. Messages arrive in order and
 * are handed on in small batches (one render per animation frame, not per message), so a busy topic
 * does not make the page re-render thousands of times a second.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError, Message, TailEvents, TailQuery } from '../../api-types.ts';
import { routeUrl } from '../api-client.ts';

export type TailStatus = 'off' | 'connecting' | 'live' | 'failed';

export function useTail(
  topic: string,
  query: TailQuery | undefined,
  onMessages: (messages: readonly Message[]) => void,
): { status: TailStatus; error: string | undefined } {
  const [status, setStatus] = useState<TailStatus>('off');
  const [error, setError] = useState<string | undefined>(undefined);
  const deliver = useRef(onMessages);
  deliver.current = onMessages;
  const key = query === undefined ? undefined : JSON.stringify(query);

  useEffect(() => {
    if (query === undefined) {
      setStatus('off');
      return;
    }
    setStatus('connecting');
    setError(undefined);
    const source = new EventSource(routeUrl('GET /api/topics/:topic/tail', { topic }, query));
    let pending: Message[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      deliver.current(batch);
    };
    source.addEventListener('ready', () => setStatus('live'));
    source.addEventListener('message', (event) => {
      pending.push(JSON.parse(event.data as string) as TailEvents['message']);
      if (frame === 0) frame = requestAnimationFrame(flush);
    });
    source.addEventListener('error', (event) => {
      // A named `error` event carries the server's ApiError; a bare one is the connection failing.
      if (event instanceof MessageEvent && typeof event.data === 'string') {
        const apiError = JSON.parse(event.data) as ApiError;
        setError(`${apiError.code}: ${apiError.message}`);
        setStatus('failed');
        source.close();
      } else if (source.readyState === EventSource.CLOSED) {
        setError('The tail connection closed');
        setStatus('failed');
      } else {
        setStatus('connecting'); // EventSource reconnects by itself
      }
    });
    return () => {
      source.close();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [topic, key]);

  return { status, error };
}
