import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { camelCase } from './names.ts';
import {
  covers,
  hull,
  intersect,
  isEmpty,
  NO_VERSIONS,
  parseVersions,
  sameRange,
  type VersionRange,
} from './versions.ts';

/**
 * The parsed form of Kafka's JSON message specs, resolved so that emitters never look at the JSON:
 * every struct knows the versions in which it can appear (its context) and every field's ranges are
 * already cut down to that context.
 */

export const PRIMITIVES = [
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records',
] as const;
export type PrimitiveName = (typeof PRIMITIVES)[number];

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'array'; readonly element: FieldType }
  | { readonly kind: 'struct'; readonly struct: StructSpec };

export interface FieldSpec {
  /** The spec's CamelCase name. */
  readonly name: string;
  /** The property name in the generated interface. */
  readonly property: string;
  readonly type: FieldType;
  /** Versions in which the field exists (within its struct's context). */
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  /** Versions in which the field is tagged; empty if never. */
  readonly taggedVersions: VersionRange;
  readonly tag: number | null;
  readonly ignorable: boolean;
  /** Versions in which the field uses the compact encoding. */
  readonly flexibleVersions: VersionRange;
  /** The spec's default (undefined: the type's implicit default). */
  readonly defaultValue: string | undefined;
  /** Present in every version of its context and never tagged. */
  readonly required: boolean;
}

export interface StructSpec {
  /** The spec's struct name (TopicProduceData). */
  readonly name: string;
  /** The generated interface name (ProduceRequestTopicProduceData, or the message name itself). */
  readonly typeName: string;
  /** The versions in which the struct can appear. */
  context: VersionRange;
  fields: FieldSpec[];
}

export type MessageType = 'request' | 'response' | 'header' | 'data';

export interface MessageSpec {
  readonly name: string;
  readonly type: MessageType;
  /** -1 for headers and data specs. */
  readonly apiKey: number;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly latestVersionUnstable: boolean;
  readonly listeners: readonly string[];
  readonly root: StructSpec;
  /** Every struct of the message, root first, then in order of first use. */
  readonly structs: readonly StructSpec[];
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  ignorable?: boolean;
  flexibleVersions?: string;
  default?: string | number | boolean;
  fields?: RawField[];
}

interface RawStruct {
  name: string;
  versions?: string;
  fields: RawField[];
}

interface RawMessage {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: RawStruct[];
}

/** The specs of one protocol-specs/ folder (plain JSON: the import step removed Kafka's comments). */
export function readSpecs(specDir: string): MessageSpec[] {
  return readdirSync(specDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => parseMessage(JSON.parse(readFileSync(join(specDir, file), 'utf8')) as RawMessage))
    .filter((spec): spec is MessageSpec => spec !== undefined);
}

const MESSAGE_TYPES: readonly string[] = ['request', 'response', 'header', 'data'];

/** Parses one spec; undefined for kinds we do not generate (KRaft metadata records). */
export function parseMessage(raw: RawMessage): MessageSpec | undefined {
  if (!MESSAGE_TYPES.includes(raw.type)) return undefined;
  const what = raw.name;
  const validVersions = parseVersions(raw.validVersions, `${what}.validVersions`);
  const flexibleVersions = parseVersions(raw.flexibleVersions, `${what}.flexibleVersions`);
  const structs: StructSpec[] = [];
  const byName = new Map<string, StructSpec>();
  const rawCommon = new Map((raw.commonStructs ?? []).map((s) => [s.name, s]));

  const root: StructSpec = { name: raw.name, typeName: raw.name, context: validVersions, fields: [] };
  structs.push(root);

  // Contexts of common structs depend on every use, so they are widened until nothing changes.
  const definitions = new Map<string, RawField[]>();
  const resolveStruct = (name: string, inline: RawField[] | undefined, context: VersionRange): StructSpec => {
    const fields = inline ?? rawCommon.get(name)?.fields;
    if (fields === undefined) throw new Error(`${what}: unknown struct type ${name}`);
    const defined = definitions.get(name);
    if (defined !== undefined && defined !== fields) throw new Error(`${what}: struct ${name} is defined twice`);
    definitions.set(name, fields);
    let struct = byName.get(name);
    if (struct === undefined) {
      const created: StructSpec = { name, typeName: `${raw.name}${name}`, context, fields: [] };
      byName.set(name, created);
      structs.push(created);
      created.fields = fields.map((f) => parseField(f, created));
      struct = created;
    } else if (!covers(struct.context, context)) {
      const widened = struct;
      widened.context = hull(widened.context, context);
      widened.fields = fields.map((f) => parseField(f, widened));
    }
    return struct;
  };

  const parseType = (type: string, field: RawField, context: VersionRange): FieldType => {
    if (type.startsWith('[]')) return { kind: 'array', element: parseType(type.slice(2), field, context) };
    if ((PRIMITIVES as readonly string[]).includes(type)) return { kind: 'primitive', name: type as PrimitiveName };
    return { kind: 'struct', struct: resolveStruct(type, field.fields, context) };
  };

  const parseField = (f: RawField, parent: StructSpec): FieldSpec => {
    const where = `${what}.${f.name}`;
    const taggedAll = f.taggedVersions === undefined ? NO_VERSIONS : parseVersions(f.taggedVersions, where);
    const versions = intersect(parseVersions(f.versions ?? f.taggedVersions, where), parent.context);
    const taggedVersions = intersect(taggedAll, versions);
    const nullableVersions =
      f.nullableVersions === undefined ? NO_VERSIONS : intersect(parseVersions(f.nullableVersions, where), versions);
    const fieldFlexible =
      f.flexibleVersions === undefined ? flexibleVersions : parseVersions(f.flexibleVersions, where);
    const type = parseType(f.type, f, versions);
    return {
      name: f.name,
      property: camelCase(f.name),
      type,
      versions,
      nullableVersions,
      taggedVersions,
      tag: f.tag === undefined ? null : Number(f.tag),
      ignorable: f.ignorable === true,
      flexibleVersions: fieldFlexible,
      defaultValue: f.default === undefined ? undefined : String(f.default),
      required:
        raw.type === 'header' ? isEmpty(taggedAll) : sameRange(versions, parent.context) && isEmpty(taggedAll),
    };
  };

  root.fields = raw.fields.map((f) => parseField(f, root));
  return {
    name: raw.name,
    type: raw.type as MessageType,
    apiKey: raw.apiKey ?? -1,
    validVersions,
    flexibleVersions,
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    root,
    structs,
  };
}

export function isNullableSomewhere(field: FieldSpec): boolean {
  return !isEmpty(field.nullableVersions);
}
