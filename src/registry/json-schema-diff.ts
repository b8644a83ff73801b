type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface JsonSchemaWithReferences {
  readonly schema: Json;
  readonly references: ReadonlyMap<string, Json>;
}

/** Placeholder until the rules land: every change is compatible. */
export function jsonSchemaIncompatibilities(_reader: JsonSchemaWithReferences, _writer: JsonSchemaWithReferences): string[] {
  return [];
}
