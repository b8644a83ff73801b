import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specFacts } from './facts.ts';
import { formatSpec } from './format.ts';
import { stripJsonComments } from './json-comments.ts';

/**
 * `npm run import-specs -- <group>=<folder> ...`: reads Kafka's JSON specs from each folder and writes
 * their facts (no `about` text, no comments, no license prose) to protocol-specs/<group>/, one file per
 * spec under Kafka's file name. Several folders may feed one group. Each group named is replaced whole
 * (a spec gone from Kafka disappears here); groups not named are left alone. The output depends only
 * on the input specs, so importing the same specs twice writes the same bytes.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PROTOCOL_SPECS_DIR = join(repoRoot, 'protocol-specs');

export interface SpecSource {
  /** The folder under protocol-specs/ (messages, records, metadata). */
  readonly group: string;
  /** A folder of Kafka's *.json specs. */
  readonly folder: string;
}

/** The committed text of one Kafka spec file's text; `where` names it in errors. */
export function importSpecText(text: string, where: string): string {
  return formatSpec(specFacts(JSON.parse(stripJsonComments(text)), where));
}

/** Imports every source into `outRoot/<group>/`; answers the files written, by group. */
export function importSpecs(sources: readonly SpecSource[], outRoot: string = PROTOCOL_SPECS_DIR): Map<string, string[]> {
  const groups = new Map<string, Map<string, string>>();
  for (const { group, folder } of sources) {
    if (!/^[a-z][a-z0-9-]*$/.test(group)) throw new Error(`"${group}" is not a group name (lower-case letters, digits, -)`);
    const files = groups.get(group) ?? new Map<string, string>();
    groups.set(group, files);
    for (const name of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
      if (files.has(name)) throw new Error(`${group}/${name} comes from two folders`);
      files.set(name, importSpecText(readFileSync(join(folder, name), 'utf8'), `${basename(folder)}/${name}`));
    }
  }
  const written = new Map<string, string[]>();
  for (const [group, files] of groups) {
    const dir = join(outRoot, group);
    mkdirSync(dir, { recursive: true });
    for (const old of readdirSync(dir)) if (old.endsWith('.json') && !files.has(old)) rmSync(join(dir, old));
    const names = [...files.keys()].sort();
    for (const name of names) writeFileSync(join(dir, name), files.get(name)!);
    written.set(group, names);
  }
  return written;
}

/** `messages=/path/to/kafka/clients/src/main/resources/common/message` and the like. */
export function parseSources(args: readonly string[]): SpecSource[] {
  if (args.length === 0) throw new Error('usage: npm run import-specs -- <group>=<folder of Kafka spec JSON> ...');
  return args.map((arg) => {
    const at = arg.indexOf('=');
    if (at <= 0) throw new Error(`"${arg}": expected <group>=<folder>, e.g. messages=<kafka>/clients/src/main/resources/common/message`);
    return { group: arg.slice(0, at), folder: resolve(arg.slice(at + 1)) };
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const [group, names] of importSpecs(parseSources(process.argv.slice(2)))) {
      console.log(`import-specs: ${names.length} specs in protocol-specs/${group}/`);
    }
  } catch (error) {
    console.error(`import-specs: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
