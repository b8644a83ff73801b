import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiFileName, emitApiKeys, emitHeaderVersionFunction, type ApiPair } from './emit-index.ts';
import { emitFile, emitMessage } from './emit-message.ts';
import { kebabCase } from './names.ts';
import { readSpecs, type MessageSpec } from './spec.ts';

/**
 * `npm run codegen [specDir] [outDir] [recordsSpecDir]`: reads the message specs in protocol-specs/
 * (written from Kafka's by `npm run import-specs`) and writes src/protocol/generated/, and the
 * coordinator record specs into src/protocol/generated/records/. Output depends only on the specs
 * (sorted inputs, no timestamps), so a rerun is byte-identical.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SPEC_DIR = join(repoRoot, 'protocol-specs/messages');
export const DEFAULT_OUT_DIR = join(repoRoot, 'src/protocol/generated');
/** Coordinator log records (__consumer_offsets, __transaction_state): data specs written to `<outDir>/records/`. */
export const DEFAULT_RECORDS_SPEC_DIR = join(repoRoot, 'protocol-specs/records');
export const RECORDS_SUBDIR = 'records';

/** Every generated file, by file name. */
export function generate(specs: readonly MessageSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  const requests = specs.filter((s) => s.type === 'request');
  const pairs: ApiPair[] = requests
    .map((request) => {
      const response = specs.find((s) => s.type === 'response' && s.apiKey === request.apiKey);
      if (response === undefined) throw new Error(`${request.name} has no response spec`);
      return { request, response };
    })
    .sort((a, b) => a.request.apiKey - b.request.apiKey);
  for (const pair of pairs) {
    files.set(`${apiFileName(pair)}.ts`, emitFile([emitMessage(pair.request), emitMessage(pair.response)]));
  }
  for (const spec of specs) {
    if (spec.type === 'data') files.set(`${kebabCase(spec.name)}.ts`, emitFile([emitMessage(spec)]));
  }
  for (const [kind, name] of [['request', 'RequestHeader'], ['response', 'ResponseHeader']] as const) {
    const spec = specs.find((s) => s.type === 'header' && s.name === name);
    if (spec === undefined) throw new Error(`no ${name} spec`);
    files.set(`${kebabCase(name)}.ts`, emitFile([emitMessage(spec), emitHeaderVersionFunction(kind, pairs)]));
  }
  files.set('api-keys.ts', emitApiKeys(pairs));
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The coordinator record files: one per data spec, by file name; they sit one folder deeper. */
export function generateRecords(specs: readonly MessageSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const spec of specs) {
    if (spec.type === 'data') files.set(`${kebabCase(spec.name)}.ts`, emitFile([emitMessage(spec)], [], '../../primitives'));
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Replaces the generated .ts files of `outDir` (and of `outDir/records/`) with a fresh generation. */
export function writeGenerated(specDir: string, outDir: string, recordsSpecDir: string = DEFAULT_RECORDS_SPEC_DIR): string[] {
  const written = writeFiles(outDir, generate(readSpecs(specDir)));
  const records = writeFiles(join(outDir, RECORDS_SUBDIR), generateRecords(readSpecs(recordsSpecDir)));
  return [...written, ...records.map((name) => `${RECORDS_SUBDIR}/${name}`)];
}

function writeFiles(outDir: string, files: ReadonlyMap<string, string>): string[] {
  mkdirSync(outDir, { recursive: true });
  for (const old of readdirSync(outDir)) {
    if (old.endsWith('.ts') && !old.endsWith('.test.ts') && !files.has(old)) rmSync(join(outDir, old));
  }
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  return [...files.keys()];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const specDir = process.argv[2] === undefined ? DEFAULT_SPEC_DIR : resolve(process.argv[2]);
  const outDir = process.argv[3] === undefined ? DEFAULT_OUT_DIR : resolve(process.argv[3]);
  const recordsSpecDir = process.argv[4] === undefined ? DEFAULT_RECORDS_SPEC_DIR : resolve(process.argv[4]);
  const written = writeGenerated(specDir, outDir, recordsSpecDir);
  console.log(`codegen: wrote ${written.length} files to ${outDir}`);
}
