/**
 * TanStack's framework-agnostic Virtualizer bound to Preact, as its React adapter does: one
 * instance per component, options refreshed each render, mounted in a layout effect, and a
 * re-render whenever the visible range changes.
 */
import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
  type VirtualizerOptions,
} from '@tanstack/virtual-core';
import { useLayoutEffect, useReducer, useState } from 'preact/hooks';

export interface FixedRowsOptions {
  readonly count: number;
  readonly rowHeight: number;
  /** Pixels above the first row inside the scroll box (the sticky header). */
  readonly headerHeight: number;
  readonly getScrollElement: () => HTMLElement | null;
}

export function useFixedRowVirtualizer(options: FixedRowsOptions): Virtualizer<HTMLElement, HTMLElement> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const resolved: VirtualizerOptions<HTMLElement, HTMLElement> = {
    count: options.count,
    getScrollElement: options.getScrollElement,
    estimateSize: () => options.rowHeight,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    // Rows start below the header, and a row scrolled to must not hide under it.
    scrollMargin: options.headerHeight,
    scrollPaddingStart: options.headerHeight,
    overscan: 8,
    onChange: () => rerender(undefined),
  };
  const [virtualizer] = useState(() => new Virtualizer(resolved));
  virtualizer.setOptions(resolved);
  useLayoutEffect(() => virtualizer._didMount(), []);
  useLayoutEffect(() => {
    virtualizer._willUpdate();
  });
  return virtualizer;
}
