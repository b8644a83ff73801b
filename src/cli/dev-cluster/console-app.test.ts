import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleCommandArgs, defaultConsoleAppPaths, ensureConsoleAppBuilt } from './console-app.ts';

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-console-app-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a built web app is left as it is', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    const progress: string[] = [];
    const result = await ensureConsoleAppBuilt({ ...defaultConsoleAppPaths(), staticDir: dir }, (line) => progress.push(line));
    assert.deepEqual(result, { outcome: 'present' });
    assert.deepEqual(progress, []);
  });
});

test('without a build, Vite builds the web app where the console serves it', async () => {
  const paths = defaultConsoleAppPaths();
  assert.ok(paths.viteScript !== null, 'Vite is a devDependency of the checkout');
  await withTempDir(async (dir) => {
    const staticDir = join(dir, 'console');
    const progress: string[] = [];
    const result = await ensureConsoleAppBuilt({ ...paths, staticDir }, (line) => progress.push(line));
    assert.deepEqual(result, { outcome: 'built' });
    assert.match(progress.join(''), /building the console's web app .*npm run build:console/);
    const index = await readFile(join(staticDir, 'index.html'), 'utf8');
    const script = /src="\/assets\/([^"]+\.js)"/.exec(index);
    assert.ok(script !== null, index);
    assert.ok(existsSync(join(staticDir, 'assets', script[1]!)));
  });
});

test('a build older than a source file is built again; without Vite the old build is served', async () => {
  const paths = defaultConsoleAppPaths();
  await withTempDir(async (dir) => {
    const staticDir = join(dir, 'console');
    await mkdir(staticDir);
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>stale</title>');
    await utimes(join(staticDir, 'index.html'), new Date(0), new Date(0));
    assert.deepEqual(await ensureConsoleAppBuilt({ ...paths, staticDir, viteScript: null }, () => {}), { outcome: 'present' });
    assert.match(await readFile(join(staticDir, 'index.html'), 'utf8'), /stale/);
    const progress: string[] = [];
    assert.deepEqual(await ensureConsoleAppBuilt({ ...paths, staticDir }, (line) => progress.push(line)), { outcome: 'built' });
    assert.match(progress.join(''), /building the console's web app/);
    assert.match(await readFile(join(staticDir, 'index.html'), 'utf8'), /src="\/assets\/[^"]+\.js"/);
    assert.deepEqual(await ensureConsoleAppBuilt({ ...paths, staticDir }, () => {}), { outcome: 'present' }, 'fresh now');
  });
});

test('without Vite, or when the build fails, it says how to build and never throws', async () => {
  await withTempDir(async (dir) => {
    const noVite = await ensureConsoleAppBuilt({ ...defaultConsoleAppPaths(), staticDir: join(dir, 'out'), viteScript: null }, () => {});
    assert.equal(noVite.outcome, 'missing');
    assert.match(noVite.outcome === 'missing' ? noVite.message : '', /Vite is not installed: run 'npm install && npm run build:console' in /);
    // Sources without an index.html: Vite has nothing to build.
    const failed = await ensureConsoleAppBuilt({ ...defaultConsoleAppPaths(), staticDir: join(dir, 'out'), webSources: dir }, () => {});
    assert.equal(failed.outcome, 'missing');
    assert.match(failed.outcome === 'missing' ? failed.message : '', /building the console's web app failed \(vite build exited \d+\)[^]*npm run build:console/);
    assert.equal(existsSync(join(dir, 'out', 'index.html')), false);
  });
});

test('the console reads the dev cluster on loopback with every broker\'s metrics', () => {
  assert.deepEqual(
    consoleCommandArgs({ bootstrap: '127.0.0.1:9092,127.0.0.1:9093', port: 8080, propertiesFile: '/dc/console/console.properties', metricsUrls: ['http://127.0.0.1:9404/metrics', 'http://127.0.0.1:9405/metrics'] }),
    ['console', '--bootstrap-server', '127.0.0.1:9092,127.0.0.1:9093', '--host', '127.0.0.1', '--port', '8080', '--command-config', '/dc/console/console.properties',
      '--metrics-url', 'http://127.0.0.1:9404/metrics,http://127.0.0.1:9405/metrics'],
  );
});
