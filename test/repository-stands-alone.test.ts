import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A clone of the repository with nothing beside it runs, builds and tests: no file names the folder
 * of Kafka's original specs that sits beside the repository where Samsa is written. The code
 * generator reads protocol-specs/ instead, written by `npm run import-specs` (the import step, whose
 * folder may name any path). Documentation (README.md and the like) is not scanned.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Written in parts so that this file does not name the folder itself. */
const SIBLING_FOLDER = new RegExp(['\\.\\./' + 'shared\\b', '/' + 'shared/kafka-protocol'].join('|'));
const SCANNED = ['src', 'tools', 'test', 'bench', 'scripts', 'bin', '.ci', 'package.json'];
const IMPORT_STEP = 'tools/import-specs/';

function filesUnder(path: string): string[] {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [path];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

function namesSiblingFolder(text: string): boolean {
  return SIBLING_FOLDER.test(text);
}

test('the scan reads the code base and recognises the sibling folder when named', () => {
  const scanned = SCANNED.flatMap(filesUnder);
  for (const file of ['package.json', 'tools/codegen/main.ts', 'scripts/test.sh', 'src/broker/broker.ts']) assert.ok(scanned.includes(file), file);
  assert.ok(namesSiblingFolder(`resolve(repoRoot, '${['..', 'shared', 'kafka-protocol', 'messages'].join('/')}')`));
  assert.ok(namesSiblingFolder(['/work', 'shared', 'kafka-protocol', 'README.md'].join('/')));
  assert.ok(!namesSiblingFolder('descriptors come from a shared pool'));
});

test('no file outside the import step names the folder beside the repository', () => {
  const naming = SCANNED.flatMap(filesUnder)
    .filter((file) => !file.startsWith(IMPORT_STEP))
    .filter((file) => namesSiblingFolder(readFileSync(join(root, file), 'utf8')));
  assert.deepEqual(naming, []);
});
