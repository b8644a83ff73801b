"""Debian's python3-confluent-kafka JSONSerializer and JSONDeserializer against Samsa's registry.

Usage: json_schema_serde.py REGISTRY_URL TOPIC SCHEMA_JSON NODE_PAYLOAD_HEX

Serializes a record with JSONSerializer (which registers SCHEMA_JSON under TOPIC-value, the topic
name strategy, and validates the record with python3-jsonschema), and deserializes the bytes the
test's Node JsonSchemaSerializer wrote with JSONDeserializer (which validates them too). Version
1.7.0's JSONDeserializer skips the schema id in the header and takes its schema as an argument, so
the schema is fetched from the registry by that id first, as a reader that knows no schema would.
Prints one JSON object with what it saw.
"""
import json
import struct
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

url, topic, schema_str, node_payload_hex = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ctx = SerializationContext(topic, MessageField.VALUE)

serializer = JSONSerializer(schema_str, SchemaRegistryClient({'url': url}))
payload = serializer({'sku': 'PY-7', 'qty': 4, 'tags': ['from-python']}, ctx)

node_payload = bytes.fromhex(node_payload_hex)
_magic, node_schema_id = struct.unpack('>bI', node_payload[:5])
node_schema = SchemaRegistryClient({'url': url}).get_schema(node_schema_id)
node_record = JSONDeserializer(node_schema.schema_str)(node_payload, ctx)

print(json.dumps({
    'python_payload_hex': payload.hex(),
    'node_schema_type': node_schema.schema_type,
    'node_schema_title': json.loads(node_schema.schema_str)['title'],
    'node_record': node_record,
}))
