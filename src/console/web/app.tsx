/**
 * The app shell: a header with the cluster's name and the theme toggle, the navigation, and the page
 * the route names. Keyboard: a skip link to the page, `/` focuses the page's search box, visible
 * focus everywhere (layout.css).
 */
import { useEffect } from 'preact/hooks';
import { AppContext } from './app-context.ts';
import { ToastProvider } from './components/toasts.tsx';
import { useApi } from './use-api.ts';
import { href, useRoute, type Route } from './router.ts';
import { useTheme } from './theme.ts';
import { Page } from './pages/page.tsx';

interface NavItem {
  readonly label: string;
  readonly route: Route;
  readonly active: (route: Route) => boolean;
}

const NAV: readonly NavItem[] = [
  { label: 'Overview', route: { page: 'overview' }, active: (r) => r.page === 'overview' },
  { label: 'Topics', route: { page: 'topics' }, active: (r) => r.page === 'topics' || (r.page === 'topic' && r.tab !== 'messages') },
  { label: 'Messages', route: { page: 'messages' }, active: (r) => r.page === 'messages' || (r.page === 'topic' && r.tab === 'messages') },
  { label: 'Consumer groups', route: { page: 'groups' }, active: (r) => r.page === 'groups' || r.page === 'group' },
  { label: 'Brokers', route: { page: 'brokers' }, active: (r) => r.page === 'brokers' || r.page === 'broker' },
  { label: 'ACLs', route: { page: 'acls' }, active: (r) => r.page === 'acls' },
  { label: 'Users', route: { page: 'users' }, active: (r) => r.page === 'users' },
];

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** `/` focuses the search box of the page (the element marked data-search), as on GitHub. */
function useSearchShortcut(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const search = document.querySelector<HTMLElement>('[data-search]');
      if (!search) return;
      event.preventDefault();
      search.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

export function App() {
  const route = useRoute();
  const { theme, toggle } = useTheme();
  const info = useApi('GET /api/info', []);
  const cluster = useApi('GET /api/cluster', [], { refreshMs: 30_000 });
  useSearchShortcut();

  useEffect(() => {
    const item = NAV.find((n) => n.active(route));
    document.title = item ? `${item.label} · Samsa console` : 'Samsa console';
  }, [route]);

  const bootstrap = info.data?.bootstrapServers.join(',');
  return (
    <AppContext.Provider value={{ info: info.data, theme }}>
      <ToastProvider>
        <a class="skip-link" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
          Skip to the page
        </a>
        <div class="app">
          <header class="app-header">
            <a class="app-title" href={href({ page: 'overview' })}>
              Samsa console
            </a>
            <span class="cluster-name" data-testid="cluster-name" title={bootstrap}>
              {cluster.data ? `Cluster ${cluster.data.clusterId}` : ''}
              {bootstrap ? ` · ${bootstrap}` : ''}
            </span>
            {info.data?.readOnly ? <span class="badge warn">read-only</span> : null}
            <span class="header-spacer" />
            <button
              type="button"
              onClick={toggle}
              aria-label={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}
              data-testid="theme-toggle"
            >
              {theme === 'dark' ? '☀ Light' : '☾ Dark'}
            </button>
          </header>
          <nav class="app-nav" aria-label="Pages">
            <ul>
              {NAV.map((item) => (
                <li key={item.label}>
                  <a href={href(item.route)} aria-current={item.active(route) ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <main class="app-main" id="main" tabIndex={-1}>
            {info.error ? <div class="error-box" role="alert">The console server did not answer: {info.error.message}</div> : null}
            <Page route={route} />
          </main>
        </div>
      </ToastProvider>
    </AppContext.Provider>
  );
}
