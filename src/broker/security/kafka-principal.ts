/**
 * Who a connection is, as Kafka's KafkaPrincipal: a type (always "User" for the identities Kafka's
 * own principal builder makes) and a name. ACLs and quotas name principals as `User:alice`.
 */
export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
}

export const USER_TYPE = 'User';

/** A PLAINTEXT connection, or a TLS one without a client certificate: Kafka's User:ANONYMOUS. */
export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: USER_TYPE, name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return Object.freeze({ principalType: USER_TYPE, name });
}

/** `User:alice`, as ACLs, super.users and the tools write it. */
export function principalToString(principal: KafkaPrincipal): string {
  return `${principal.principalType}:${principal.name}`;
}

/** Parses `Type:name` (the name may itself hold colons, as a TLS subject's can); undefined when there is no type. */
export function parsePrincipal(text: string): KafkaPrincipal | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return Object.freeze({ principalType: text.slice(0, colon), name: text.slice(colon + 1) });
}
