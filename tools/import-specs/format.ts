import type { Facts } from './facts.ts';

/**
 * The committed form of a spec: JSON, one field per line and nested fields indented under their
 * parent, so that a review or a diff reads field by field. Keys keep the order `specFacts` gave them;
 * the text ends with a newline. It is plain JSON: JSON.parse reads it back.
 */
export function formatSpec(spec: Facts): string {
  const lines = Object.entries(spec).map(([key, value]) => {
    if (key === 'fields') return `  "fields": ${fieldBlock(value as Facts[], '  ')}`;
    if (key === 'commonStructs') return `  "commonStructs": ${structBlock(value as Facts[])}`;
    return `  ${entry(key, value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

function entry(key: string, value: unknown): string {
  const text = Array.isArray(value) ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]` : JSON.stringify(value);
  return `${JSON.stringify(key)}: ${text}`;
}

/** `[`, one line per field (its nested fields under it), `]` at `indent`. */
function fieldBlock(fields: readonly Facts[], indent: string): string {
  if (fields.length === 0) return '[]';
  const inner = `${indent}  `;
  return `[\n${fields.map((field) => `${inner}${fieldLine(field, inner)}`).join(',\n')}\n${indent}]`;
}

function fieldLine(field: Facts, indent: string): string {
  const scalars = Object.entries(field).filter(([key]) => key !== 'fields').map(([key, value]) => entry(key, value));
  if (field.fields === undefined) return `{ ${scalars.join(', ')} }`;
  return `{ ${[...scalars, `"fields": ${fieldBlock(field.fields as Facts[], indent)}`].join(', ')} }`;
}

function structBlock(structs: readonly Facts[]): string {
  const lines = structs.map((struct) => {
    const scalars = Object.entries(struct).filter(([key]) => key !== 'fields').map(([key, value]) => `      ${entry(key, value)}`);
    return `    {\n${[...scalars, `      "fields": ${fieldBlock(struct.fields as Facts[], '      ')}`].join(',\n')}\n    }`;
  });
  return `[\n${lines.join(',\n')}\n  ]`;
}
