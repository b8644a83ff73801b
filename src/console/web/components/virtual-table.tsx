/**
 * A table that stays fast with 10,000 topics or a 100,000-message scroll: rows have one fixed
 * height and only those in view (plus a few) are in the DOM. The header sticks; headers with a
 * compare function sort. Keyboard: the table is one tab stop; arrows, Page Up/Down, Home and End
 * move the selected row, Enter opens it (as a click does).
 */
import type { ComponentChild } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useFixedRowVirtualizer } from './use-virtualizer.ts';

export interface Column<T> {
  readonly key: string;
  readonly header: string;
  /** A CSS grid track: '2fr', '120px', 'minmax(80px, 1fr)'. */
  readonly width?: string;
  readonly align?: 'left' | 'right';
  readonly render: (row: T) => ComponentChild;
  readonly compare?: (a: T, b: T) => number;
}

export interface VirtualTableProps<T> {
  readonly label: string;
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly onOpen?: (row: T) => void;
  readonly rowHeight?: number;
  /** CSS height of the scroll box; the table scrolls inside it. */
  readonly height?: string;
  readonly empty?: string;
  /** Keep the last row in view as rows are appended, while the user is at the end (live tail). */
  readonly followEnd?: boolean;
  /** Each new value scrolls to the last row (a list read "from the end" opens at its newest). */
  readonly scrollToEndToken?: number;
  /** Called when the last rows come into view: the next page loads as the user scrolls on. */
  readonly onEndReached?: () => void;
  readonly testId?: string;
}

const HEADER_HEIGHT = 34;

interface Sort {
  readonly key: string;
  readonly descending: boolean;
}

export function VirtualTable<T>(props: VirtualTableProps<T>) {
  const { rows, columns, rowKey, onOpen, rowHeight = 32, height = '60vh' } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [sort, setSort] = useState<Sort | undefined>(undefined);
  const [selected, setSelected] = useState(-1);

  const sorted = useMemo(() => {
    const column = sort && columns.find((c) => c.key === sort.key);
    if (!sort || !column?.compare) return rows;
    const copy = [...rows].sort(column.compare);
    return sort.descending ? copy.reverse() : copy;
  }, [rows, columns, sort]);

  const virtualizer = useFixedRowVirtualizer({
    count: sorted.length,
    rowHeight,
    headerHeight: HEADER_HEIGHT,
    getScrollElement: () => scrollRef.current,
  });

  const atEnd = useRef(true);
  useEffect(() => {
    if (props.followEnd && atEnd.current && sorted.length > 0) virtualizer.scrollToIndex(sorted.length - 1, { align: 'end' });
  }, [sorted.length, props.followEnd]);

  useEffect(() => {
    if (props.scrollToEndToken !== undefined && sorted.length > 0) virtualizer.scrollToIndex(sorted.length - 1, { align: 'end' });
  }, [props.scrollToEndToken]);

  const items = virtualizer.getVirtualItems();
  const lastRendered = items.length > 0 ? items[items.length - 1]!.index : -1;
  useEffect(() => {
    // The rendered range includes the overscan, so this fires a few rows before the very end.
    if (props.onEndReached && sorted.length > 0 && lastRendered >= sorted.length - 1) props.onEndReached();
  }, [lastRendered, sorted.length, props.onEndReached !== undefined]);

  const template = columns.map((c) => c.width ?? '1fr').join(' ');
  const select = (index: number) => {
    const clamped = Math.max(0, Math.min(sorted.length - 1, index));
    setSelected(clamped);
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const el = scrollRef.current;
    if (!el || event.target !== el || sorted.length === 0) return;
    const page = Math.max(1, Math.floor((el.clientHeight - HEADER_HEIGHT) / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: selected + 1,
      ArrowUp: selected - 1,
      PageDown: selected + page,
      PageUp: selected - page,
      Home: 0,
      End: sorted.length - 1,
    };
    const next = moves[event.key];
    if (next !== undefined) {
      event.preventDefault();
      select(next);
    } else if (event.key === 'Enter' && selected >= 0 && onOpen) {
      event.preventDefault();
      const row = sorted[selected];
      if (row !== undefined) onOpen(row);
    }
  };

  const onScroll = () => {
    const el = scrollRef.current;
    if (el) atEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight;
  };

  const toggleSort = (key: string) =>
    setSort((current) => (current?.key === key ? { key, descending: !current.descending } : { key, descending: false }));

  const idPrefix = `vt-${props.testId ?? props.label.replace(/\W+/g, '-')}`;
  const selectedRow = sorted[selected];
  return (
    <div
      ref={scrollRef}
      class="vtable"
      style={{ height: props.height ?? height }}
      role="grid"
      aria-label={props.label}
      aria-rowcount={sorted.length + 1}
      aria-activedescendant={selectedRow !== undefined ? `${idPrefix}-${selected}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onScroll={onScroll}
      data-testid={props.testId}
      data-row-count={sorted.length}
    >
      <div class="vtable-header" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, height: `${HEADER_HEIGHT}px` }}>
        {columns.map((column) => (
          <div
            key={column.key}
            class={`vtable-cell${column.align === 'right' ? ' right' : ''}`}
            role="columnheader"
            aria-sort={sort?.key === column.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
          >
            {column.compare ? (
              <button type="button" onClick={() => toggleSort(column.key)}>
                {column.header}
                {sort?.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
              </button>
            ) : (
              column.header
            )}
          </div>
        ))}
      </div>
      {sorted.length === 0 ? (
        <div class="vtable-empty">{props.empty ?? 'Nothing to show.'}</div>
      ) : (
        <div class="vtable-body" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {items.map((item) => {
            const row = sorted[item.index]!;
            return (
              <div
                key={rowKey(row)}
                id={`${idPrefix}-${item.index}`}
                class={`vtable-row${onOpen ? ' clickable' : ''}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={item.index === selected}
                data-key={rowKey(row)}
                style={{
                  gridTemplateColumns: template,
                  height: `${rowHeight}px`,
                  transform: `translateY(${item.start - HEADER_HEIGHT}px)`,
                }}
                onClick={() => {
                  setSelected(item.index);
                  onOpen?.(row);
                }}
              >
                {columns.map((column) => (
                  <div key={column.key} class={`vtable-cell${column.align === 'right' ? ' right' : ''}`} role="gridcell">
                    {column.render(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
