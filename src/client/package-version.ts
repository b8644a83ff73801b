import { readFileSync } from 'node:fs';

/**
 * Samsa's version as package.json gives it, for what reports it (`samsa --version`, the console, the
 * schema registry's /v1/metadata/version); "unknown" when the file cannot be read. This file sits
 * two folders below the package root, in src/ as in a published build.
 */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
