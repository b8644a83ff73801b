import { branchExpression, renderExpression, signature, type Choice, type Expression } from './branches.ts';
import { dependsOnFlexible } from './emit-encoder.ts';
import { defaultExpression, fixedVersions } from './emit-types.ts';
import { minElementSize } from './min-size.ts';
import type { FieldSpec, FieldType, MessageSpec, StructSpec } from './spec.ts';
import { intersect, isEmpty, versionCondition, type VersionRange } from './versions.ts';

/** Emits `readX(r, version)` for every struct of a message. */

function method(type: 'String' | 'Bytes' | 'Array', choice: Choice): string {
  const name = `${choice.flexible ? 'compact' : ''}${choice.nullable ? 'Nullable' : ''}${type}`;
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function primitiveRead(name: string, choice: Choice): string {
  switch (name) {
    case 'string':
      return `r.${method('String', choice)}()`;
    case 'bytes':
    case 'records':
      return `r.${method('Bytes', choice)}()`;
    default:
      return `r.${name}()`;
  }
}

function elementReader(type: FieldType, flexible: boolean): string {
  if (type.kind === 'struct') return `(r) => read${type.struct.typeName}(r, version)`;
  if (type.kind === 'array') throw new Error('arrays of arrays do not occur in the specs');
  return `(r) => ${primitiveRead(type.name, { flexible, nullable: false })}`;
}

function readValue(field: FieldSpec, versions: VersionRange, message: MessageSpec, choice: Choice): string {
  const type = field.type;
  if (type.kind === 'array') {
    const minSize = minElementSize(type.element, versions, message);
    // The reader assumes items of at least one byte; a zero-size item would need a different bound.
    if (minSize < 1) throw new Error(`${message.name}.${field.name}: array items can be empty`);
    const sizeArgument = minSize > 1 ? `, ${minSize}` : '';
    return `r.${method('Array', choice)}(${elementReader(type.element, choice.flexible)}${sizeArgument})`;
  }
  if (type.kind === 'struct') {
    const read = `read${type.struct.typeName}(r, version)`;
    return choice.nullable ? `(r.int8() < 0 ? null : ${read})` : read;
  }
  return primitiveRead(type.name, choice);
}

function fixedFieldExpression(field: FieldSpec, owner: StructSpec, message: MessageSpec): Expression {
  const fixed = fixedVersions(field);
  const present = versionCondition(fixed, owner.context);
  if (present === 'false') return defaultExpression(field);
  const flexCondition = dependsOnFlexible(field.type) ? versionCondition(field.flexibleVersions, fixed) : 'false';
  const nullCondition = versionCondition(field.nullableVersions, fixed);
  const read = branchExpression(flexCondition, nullCondition, (c) => readValue(field, fixed, message, c));
  return present === 'true' ? read : { condition: present, then: read, otherwise: defaultExpression(field) };
}

export function emitReader(struct: StructSpec, message: MessageSpec): string {
  const body: string[] = [`const value: ${struct.typeName} = {`];
  for (const field of struct.fields) {
    const prefix = `  ${field.property}: `;
    const text = `${prefix}${renderExpression(fixedFieldExpression(field, struct, message), '  ', prefix.length + 2)},`;
    body.push(...text.split('\n'));
  }
  body.push('};');
  const flexibleContext = intersect(struct.context, message.flexibleVersions);
  if (!isEmpty(flexibleContext)) {
    const condition = versionCondition(message.flexibleVersions, struct.context);
    const tagged = struct.fields
      .filter((f) => f.tag !== null && !isEmpty(f.taggedVersions))
      .sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
    let section: string[];
    if (tagged.length === 0) {
      section = ['r.skipTaggedFields();'];
    } else {
      section = ['r.taggedFields((r, tag) => {', '  switch (tag) {'];
      for (const field of tagged) {
        const when = versionCondition(field.taggedVersions, flexibleContext);
        const nullCondition = versionCondition(field.nullableVersions, field.taggedVersions);
        const read = branchExpression('true', nullCondition, (c) => readValue(field, field.taggedVersions, message, c));
        section.push(`    case ${field.tag}:`);
        if (when === 'true') {
          section.push(...`      value.${field.property} = ${renderExpression(read, '      ', 80)};`.split('\n'), '      return true;');
        } else {
          section.push(
            `      if (!(${when})) return false;`,
            ...`      value.${field.property} = ${renderExpression(read, '      ', 80)};`.split('\n'),
            '      return true;',
          );
        }
      }
      section.push('    default:', '      return false;', '  }', '});');
    }
    if (condition === 'true') body.push(...section);
    else body.push(`if (${condition}) {`, ...section.map((l) => `  ${l}`), '}');
  }
  body.push('return value;');
  const uses = (name: string): boolean => body.some((l) => new RegExp(`\\b${name}\\b`).test(l));
  const params = [`${uses('r') ? 'r' : '_r'}: Reader`, `${uses('version') ? 'version' : '_version'}: number`];
  return [
    signature(`read${struct.typeName}`, params, struct.typeName),
    ...body.map((l) => `  ${l}`),
    '}',
  ].join('\n');
}
