/**
 * What the registry needs of a schema format (AVRO, JSON, PROTOBUF): to parse a schema, with the
 * schemas it references, into a canonical text (identical schemas get the same id, whatever their
 * whitespace), and to tell whether a reader schema can read what a writer schema wrote. The
 * compatibility levels (compatibility.ts) are built on that one question, as Confluent's are:
 * BACKWARD asks whether the new schema reads the old one's data, FORWARD the reverse.
 */

export type SchemaTypeName = 'AVRO' | 'JSON' | 'PROTOBUF';

/** A schema a schema refers to, as the REST API names it: by `name` in the schema's own text. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** A reference resolved to the text of the schema it names (and that schema's own references, resolved). */
export interface ResolvedReference {
  readonly name: string;
  readonly schema: string;
  readonly references: readonly ResolvedReference[];
}

export interface ParsedSchema {
  readonly type: SchemaTypeName;
  /**
   * The text the registry stores and compares: the schema as given, or its normalized form when
   * asked to normalize (Confluent's `normalize=true`). Two registrations are the same schema when
   * their canonical texts and references are equal.
   */
  readonly canonical: string;
  readonly references: readonly ResolvedReference[];
}

/** A schema the format's own parser refused: the REST API answers 42201 with `message`. */
export class InvalidSchemaError extends Error {
  override readonly name = 'InvalidSchemaError';
}

export interface SchemaFormat {
  readonly type: SchemaTypeName;
  /** Parses and checks `schema`; throws InvalidSchemaError saying what is wrong. */
  parse(schema: string, references: readonly ResolvedReference[], normalize: boolean): ParsedSchema;
  /**
   * Why data written with `writer` cannot be read with `reader`, one message per problem, in
   * Confluent's words where it has them; empty when it can.
   */
  readerIncompatibilities(reader: ParsedSchema, writer: ParsedSchema): string[];
}
