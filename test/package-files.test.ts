import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * What `npm pack` publishes: everything `samsa` runs (the import closure of bin/samsa.js, and the
 * npm dependencies it reaches listed under "dependencies"), and no test and no test-only module
 * (package.json "files" excludes them). A new test helper under src/ fails here until it is named
 * like one (*-fixture.ts, *-test-harness.ts) or listed in "files".
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Modules that only tests import so far but that are not test support: they ship. */
const SHIPPED_AHEAD_OF_USE = new Set([
  'src/protocol/records/control-record.ts', // transaction markers: production code awaiting the transaction coordinator
  // ZooKeeper groundwork (launcher, client, znode layout and formats): awaiting cluster mode and dev-cluster.
  'src/broker/cluster/zookeeper/server-process.ts',
  'src/broker/cluster/zookeeper/zookeeper-client.ts',
  'src/broker/cluster/zookeeper/zk-data.ts',
  'src/broker/cluster/zookeeper/zk-paths.ts',
  // The controller's pure decisions (assignment, leader election, ISR): awaiting the controller.
  'src/broker/cluster/controller/leader-and-isr.ts',
  'src/broker/cluster/controller/partition-leader-election.ts',
  'src/broker/cluster/controller/replica-assignment.ts',
  // Broker registration, the live brokers view and the controller election: awaiting cluster mode.
  'src/broker/cluster/broker-registration.ts',
  'src/broker/cluster/live-brokers.ts',
  'src/broker/cluster/controller/controller-election.ts',
  // The leader's pure replica tracking (follower fetch state, high watermark, ISR shrink/expand, acks=all): awaiting replication.
  'src/broker/replica/replica-state.ts',
  'src/broker/replica/partition-replicas.ts',
]);

function specifiers(file: string): string[] {
  // Import lines inside template literals (codegen's emitters) are text, not imports.
  return [...readFileSync(join(root, file), 'utf8').matchAll(IMPORT)].map((match) => match[1] ?? match[2]!).filter((s) => !s.includes('${'));
}

function localImports(file: string): string[] {
  return specifiers(file).filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(dirname(join(root, file)), s)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The `samsa` bin: the launcher and the TypeScript it imports. */
const SAMSA = ['bin/samsa.js', 'src/cli/main.ts'];

const isTest = (file: string) => file.endsWith('.test.ts') || file.startsWith('test/') || file.startsWith('bench/');

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> };

/** The modules these entry points may load (static and dynamic imports), and the npm packages they import. */
function closureOf(entryPoints: readonly string[]): { closure: Set<string>; npmImports: Set<string> } {
  const closure = new Set<string>();
  const npmImports = new Set<string>();
  const todo = [...entryPoints];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (closure.has(file)) continue;
    closure.add(file);
    assert.ok(existsSync(join(root, file)), file);
    todo.push(...localImports(file));
    for (const s of specifiers(file).filter((s) => !s.startsWith('.') && !s.startsWith('node:'))) {
      npmImports.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
    }
  }
  return { closure, npmImports };
}

const packed = (async () => {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return new Set(pack!.files.map((f) => f.path));
})();

test('no test and no test-only module is packed', async () => {
  const files = await packed;
  assert.deepEqual([...files].filter((f) => f.endsWith('.test.ts')), []);
  // Test-only: outside what samsa and the npm scripts (codegen) run, imported, and only by tests
  // or by other test-only modules.
  const scripts = Object.values(pkg.scripts).flatMap((command) => [...command.matchAll(/\bnode (\S+\.ts)\b/g)].map((m) => m[1]!));
  assert.ok(scripts.includes('tools/codegen/main.ts'));
  const { closure } = closureOf([...SAMSA, ...scripts]);
  const all = ['src', 'tools', 'test', 'bench'].flatMap(sourceFiles);
  const importers = new Map<string, string[]>();
  for (const file of all) {
    for (const target of localImports(file)) importers.set(target, [...(importers.get(target) ?? []), file]);
  }
  const testOnly = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const file of all) {
      if (isTest(file) || closure.has(file) || testOnly.has(file) || SHIPPED_AHEAD_OF_USE.has(file)) continue;
      const by = importers.get(file) ?? [];
      if (by.length > 0 && by.every((i) => isTest(i) || testOnly.has(i))) {
        testOnly.add(file);
        grew = true;
      }
    }
  }
  assert.ok(testOnly.has('src/storage/batch-fixture.ts'), 'the scan finds test-only modules');
  assert.deepEqual([...testOnly].filter((f) => files.has(f)).sort(), []);
});

test('everything bin/samsa.js runs is packed, and its npm imports are dependencies', async () => {
  const files = await packed;
  const { closure, npmImports } = closureOf(SAMSA);
  assert.ok(closure.has('src/broker/broker.ts') && closure.has('src/client/producer.ts'), 'the scan follows dynamic imports');
  assert.deepEqual([...closure].filter((f) => !files.has(f)), []);
  assert.deepEqual([...npmImports].filter((name) => !(name in pkg.dependencies)), []);
});

test('the console ships built: dist/console (npm run build:console, run by prepack and the test command), not the web sources', async () => {
  const files = await packed;
  assert.ok(files.has('dist/console/index.html'), 'dist/console/index.html is packed');
  assert.deepEqual([...files].filter((f) => f.startsWith('src/console/web/')), []);
});
