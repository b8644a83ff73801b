import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * DESIGN.md's arrows, checked by scanning imports: protocol <- storage <- broker,
 * protocol <- client <- cli/console; nothing but broker.ts reaches into broker/server; the console's
 * web app (.tsx too) sees only the API's types.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Import {
  readonly file: string;
  readonly target: string;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function imports(): Import[] {
  const found: Import[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      const target = specifier.startsWith('.') ? relative(root, resolve(dirname(file), specifier)) : specifier;
      found.push({ file: relative(root, file), target });
    }
  }
  return found;
}

const all = imports();

function violations(from: string, isForbidden: (target: string) => boolean): string[] {
  return all.filter((i) => i.file.startsWith(from) && isForbidden(i.target)).map((i) => `${i.file} -> ${i.target}`);
}

test('the scan sees the code base', () => {
  assert.ok(all.some((i) => i.file === 'src/broker/broker.ts' && i.target.startsWith('src/broker/server/')));
});

test('protocol depends on nothing else of Samsa and does no I/O', () => {
  assert.deepEqual(
    violations('src/protocol/', (t) => (t.startsWith('src/') && !t.startsWith('src/protocol/')) || /^node:(fs|net|tls|http|dgram|child_process)/.test(t)),
    [],
  );
});

test('storage never sees the wire protocol or the broker', () => {
  assert.deepEqual(
    violations('src/storage/', (t) => t.startsWith('src/protocol/generated/') || (t.startsWith('src/') && !t.startsWith('src/storage/') && !t.startsWith('src/protocol/'))),
    [],
  );
});

test('the client imports only the protocol', () => {
  assert.deepEqual(violations('src/client/', (t) => t.startsWith('src/') && !t.startsWith('src/client/') && !t.startsWith('src/protocol/')), []);
});

test('the console web app imports only the API types, its own folder and npm packages (it runs in a browser)', () => {
  assert.ok(all.some((i) => i.file.startsWith('src/console/web/') && i.target === 'src/console/api-types.ts'));
  assert.deepEqual(
    violations('src/console/web/', (t) => t.startsWith('node:') || (t.startsWith('src/') && !t.startsWith('src/console/web/') && t !== 'src/console/api-types.ts')),
    [],
  );
});

test('the console imports only the client, the protocol and itself', () => {
  assert.deepEqual(
    violations('src/console/', (t) => t.startsWith('src/') && !t.startsWith('src/console/') && !t.startsWith('src/client/') && !t.startsWith('src/protocol/')),
    [],
  );
  assert.deepEqual(violations('src/console/server/', (t) => t.startsWith('src/console/web/')), []);
});

test('the schema registry imports only the client, the protocol and itself', () => {
  assert.ok(all.some((i) => i.file.startsWith('src/registry/') && i.target.startsWith('src/client/')));
  assert.deepEqual(
    violations('src/registry/', (t) => t.startsWith('src/') && !t.startsWith('src/registry/') && !t.startsWith('src/client/') && !t.startsWith('src/protocol/')),
    [],
  );
});

test('nothing but broker.ts imports broker/server', () => {
  const outside = all.filter(
    (i) => i.target.startsWith('src/broker/server/') && !i.file.startsWith('src/broker/server/') && i.file !== 'src/broker/broker.ts',
  );
  assert.deepEqual(outside.map((i) => `${i.file} -> ${i.target}`), []);
});

test('no source file outside generated/ is much longer than one sitting', () => {
  const long = sourceFiles(join(root, 'src'))
    .filter((file) => !file.includes('/generated/'))
    .map((file) => ({ file: relative(root, file), lines: readFileSync(file, 'utf8').split('\n').length }))
    .filter(({ lines }) => lines > 450);
  assert.deepEqual(long, []);
});
