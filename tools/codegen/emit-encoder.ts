import { branchStatements, signature, type Choice } from './branches.ts';
import { defaultExpression, fixedVersions, isDefaultExpression } from './emit-types.ts';
import type { FieldSpec, FieldType, MessageSpec, StructSpec } from './spec.ts';
import { absentCondition, covers, intersect, isEmpty, versionCondition, type VersionRange } from './versions.ts';

/** Emits `writeX(w, v, version)` for every struct of a message. */

function methodSuffix(type: 'String' | 'Bytes' | 'Array', choice: Choice): string {
  return `${choice.flexible ? 'compact' : ''}${choice.nullable ? 'Nullable' : ''}${type}`.replace(/^./, (c) =>
    c.toLowerCase(),
  );
}

/** A statement-free expression writing one non-null array element. */
function elementWriter(type: FieldType, flexible: boolean): string {
  if (type.kind === 'struct') return `(w, item) => write${type.struct.typeName}(w, item, version)`;
  if (type.kind === 'array') throw new Error('arrays of arrays do not occur in the specs');
  return `(w, item) => ${primitiveWrite(type.name, 'item', { flexible, nullable: false })}`;
}

function primitiveWrite(name: string, expr: string, choice: Choice): string {
  switch (name) {
    case 'string':
      return `w.${methodSuffix('String', choice)}(${expr})`;
    case 'bytes':
    case 'records':
      return `w.${methodSuffix('Bytes', choice)}(${expr})`;
    default:
      return `w.${name}(${expr})`;
  }
}

/** Statements writing `expr` (the field's value, never undefined) for one choice. */
function writeValue(field: FieldSpec, owner: StructSpec, expr: string, choice: Choice): string[] {
  const path = `${owner.typeName}.${field.property}`;
  const typeNullable = !isEmpty(field.nullableVersions);
  const nonNullExpr = typeNullable && !choice.nullable ? `nonNull(${expr}, '${path}')` : expr;
  const type = field.type;
  if (type.kind === 'array') {
    return [`w.${methodSuffix('Array', choice)}(${nonNullExpr}, ${elementWriter(type.element, choice.flexible)});`];
  }
  if (type.kind === 'struct') {
    const write = (e: string): string => `write${type.struct.typeName}(w, ${e}, version);`;
    if (!choice.nullable) return [write(nonNullExpr)];
    return [`if (${expr} === null) {`, '  w.int8(-1);', '} else {', '  w.int8(1);', `  ${write(expr)}`, '}'];
  }
  return [`${primitiveWrite(type.name, nonNullExpr, choice)};`];
}

/** Whether the encoding of a type changes in flexible versions (at the level of the field itself). */
export function dependsOnFlexible(type: FieldType): boolean {
  return type.kind === 'array' || (type.kind === 'primitive' && ['string', 'bytes', 'records'].includes(type.name));
}

/** The field's value with undefined replaced by its default. */
function valueExpression(field: FieldSpec): string {
  if (field.required) return `v.${field.property}`;
  const defaultValue = defaultExpression(field);
  if (isEmpty(field.nullableVersions) || defaultValue === 'null') return `(v.${field.property} ?? ${defaultValue})`;
  return `(v.${field.property} === undefined ? ${defaultExpression(field)} : v.${field.property})`;
}

/** Statements under a version condition; adjacent blocks with the same condition are merged. */
interface Block {
  readonly condition: string;
  readonly lines: string[];
}

function emitFixedField(field: FieldSpec, owner: StructSpec): Block[] {
  const blocks: Block[] = [];
  const context = owner.context;
  const fixed = fixedVersions(field);
  const present = versionCondition(fixed, context);
  const expr = valueExpression(field);
  if (present !== 'false') {
    const flexCondition = dependsOnFlexible(field.type) ? versionCondition(field.flexibleVersions, fixed) : 'false';
    const nullCondition = versionCondition(field.nullableVersions, fixed);
    const body = branchStatements(flexCondition, nullCondition, (c) => writeValue(field, owner, expr, c), '');
    blocks.push({ condition: present, lines: body });
  }
  if (!field.ignorable && !covers(field.versions, context)) {
    const outside = absentCondition(field.versions, context);
    const absent = outside === 'true' ? '' : `${outside} && `;
    const property = `v.${field.property}`;
    blocks.push({
      condition: 'true',
      lines: [
        `if (${absent}${property} !== undefined && !(${isDefaultExpression(field, property)})) {`,
        `  throw fieldNotInVersion('${owner.typeName}.${field.property}', version);`,
        '}',
      ],
    });
  }
  return blocks;
}

function mergeBlocks(blocks: readonly Block[]): string[] {
  const merged: Block[] = [];
  for (const block of blocks) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.condition === block.condition) last.lines.push(...block.lines);
    else merged.push({ condition: block.condition, lines: [...block.lines] });
  }
  return merged.flatMap((b) =>
    b.condition === 'true' ? b.lines : [`if (${b.condition}) {`, ...b.lines.map((l) => `  ${l}`), '}'],
  );
}

function emitTaggedSection(struct: StructSpec, flexible: VersionRange): string[] {
  const flexibleContext = intersect(struct.context, flexible);
  if (isEmpty(flexibleContext)) return [];
  const condition = versionCondition(flexible, struct.context);
  const tagged = struct.fields
    .filter((f) => f.tag !== null && !isEmpty(f.taggedVersions))
    .sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
  let body: string[];
  if (tagged.length === 0) {
    body = ['w.unsignedVarint(0);'];
  } else {
    body = ['const tagged: [number, (w: Writer) => void][] = [];'];
    for (const field of tagged) {
      // A const per tag keeps its narrowing (not undefined) inside the closure.
      const local = `tag${field.tag}`;
      const when = versionCondition(field.taggedVersions, flexibleContext);
      const parts = [when, `${local} !== undefined`, `!(${isDefaultExpression(field, local)})`];
      const nullCondition = versionCondition(field.nullableVersions, field.taggedVersions);
      const write = branchStatements('true', nullCondition, (c) => writeValue(field, struct, local, c), '    ');
      body.push(
        `const ${local} = v.${field.property};`,
        `if (${parts.filter((p) => p !== 'true').join(' && ')}) {`,
        `  tagged.push([${field.tag}, (w) => {`,
        ...write,
        '  }]);',
        '}',
      );
    }
    body.push('w.taggedFields(tagged);');
  }
  if (condition === 'true') return body;
  return [`if (${condition}) {`, ...body.map((l) => `  ${l}`), '}'];
}

export function emitWriter(struct: StructSpec, message: MessageSpec): string {
  const lines: string[] = [];
  lines.push(...mergeBlocks(struct.fields.flatMap((field) => emitFixedField(field, struct))));
  lines.push(...emitTaggedSection(struct, message.flexibleVersions));
  const uses = (name: string): boolean => lines.some((l) => new RegExp(`\\b${name}\\b`).test(l));
  const params = [`w: Writer`, `${uses('v') ? 'v' : '_v'}: ${struct.typeName}`, `${uses('version') ? 'version' : '_version'}: number`];
  return [
    signature(`write${struct.typeName}`, params, 'void'),
    ...lines.map((l) => `  ${l}`),
    '}',
  ].join('\n');
}
