/** The console's entry point: the theme before the first paint, then the app. */
import { render } from 'preact';
import { App } from './app.tsx';
import { applyInitialTheme } from './theme.ts';
import './styles/theme.css';
import './styles/layout.css';
import './styles/components.css';

applyInitialTheme();
render(<App />, document.getElementById('app')!);
