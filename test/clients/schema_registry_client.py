"""Debian's python3-confluent-kafka SchemaRegistryClient against Samsa's schema registry.

Usage: schema_registry_client.py REGISTRY_URL NODE_SUBJECT NODE_PAYLOAD_HEX

Registers and fetches Avro, JSON and Protobuf schemas, sets and reads compatibility, tests a
change, and reads the error codes of a missing schema and an incompatible one; encodes a record in
Confluent's wire format with Apache's avro library (fastavro, which confluent_kafka's new-style
AvroSerializer needs, is not packaged by Debian; the legacy confluent_kafka.avro clients, which use
Apache's avro, are tested in avro_producer_consumer.py) and decodes the one the test's Node client
wrote. Prints one JSON object with what it saw.
"""
import io
import json
import struct
import sys

import avro.io
import avro.schema
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

url, node_subject, node_payload_hex = sys.argv[1], sys.argv[2], sys.argv[3]
client = SchemaRegistryClient({'url': url})
out = {}

PAYMENT = json.dumps({'type': 'record', 'name': 'Payment', 'namespace': 'py',
                      'fields': [{'name': 'id', 'type': 'string'}, {'name': 'amount', 'type': 'double'}]})
avro_id = client.register_schema('py-payments-value', Schema(PAYMENT, 'AVRO'))
# A second client has no cache: the registry itself answers the same id.
out['avro_id'] = avro_id
out['avro_id_again'] = SchemaRegistryClient({'url': url}).register_schema('py-payments-value', Schema(PAYMENT, 'AVRO'))
fetched = SchemaRegistryClient({'url': url}).get_schema(avro_id)
out['fetched_type'] = fetched.schema_type
out['fetched_schema'] = json.loads(fetched.schema_str)
registered = client.lookup_schema('py-payments-value', Schema(PAYMENT, 'AVRO'))
out['lookup'] = {'id': registered.schema_id, 'version': registered.version, 'subject': registered.subject}
latest = client.get_latest_version('py-payments-value')
out['latest_version'] = latest.version

JSON_SCHEMA = json.dumps({'type': 'object', 'properties': {'name': {'type': 'string'}}, 'required': ['name']})
out['json_id'] = client.register_schema('py-json-value', Schema(JSON_SCHEMA, 'JSON'))
out['json_fetched_type'] = SchemaRegistryClient({'url': url}).get_schema(out['json_id']).schema_type
PROTO = 'syntax = "proto3";\npackage py;\n\nmessage Greeting {\n  string text = 1;\n}\n'
out['proto_id'] = client.register_schema('py-proto-value', Schema(PROTO, 'PROTOBUF'))
out['proto_fetched_type'] = SchemaRegistryClient({'url': url}).get_schema(out['proto_id']).schema_type

out['set_compatibility'] = client.set_compatibility('py-payments-value', 'full')
out['compatibility'] = client.get_compatibility('py-payments-value')
out['global_compatibility'] = client.get_compatibility()
with_default = json.loads(PAYMENT)
with_default['fields'].append({'name': 'currency', 'type': 'string', 'default': 'EUR'})
out['compatible_with_default'] = client.test_compatibility('py-payments-value', Schema(json.dumps(with_default), 'AVRO'))
without_default = json.loads(PAYMENT)
without_default['fields'].append({'name': 'currency', 'type': 'string'})
out['compatible_without_default'] = client.test_compatibility('py-payments-value', Schema(json.dumps(without_default), 'AVRO'))

errors = {}
try:
    SchemaRegistryClient({'url': url}).get_schema(987654)
except SchemaRegistryError as e:
    errors['missing_schema'] = [e.http_status_code, e.error_code]
try:
    client.register_schema('py-payments-value', Schema(json.dumps(without_default), 'AVRO'))
except SchemaRegistryError as e:
    errors['incompatible'] = [e.http_status_code, e.error_code]
try:
    client.register_schema('py-bad-value', Schema('{"type": "nope"}', 'AVRO'))
except SchemaRegistryError as e:
    errors['invalid'] = [e.http_status_code, e.error_code]
out['errors'] = errors
out['subjects'] = sorted(client.get_subjects())

# Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro body.
buffer = io.BytesIO()
buffer.write(struct.pack('>bI', 0, avro_id))
avro.io.DatumWriter(avro.schema.parse(PAYMENT)).write({'id': 'p-1', 'amount': 12.5}, avro.io.BinaryEncoder(buffer))
out['python_payload_hex'] = buffer.getvalue().hex()

# The Node client's record: its schema fetched by id from the registry, then decoded.
payload = bytes.fromhex(node_payload_hex)
magic, node_id = struct.unpack('>bI', payload[:5])
node_schema = avro.schema.parse(SchemaRegistryClient({'url': url}).get_schema(node_id).schema_str)
decoded = avro.io.DatumReader(node_schema).read(avro.io.BinaryDecoder(io.BytesIO(payload[5:])))
out['node_record'] = decoded
out['node_subject_latest_id'] = client.get_latest_version(node_subject).schema_id

# permanent=True is a soft delete then a permanent one, as Confluent requires.
out['deleted_versions'] = client.delete_subject('py-json-value', permanent=True)
try:
    client.get_versions('py-json-value')
except SchemaRegistryError as e:
    out['after_delete'] = [e.http_status_code, e.error_code]
print(json.dumps(out))
