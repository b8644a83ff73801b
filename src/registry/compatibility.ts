import type { ParsedSchema, SchemaFormat } from './schema-type.ts';

/**
 * Confluent's compatibility levels, built on the one question a format answers (can this reader
 * read what that writer wrote?):
 * - BACKWARD: the candidate reads the previous schema's data (consumers upgrade first).
 * - FORWARD: the previous schema reads the candidate's data (producers upgrade first).
 * - FULL: both.
 * The plain levels compare with the latest live version only; the _TRANSITIVE ones with every live
 * version. NONE checks nothing.
 */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Confluent's default when neither the subject nor the registry sets one. */
export const DEFAULT_COMPATIBILITY_LEVEL: CompatibilityLevel = 'BACKWARD';

/** The level named by `text` (case-insensitive, as Confluent accepts it), or undefined. */
export function parseCompatibilityLevel(text: unknown): CompatibilityLevel | undefined {
  if (typeof text !== 'string') return undefined;
  const upper = text.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper) ? (upper as CompatibilityLevel) : undefined;
}

/**
 * Why `candidate` may not join `previous` (the subject's live versions, oldest first) at `level`;
 * empty when it may. Each message is the format's, so the REST answer can list them as Confluent does.
 */
export function compatibilityErrors(
  format: SchemaFormat,
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  previous: readonly ParsedSchema[],
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const checked = transitive ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const errors: string[] = [];
  // Newest first, as Confluent reports: the latest version's problems are the ones a user fixes first.
  for (const old of [...checked].reverse()) {
    if (old.type !== candidate.type) {
      errors.push('Incompatible because of different schema type');
      continue;
    }
    if (backward) errors.push(...readerIncompatibilities(format, candidate, old));
    if (forward) errors.push(...readerIncompatibilities(format, old, candidate));
  }
  return errors;
}

/**
 * A check that throws (a schema too deeply nested for the stack, say) refuses the registration
 * rather than failing the request, as Confluent's registry answers it.
 */
function readerIncompatibilities(format: SchemaFormat, reader: ParsedSchema, writer: ParsedSchema): string[] {
  try {
    return format.readerIncompatibilities(reader, writer);
  } catch (error) {
    return [`Unexpected exception during compatibility check: ${error instanceof Error ? error.message : String(error)}`];
  }
}
