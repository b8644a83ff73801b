/**
 * Dark and light themes: the system's prefers-color-scheme by default; a theme the user picks with
 * the toggle is remembered in localStorage and wins from then on. The theme in effect is written to
 * <html data-theme>, which theme.css keys on.
 */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';

export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'samsa-console-theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

function storedTheme(): Theme | undefined {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'dark' || value === 'light' ? value : undefined;
  } catch {
    return undefined; // storage blocked (private mode): follow the system
  }
}

function systemTheme(): Theme {
  return matchMedia(DARK_QUERY).matches ? 'dark' : 'light';
}

/** Sets data-theme before the first render, so the first paint already has the right colours. */
export function applyInitialTheme(): void {
  document.documentElement.dataset['theme'] = storedTheme() ?? systemTheme();
}

/** The theme in effect, and a toggle that remembers the user's choice. */
export function useTheme(): { theme: Theme; toggle: () => void } {
  const [theme, setTheme] = useState<Theme>(() => storedTheme() ?? systemTheme());

  // A layout effect: the new theme is on <html> before the browser paints again, so no frame shows
  // the old colours, and whoever reads data-theme right after the toggle's click sees the new one.
  useLayoutEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);

  useEffect(() => {
    const query = matchMedia(DARK_QUERY);
    const follow = () => {
      if (storedTheme() === undefined) setTheme(systemTheme());
    };
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, []);

  const toggle = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // not remembered, still applied
    }
    setTheme(next);
  };
  return { theme, toggle };
}
