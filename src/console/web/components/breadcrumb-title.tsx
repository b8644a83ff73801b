/** The title of one thing's page (a topic, a group, a broker) under a link back to the list it is in. */
import type { ComponentChildren } from 'preact';
import { href, type Route } from '../router.ts';

export function BreadcrumbTitle(props: { readonly parent: Route; readonly parentLabel: string; readonly children: ComponentChildren }) {
  return (
    <div>
      <div class="breadcrumb">
        <a href={href(props.parent)}>{props.parentLabel}</a> /
      </div>
      <h1>{props.children}</h1>
    </div>
  );
}
