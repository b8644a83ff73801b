/**
 * The console under a real browser: Debian's Chromium driven by playwright-core, the console
 * started as `samsa console` (a child process, as a user runs it) against a test broker, and the
 * web app built into dist/console when it is not there yet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { defaultConsoleAppPaths, ensureConsoleAppBuilt } from '../../src/cli/dev-cluster/console-app.ts';
import { findFreePort, REPO_ROOT } from './test-broker.ts';
import { waitFor } from './wait-for.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Where each page's screenshot is kept (the CI keeps artifacts/). */
export const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'console');

/** Builds the web app as `samsa dev-cluster` does when dist/console lacks it (the test command builds it first). */
export async function ensureConsoleBuilt(): Promise<void> {
  const build = await ensureConsoleAppBuilt(defaultConsoleAppPaths(), () => {});
  if (build.outcome === 'missing') throw new Error(build.message);
}

export interface ConsoleProcess {
  readonly url: string;
  readonly output: () => string;
  close(): Promise<void>;
}

/** `samsa console --bootstrap-server ... --port N`, ready once GET /api/info answers. */
export async function startConsoleProcess(bootstrap: string, extraArgs: readonly string[] = []): Promise<ConsoleProcess> {
  const port = await findFreePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'console', '--bootstrap-server', bootstrap, '--port', String(port), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`samsa console exited ${child.exitCode}: ${output}`);
        return (await fetch(`${url}/api/info`)).ok;
      },
      30_000,
      { intervalMs: 100, what: `samsa console on ${url}` },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { url, output: () => output, close };
}

export async function launchChromium(): Promise<Browser> {
  // Root in a container has no user namespaces for Chromium's sandbox.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Keeps what the user sees as artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Waits until the text of `selector` passes `accept`, and returns it (the last text seen in the error otherwise). */
export async function waitForText(page: Page, selector: string, accept: (text: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
  let last = '(not found)';
  try {
    return await waitFor(
      async () => {
        const locator = page.locator(selector).first();
        // innerText: the text as rendered (table cells apart, hidden text left out), as a user reads it.
        last = (await locator.count()) > 0 ? await locator.innerText() : '(not found)';
        return accept(last) ? last : undefined;
      },
      timeoutMs,
      { intervalMs: 100, what },
    );
  } catch (error) {
    throw new Error(`${what}: the page shows ${JSON.stringify(last)} at ${selector}`, { cause: error });
  }
}

/** The cells of a VirtualTable row (by its row key) as the user reads them. */
export async function rowCells(page: Page, table: string, key: string): Promise<string[]> {
  const row = page.locator(`[data-testid="${table}"] .vtable-row[data-key="${key}"]`);
  await row.waitFor({ timeout: 20_000 });
  return (await row.locator('[role=gridcell]').allTextContents()).map((t) => t.trim());
}

/** The text of each column header of a VirtualTable. */
export async function headers(page: Page, table: string): Promise<string[]> {
  return (await page.locator(`[data-testid="${table}"] [role=columnheader]`).allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim());
}

/** A cell of a row, by its column header. */
export async function cell(page: Page, table: string, key: string, header: string): Promise<string> {
  const cells = await rowCells(page, table, key); // waits for the row, so the header is there too
  const names = await headers(page, table);
  const index = names.indexOf(header);
  if (index < 0) throw new Error(`${table} has no column ${header}: ${names.join(', ')}`);
  return cells[index]!;
}
