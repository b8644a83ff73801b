import { ErrorCode, KafkaError } from '../../protocol/errors.ts';

/** Kafka's ConfigEntityName.Default: the entity a user or client id falls back to. */
export const DEFAULT_ENTITY_NAME = '<default>';

/**
 * A user / client-id config entity, as Kafka's ConfigCommand and AlterClientQuotas name them: a
 * user, a client id, or a user's client id. A part that is undefined is not part of the entity;
 * DEFAULT_ENTITY_NAME is that part's default (`--entity-default`). Names are plain (desanitized).
 */
export interface EntityName {
  readonly user?: string | undefined;
  readonly clientId?: string | undefined;
}

export type EntityConfigs = Readonly<Record<string, string>>;

/**
 * Kafka's entity path, as in /config/<path> and in config change notifications:
 * `users/<user>`, `clients/<client-id>` or `users/<user>/clients/<client-id>`, names sanitized.
 * Names must not be empty (Kafka names the default DEFAULT_ENTITY_NAME, never '').
 */
export function entityPath(entity: EntityName): string {
  const { user, clientId } = entity;
  if (user === '' || clientId === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'An entity name must not be empty');
  if (user !== undefined && clientId !== undefined) return `users/${sanitizeEntityName(user)}/clients/${sanitizeEntityName(clientId)}`;
  if (user !== undefined) return `users/${sanitizeEntityName(user)}`;
  if (clientId !== undefined) return `clients/${sanitizeEntityName(clientId)}`;
  throw new KafkaError(ErrorCode.INVALID_REQUEST, 'An entity names a user, a client id or both');
}

/** The entity an entity path names; undefined for any other path (topics/..., brokers/...). */
export function entityOfPath(path: string): EntityName | undefined {
  const parts = path.split('/');
  if (parts.some((part) => part === '')) return undefined;
  if (parts.length === 2 && parts[0] === 'users') return { user: desanitizeEntityName(parts[1]!) };
  if (parts.length === 2 && parts[0] === 'clients') return { clientId: desanitizeEntityName(parts[1]!) };
  if (parts.length === 4 && parts[0] === 'users' && parts[2] === 'clients') {
    return { user: desanitizeEntityName(parts[1]!), clientId: desanitizeEntityName(parts[3]!) };
  }
  return undefined;
}

/**
 * Kafka's Sanitizer.sanitize, which makes any user or client id a znode name: Java's URLEncoder
 * (UTF-8; letters, digits and `.-_` kept, everything else %XX) with `*` and space as %2A and %20.
 * The default entity keeps its name.
 */
export function sanitizeEntityName(name: string): string {
  if (name === DEFAULT_ENTITY_NAME) return name;
  let sanitized = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const char = String.fromCharCode(byte);
    sanitized += /[A-Za-z0-9._-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return sanitized;
}

/** Kafka's Sanitizer.desanitize (Java's URLDecoder: `+` is a space, %XX a UTF-8 byte). */
export function desanitizeEntityName(sanitized: string): string {
  if (sanitized === DEFAULT_ENTITY_NAME) return sanitized;
  try {
    return decodeURIComponent(sanitized.replaceAll('+', ' '));
  } catch {
    return sanitized;
  }
}

/** The entity's configs after removing `remove` and setting `set` (remove first, as Kafka's ConfigCommand). */
export function alteredConfigs(current: EntityConfigs, set: EntityConfigs, remove: readonly string[]): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const key of remove) delete next[key];
  return Object.assign(next, set);
}
