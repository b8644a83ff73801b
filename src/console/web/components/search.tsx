/**
 * A list's search box (`/` focuses it, see app.tsx): the rows whose text contains what was typed,
 * ignoring case and the ends' spaces. It filters in the browser, so each keystroke answers at once
 * even over 10,000 topics.
 */
import type { CSSProperties } from 'preact';
import { useMemo, useState } from 'preact/hooks';

export interface Search<T> {
  readonly search: string;
  readonly setSearch: (search: string) => void;
  /** The rows that match, in their order. */
  readonly shown: readonly T[];
}

/** `text` gives what a row is found by: one string, or several (a row matches when one does). */
export function useSearch<T>(rows: readonly T[] | undefined, text: (row: T) => string | readonly string[]): Search<T> {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = useMemo(() => {
    const all = rows ?? [];
    if (needle === '') return all;
    return all.filter((row) => {
      const found = text(row);
      return typeof found === 'string' ? found.toLowerCase().includes(needle) : found.some((t) => t.toLowerCase().includes(needle));
    });
  }, [rows, needle]);
  return { search, setSearch, shown };
}

export function SearchBox<T>(props: {
  readonly search: Search<T>;
  readonly placeholder: string;
  readonly label: string;
  /** By default 320px wide; `{}` leaves the width to the browser's own. */
  readonly style?: CSSProperties;
}) {
  return (
    <input
      type="search"
      placeholder={props.placeholder}
      aria-label={props.label}
      value={props.search.search}
      onInput={(e) => props.search.setSearch(e.currentTarget.value)}
      data-search
      style={props.style ?? { width: '320px' }}
    />
  );
}
