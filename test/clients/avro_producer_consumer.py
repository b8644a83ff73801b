"""Debian's python3-confluent-kafka legacy Avro clients (confluent_kafka.avro) against Samsa.

Usage: avro_producer_consumer.py BOOTSTRAP REGISTRY_URL PY_TOPIC NODE_TOPIC NODE_COUNT GROUP KEY_SCHEMA VALUE_SCHEMA

The package's new-style AvroSerializer needs fastavro, which Debian does not package; its legacy
serializer (AvroProducer, AvroConsumer, CachedSchemaRegistryClient, MessageSerializer) encodes with
Apache's avro library (python3-avro) and runs. This script:
- produces PY_RECORDS to PY_TOPIC with AvroProducer, which registers KEY_SCHEMA and VALUE_SCHEMA
  under PY_TOPIC-key and PY_TOPIC-value (TopicNameStrategy) in the registry;
- asks the registry about them with CachedSchemaRegistryClient (latest version, the version and id
  of a schema, compatibility of a changed schema, the subject's compatibility level, a missing id
  and version, an incompatible registration, a subject deleted);
- reads NODE_COUNT records of NODE_TOPIC with AvroConsumer (group GROUP, from the earliest offset),
  which finds each record's writer schema by the id in its header.
Prints one JSON object with what it saw. Gives up after DEADLINE_S, so a hang is an error, not a
test timeout.
"""
import json
import sys
import time

from confluent_kafka import KafkaError
from confluent_kafka.avro import AvroConsumer, AvroProducer, CachedSchemaRegistryClient, ClientError, loads

DEADLINE_S = 60

(bootstrap, registry_url, py_topic, node_topic, node_count, group,
 key_schema_text, value_schema_text) = sys.argv[1:9]
node_count = int(node_count)

# The records the test expects to read back with our AvroDeserializer, exactly.
PY_RECORDS = [
    ({'region': 'eu', 'number': 1},
     {'id': 'py-1', 'quantity': 3, 'price': 12.5, 'discount': 0.0, 'weight': 0.25, 'note': 'gift',
      'status': 'SHIPPED', 'tags': ['fragile', 'python'], 'attributes': {'colour': 2, 'size': 40}}),
    ({'region': 'us', 'number': 2},
     {'id': 'py-2', 'quantity': -7, 'price': 0.1, 'discount': 1.5, 'weight': -3.5, 'note': None,
      'status': 'NEW', 'tags': [], 'attributes': {}}),
    ({'region': 'eu', 'number': 4102444800000},
     {'id': 'py-3 \u00e9\u00e8 \u2603', 'quantity': 2147483647, 'price': -1e300, 'discount': 1.0, 'weight': 1024.0,
      'note': '', 'status': 'PAID', 'tags': ['x'], 'attributes': {'k': -1}}),
]


def produce(key_schema, value_schema):
    producer = AvroProducer({'bootstrap.servers': bootstrap, 'schema.registry.url': registry_url},
                            default_key_schema=key_schema, default_value_schema=value_schema)
    delivered, errors = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered.append({'partition': msg.partition(), 'offset': msg.offset()})

    for key, value in PY_RECORDS:
        producer.produce(topic=py_topic, key=key, value=value, on_delivery=on_delivery)
    remaining = producer.flush(DEADLINE_S)
    return {'delivered': delivered, 'errors': errors, 'undelivered': remaining}


def register_error(client, subject, schema_json):
    """The start of the ClientError's message (its status) that register raises, or None."""
    try:
        client.register(subject, loads(json.dumps(schema_json)))
    except ClientError as e:
        return str(e).split(' message:')[0]
    return None


def ask_registry(value_schema):
    """What CachedSchemaRegistryClient (a fresh one: empty caches, so every call is a request) reads."""
    client = CachedSchemaRegistryClient({'url': registry_url})
    value_subject, key_subject = py_topic + '-value', py_topic + '-key'
    value_id, latest_schema, latest_version = client.get_latest_schema(value_subject)
    key_id, key_schema, key_version = client.get_latest_schema(key_subject)
    fields = json.loads(value_schema_text)['fields']
    with_default = dict(json.loads(value_schema_text), fields=fields + [{'name': 'channel', 'type': 'string', 'default': 'web'}])
    without_default = dict(json.loads(value_schema_text), fields=fields + [{'name': 'channel', 'type': 'string'}])
    result = {
        'value_latest': {'id': value_id, 'version': latest_version, 'name': latest_schema.fullname},
        'key_latest': {'id': key_id, 'version': key_version, 'name': key_schema.fullname},
        'value_version': client.get_version(value_subject, loads(value_schema_text)),
        'value_registration': client.check_registration(value_subject, value_schema),
        'compatible_with_default': client.test_compatibility(value_subject, loads(json.dumps(with_default))),
        'compatible_without_default': client.test_compatibility(value_subject, loads(json.dumps(without_default))),
        'set_compatibility': client.update_compatibility('FULL', value_subject),
        'compatibility': client.get_compatibility(value_subject),
        'missing_id': client.get_by_id(2147483647),
        'missing_version': list(client.get_by_version(value_subject, 99)),
        'invalid_version': list(client.get_by_version(value_subject, 'first')),
        'incompatible': register_error(client, value_subject, dict(json.loads(value_schema_text), fields=[
            dict(f, type='string') if f['name'] == 'quantity' else f for f in fields])),
        'scratch_id': client.register(py_topic + '-scratch', loads('"string"')),
        'scratch_deleted': client.delete_subject(py_topic + '-scratch'),
    }
    client.close()
    return result


def consume():
    consumer = AvroConsumer({
        'bootstrap.servers': bootstrap, 'schema.registry.url': registry_url, 'group.id': group,
        'auto.offset.reset': 'earliest', 'enable.partition.eof': False,
    })
    consumer.subscribe([node_topic])
    records, errors = [], []
    deadline = time.monotonic() + DEADLINE_S
    try:
        while len(records) < node_count and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    errors.append(str(msg.error()))
                continue
            records.append({'partition': msg.partition(), 'offset': msg.offset(), 'key': msg.key(), 'value': msg.value()})
    finally:
        consumer.close()
    return {'records': records, 'errors': errors}


def main():
    key_schema, value_schema = loads(key_schema_text), loads(value_schema_text)
    produced = produce(key_schema, value_schema)
    registry = ask_registry(value_schema)
    consumed = consume()
    print(json.dumps({'produced': produced, 'registry': registry, 'consumed': consumed}))


main()
