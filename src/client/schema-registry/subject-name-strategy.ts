/**
 * Confluent's subject name strategies: which subject of the registry a topic's key or value schema
 * is registered under. `recordName` is the schema's fully-qualified record name (Avro's namespace
 * and name, a Protobuf message's full name, a JSON Schema's title).
 */

export type SubjectNameStrategy = (topic: string, isKey: boolean, recordName: string | undefined) => string;
export type SubjectNameStrategyName = 'TopicNameStrategy' | 'RecordNameStrategy' | 'TopicRecordNameStrategy';

/** `<topic>-key` or `<topic>-value`: one schema per topic (the default). */
export const topicNameStrategy: SubjectNameStrategy = (topic, isKey) => `${topic}-${isKey ? 'key' : 'value'}`;

/** The record's fully-qualified name: one schema per record type, in any topic. */
export const recordNameStrategy: SubjectNameStrategy = (_topic, _isKey, recordName) => requireRecordName(recordName, 'RecordNameStrategy');

/** `<topic>-<record name>`: several record types in one topic, each with its own history. */
export const topicRecordNameStrategy: SubjectNameStrategy = (topic, _isKey, recordName) => `${topic}-${requireRecordName(recordName, 'TopicRecordNameStrategy')}`;

/** A strategy by its Confluent class name (with or without its package), or the function itself. */
export function subjectNameStrategy(strategy: SubjectNameStrategy | SubjectNameStrategyName | string | undefined): SubjectNameStrategy {
  if (typeof strategy === 'function') return strategy;
  switch (strategy === undefined ? 'TopicNameStrategy' : strategy.slice(strategy.lastIndexOf('.') + 1)) {
    case 'TopicNameStrategy': return topicNameStrategy;
    case 'RecordNameStrategy': return recordNameStrategy;
    case 'TopicRecordNameStrategy': return topicRecordNameStrategy;
    default: throw new TypeError(`unknown subject name strategy ${strategy}: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy`);
  }
}

function requireRecordName(recordName: string | undefined, strategy: string): string {
  if (recordName === undefined || recordName === '') throw new TypeError(`${strategy} needs a schema with a record name`);
  return recordName;
}
