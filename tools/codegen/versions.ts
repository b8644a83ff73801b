/**
 * Version ranges of Kafka's message specs: "3", "1-4", "2+" or "none". An empty range has
 * min > max; an open one has max = Infinity.
 */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: VersionRange = { min: 0, max: -1 };

export function parseVersions(text: string | undefined, what: string): VersionRange {
  if (text === undefined) throw new Error(`${what}: missing version range`);
  const trimmed = text.trim();
  if (trimmed === 'none') return NO_VERSIONS;
  let match = /^(\d+)\+$/.exec(trimmed);
  if (match) return { min: Number(match[1]), max: Infinity };
  match = /^(\d+)-(\d+)$/.exec(trimmed);
  if (match) return { min: Number(match[1]), max: Number(match[2]) };
  match = /^(\d+)$/.exec(trimmed);
  if (match) return { min: Number(match[1]), max: Number(match[1]) };
  throw new Error(`${what}: bad version range ${JSON.stringify(text)}`);
}

export function isEmpty(range: VersionRange): boolean {
  return range.min > range.max;
}

export function contains(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  const result = { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
  return isEmpty(result) ? NO_VERSIONS : result;
}

/** The smallest range holding both (the gap between them, if any, included). */
export function hull(a: VersionRange, b: VersionRange): VersionRange {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

export function covers(outer: VersionRange, inner: VersionRange): boolean {
  return isEmpty(inner) || (outer.min <= inner.min && outer.max >= inner.max);
}

export function sameRange(a: VersionRange, b: VersionRange): boolean {
  return (isEmpty(a) && isEmpty(b)) || (a.min === b.min && a.max === b.max);
}

/**
 * A condition on `version` that is true exactly for the versions in `range`, knowing that
 * `version` lies in `context`. Returns 'true' or 'false' when the answer does not depend on it.
 */
export function versionCondition(range: VersionRange, context: VersionRange, variable = 'version'): string {
  const r = intersect(range, context);
  if (isEmpty(r)) return 'false';
  const parts: string[] = [];
  if (r.min > context.min) parts.push(`${variable} >= ${r.min}`);
  if (r.max < context.max) parts.push(`${variable} <= ${r.max}`);
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/** A condition true exactly for the versions of `context` outside `range` ('true' if none is inside). */
export function absentCondition(range: VersionRange, context: VersionRange, variable = 'version'): string {
  const r = intersect(range, context);
  if (isEmpty(r)) return 'true';
  const parts: string[] = [];
  if (r.min > context.min) parts.push(`${variable} < ${r.min}`);
  if (r.max < context.max) parts.push(`${variable} > ${r.max}`);
  if (parts.length === 0) return 'false';
  return parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})`;
}
