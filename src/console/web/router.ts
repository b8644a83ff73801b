/**
 * A tiny hash router: every page has a typed Route, parsed from and written to location.hash
 * (#/topics/orders/configs), so links are plain <a href> and work with the keyboard, new tabs and
 * the back button, and the server needs no route of its own.
 */
import { useEffect, useState } from 'preact/hooks';

export type TopicTab = 'partitions' | 'configs' | 'messages' | 'groups';

export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'topics' }
  | { readonly page: 'topic'; readonly topic: string; readonly tab: TopicTab }
  | { readonly page: 'messages' }
  | { readonly page: 'groups' }
  | { readonly page: 'group'; readonly groupId: string }
  | { readonly page: 'brokers' }
  | { readonly page: 'broker'; readonly brokerId: number }
  | { readonly page: 'acls' }
  | { readonly page: 'users' }
  | { readonly page: 'not-found'; readonly path: string };

const TOPIC_TABS: readonly TopicTab[] = ['partitions', 'configs', 'messages', 'groups'];

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter((part) => part !== '').map(decodeURIComponent);
  const [first, second, third] = parts;
  switch (first) {
    case undefined:
      return { page: 'overview' };
    case 'topics': {
      if (second === undefined) return { page: 'topics' };
      const tab = TOPIC_TABS.find((t) => t === third) ?? 'partitions';
      return { page: 'topic', topic: second, tab };
    }
    case 'messages':
      return { page: 'messages' };
    case 'groups':
      return second === undefined ? { page: 'groups' } : { page: 'group', groupId: second };
    case 'brokers':
      return second !== undefined && /^\d+$/.test(second) ? { page: 'broker', brokerId: Number(second) } : { page: 'brokers' };
    case 'acls':
      return { page: 'acls' };
    case 'users':
      return { page: 'users' };
    default:
      return { page: 'not-found', path };
  }
}

/** The href of a route; parseRoute(href(route)) gives the route back. */
export function href(route: Route): string {
  const encode = encodeURIComponent;
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'topic':
      return route.tab === 'partitions' ? `#/topics/${encode(route.topic)}` : `#/topics/${encode(route.topic)}/${route.tab}`;
    case 'group':
      return `#/groups/${encode(route.groupId)}`;
    case 'broker':
      return `#/brokers/${route.brokerId}`;
    case 'not-found':
      return `#${route.path}`;
    default:
      return `#/${route.page}`;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
