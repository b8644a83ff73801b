import { avroFormat } from './avro-format.ts';
import { jsonSchemaFormat } from './json-schema-format.ts';
import { protobufFormat } from './protobuf-format.ts';
import type { SchemaFormat, SchemaTypeName } from './schema-type.ts';

/** GET /schemas/types answers these, in the order Confluent's registry does. */
export const SCHEMA_TYPES: readonly SchemaTypeName[] = ['JSON', 'PROTOBUF', 'AVRO'];

/** The schema type a REST request names (`schemaType`, AVRO when absent, as in Confluent), or undefined. */
export function parseSchemaType(text: unknown): SchemaTypeName | undefined {
  if (text === undefined || text === null) return 'AVRO';
  if (typeof text !== 'string') return undefined;
  const upper = text.toUpperCase();
  return (SCHEMA_TYPES as readonly string[]).includes(upper) ? (upper as SchemaTypeName) : undefined;
}

export function schemaFormat(type: SchemaTypeName): SchemaFormat {
  switch (type) {
    case 'AVRO':
      return avroFormat;
    case 'JSON':
      return jsonSchemaFormat;
    case 'PROTOBUF':
      return protobufFormat;
  }
}
