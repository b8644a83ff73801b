"""librdkafka (Debian's python3-confluent-kafka) against a broker: a transactional producer that
commits, aborts and commits again, then a read_committed and a read_uncommitted consumer reading the
topic from the start. Prints one JSON object: what each consumer read, in offset order.

usage: confluent_transactions.py BOOTSTRAP TOPIC TRANSACTIONAL_ID
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, transactional_id = sys.argv[1:4]

producer = Producer({
    'bootstrap.servers': bootstrap,
    'transactional.id': transactional_id,
    'enable.idempotence': True,
    'linger.ms': 5,
})
producer.init_transactions(30)


def transaction(prefix, count, commit):
    producer.begin_transaction()
    for i in range(count):
        producer.produce(topic, value=f'{prefix}-{i}'.encode(), partition=i % 2)
    if commit:
        producer.commit_transaction(30)
    else:
        producer.flush(30)
        producer.abort_transaction(30)


transaction('py-commit', 5, True)
transaction('py-abort', 3, False)
transaction('py-commit2', 2, True)


def read_all(isolation):
    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': f'py-{isolation}-{transactional_id}',
        'isolation.level': isolation,
        'enable.auto.commit': False,
        'auto.offset.reset': 'earliest',
    })
    partitions = [TopicPartition(topic, p, 0) for p in (0, 1)]
    consumer.assign(partitions)
    values = []
    quiet_since = time.time()
    deadline = time.time() + 30
    while time.time() < deadline and time.time() - quiet_since < 3:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            continue
        values.append([message.partition(), message.offset(), message.value().decode()])
        quiet_since = time.time()
    consumer.close()
    return sorted(values)


print(json.dumps({'read_committed': read_all('read_committed'), 'read_uncommitted': read_all('read_uncommitted')}))
