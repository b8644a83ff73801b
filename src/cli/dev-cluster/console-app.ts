/**
 * The console `samsa dev-cluster` starts beside its brokers: `samsa console` over the dev cluster,
 * reading every broker's /metrics. Its web app is built first when dist/console lacks it: a fresh
 * clone has Vite once `npm install` ran, and trying the cluster should not need to know about
 * `npm run build:console`. The npm package ships dist/console built, so it never builds there.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEFAULT_STATIC_DIR } from '../../console/server/static-files.ts';
import { LOOPBACK } from './layout.ts';

const PACKAGE_ROOT = join(import.meta.dirname, '..', '..', '..');

export interface ConsoleAppPaths {
  /** Where `samsa console` serves the web app from (dist/console). */
  readonly staticDir: string;
  /** The web app's sources, Vite's root (absent from the npm package). */
  readonly webSources: string;
  /** Vite's command-line script, or null when Vite is not installed. */
  readonly viteScript: string | null;
}

export function defaultConsoleAppPaths(): ConsoleAppPaths {
  return { staticDir: DEFAULT_STATIC_DIR, webSources: join(PACKAGE_ROOT, 'src', 'console', 'web'), viteScript: installedViteScript() };
}

function installedViteScript(): string | null {
  try {
    const vitePackage = createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('vite/package.json');
    const script = join(dirname(vitePackage), 'bin', 'vite.js');
    return existsSync(script) ? script : null;
  } catch {
    return null;
  }
}

export type ConsoleAppBuild =
  | { readonly outcome: 'present' | 'built' }
  /** Not built and not buildable here: `message` says why and what to run. */
  | { readonly outcome: 'missing'; readonly message: string };

/** The newest modification time of the web app's source files. */
function newestSourceMtimeMs(webSources: string): number {
  let newest = 0;
  for (const entry of readdirSync(webSources, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds the web app into `paths.staticDir` (as `npm run build:console` does) unless it has an
 * index.html already, newer than every source file where the sources and Vite are here (a checkout
 * being edited gets its edits, not the app as it was when first built). Never throws: without the
 * app the console still serves its JSON API, and its pages say how to build it.
 */
export async function ensureConsoleAppBuilt(paths: ConsoleAppPaths, progress: (line: string) => void): Promise<ConsoleAppBuild> {
  const index = join(paths.staticDir, 'index.html');
  const buildable = paths.viteScript !== null && existsSync(paths.webSources);
  if (existsSync(index) && (!buildable || statSync(index).mtimeMs >= newestSourceMtimeMs(paths.webSources))) return { outcome: 'present' };
  const howTo = `run 'npm install && npm run build:console' in ${PACKAGE_ROOT}, then reload the console's page (its JSON API works meanwhile)`;
  if (!buildable) {
    const why = paths.viteScript === null ? 'Vite is not installed' : `its sources (${paths.webSources}) are not here`;
    return { outcome: 'missing', message: `the console's web app is not built (${paths.staticDir}) and ${why}: ${howTo}` };
  }
  progress(`building the console's web app into ${paths.staticDir} (npm run build:console)\n`);
  // Vite's own Node: this one, which is new enough (the `vite` shim on PATH may find an older node).
  const child = spawn(process.execPath, [paths.viteScript, 'build', '--logLevel', 'warn', '--outDir', paths.staticDir, '--emptyOutDir', paths.webSources], {
    cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', (error) => { output += error.message; resolve(null); });
    child.once('close', resolve);
  });
  if (code === 0 && existsSync(join(paths.staticDir, 'index.html'))) return { outcome: 'built' };
  return { outcome: 'missing', message: `building the console's web app failed (vite build exited ${code}):\n${output.trim()}\n${howTo}` };
}

export interface ConsoleCommandInput {
  readonly bootstrap: string;
  readonly port: number;
  readonly propertiesFile: string;
  /** Every broker's /metrics, for the overview's rates. */
  readonly metricsUrls: readonly string[];
  /** The dev cluster's schema registry, which the console decodes records with. */
  readonly schemaRegistryUrl?: string;
}

/** The arguments of `samsa console` for the dev cluster. */
export function consoleCommandArgs(input: ConsoleCommandInput): string[] {
  return [
    'console', '--bootstrap-server', input.bootstrap, '--host', LOOPBACK, '--port', String(input.port),
    '--command-config', input.propertiesFile,
    ...(input.metricsUrls.length > 0 ? ['--metrics-url', input.metricsUrls.join(',')] : []),
    ...(input.schemaRegistryUrl === undefined ? [] : ['--schema-registry', input.schemaRegistryUrl]),
  ];
}
