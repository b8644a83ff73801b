/**
 * A table row's link to the page of what the row shows. Out of the tab order: a VirtualTable is
 * one tab stop whose Enter opens the selected row, so a tab stop per link would only be in the way.
 */
import type { ComponentChildren } from 'preact';
import { href, type Route } from '../router.ts';

export function RowLink({ to, children }: { readonly to: Route; readonly children: ComponentChildren }) {
  return (
    <a href={href(to)} tabIndex={-1}>
      {children}
    </a>
  );
}
