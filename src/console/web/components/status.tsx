/** What a page shows while it loads, when a call failed, and small state badges. */
import type { ComponentChildren } from 'preact';
import { ApiRequestError } from '../api-client.ts';

/**
 * A failed call: a page's load (an Error, with the API's error code) or an action's refusal (its
 * message, see use-action.ts). Nothing while there is no error.
 */
export function ErrorBox({ error, retry }: { readonly error: Error | string | undefined; readonly retry?: () => void }) {
  if (error === undefined) return null;
  const code = error instanceof ApiRequestError ? error.code : undefined;
  return (
    <div class="error-box" role="alert">
      {code !== undefined ? <strong>{code}: </strong> : null}
      {typeof error === 'string' ? error : error.message}
      {retry ? (
        <>
          {' '}
          <button type="button" onClick={retry}>
            Retry
          </button>
        </>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { readonly what: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/** The page body once data is there; the error above it when a (re)load failed. */
export function Loaded<T>(props: {
  readonly state: { readonly data: T | undefined; readonly error: Error | undefined; readonly reload: () => Promise<void> };
  readonly what: string;
  readonly children: (data: T) => ComponentChildren;
}) {
  const { data, error, reload } = props.state;
  return (
    <>
      <ErrorBox error={error} retry={() => void reload()} />
      {data !== undefined ? props.children(data) : error ? null : <Loading what={props.what} />}
    </>
  );
}

export function Badge({ kind, children }: { readonly kind?: 'ok' | 'bad' | 'warn'; readonly children: ComponentChildren }) {
  return <span class={`badge${kind ? ` ${kind}` : ''}`}>{children}</span>;
}

export function StateBadge({ state }: { readonly state: string }) {
  const kind = state === 'Stable' ? 'ok' : state === 'Dead' ? 'bad' : state === 'Empty' ? undefined : 'warn';
  return <Badge kind={kind}>{state}</Badge>;
}
