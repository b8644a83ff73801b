/** What every page may need from the shell: the console's info (read-only?) and the theme in effect. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ConsoleInfo } from '../api-types.ts';
import type { Theme } from './theme.ts';

export interface AppContextValue {
  readonly info: ConsoleInfo | undefined;
  readonly theme: Theme;
}

export const AppContext = createContext<AppContextValue>({ info: undefined, theme: 'light' });

export function useAppContext(): AppContextValue {
  return useContext(AppContext);
}

/** False with --read-only: pages hide the buttons that would change the cluster. */
export function useCanWrite(): boolean {
  const { info } = useAppContext();
  return info !== undefined && !info.readOnly;
}
