/**
 * The console in real Chromium with a schema registry (`samsa console --schema-registry URL`): a
 * record our AvroSerializer wrote in Confluent's wire format is shown decoded in the topic's
 * messages, and when opened its key and value carry the "schema id N · AVRO" badge. The page's
 * screenshot is kept in artifacts/console/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Admin, Producer } from '../src/client/index.ts';
import { AvroSerializer, SchemaRegistryClient } from '../src/client/schema-registry/index.ts';
import type { SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { ensureConsoleBuilt, launchChromium, screenshot, startConsoleProcess, waitForText, type ConsoleProcess } from './helpers/console-browser.ts';
import { startRegistryOnBroker, type RegistryOnBroker } from './helpers/registry-on-broker.ts';
import type { TestBroker } from './helpers/test-broker.ts';

let setup: RegistryOnBroker;
let broker: TestBroker;
let registry: SchemaRegistryServer;
let console_: ConsoleProcess;
let browser: Browser;
const ids = { key: 0, value: 0 };

const ORDER = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [{ name: 'id', type: 'long' }, { name: 'customer', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }],
};

before(async () => {
  await ensureConsoleBuilt();
  setup = await startRegistryOnBroker({ replicationFactor: 1 });
  ({ broker, registry } = setup);
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'avro-orders', numPartitions: 1 }]);
  await admin.close();
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const key = new AvroSerializer(client, { schema: '"string"', isKey: true });
  const value = new AvroSerializer(client, { schema: ORDER });
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  await producer.sendBatch([
    { topic: 'avro-orders', partition: 0, key: await key.serialize('avro-orders', 'order-42'), value: await value.serialize('avro-orders', { id: 42, customer: 'Grace Hopper', note: 'two boxes' }) },
  ]);
  await producer.close();
  ids.key = (await client.lookup('avro-orders-key', { schema: '"string"', schemaType: 'AVRO' })).id;
  ids.value = (await client.lookup('avro-orders-value', { schema: JSON.stringify(ORDER), schemaType: 'AVRO' })).id;
  console_ = await startConsoleProcess(broker.bootstrap, ['--schema-registry', registry.url]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await console_?.close();
  await setup?.close();
});

test('messages: an Avro record in Confluent\'s wire format is shown decoded, with its schema id badge', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => assert.fail(`the page threw: ${error.message}`));
    await page.goto(`${console_.url}/#/topics/avro-orders/messages`);
    await waitForText(page, '[data-testid=message-count]', (t) => t.startsWith('1 message'), 'the one record of avro-orders');
    // The list already shows the record's fields, not the wire format's bytes.
    const row = '[data-testid=messages-table] .vtable-row[data-key="0-0"]';
    await waitForText(page, row, (t) => t.includes('order-42') && t.includes('Grace Hopper'), 'the decoded key and value in the list');

    await page.locator(row).click();
    const badge = await waitForText(page, '[data-testid=message-value] .toolbar', (t) => t.includes(`schema id ${ids.value}`), 'the value\'s schema badge');
    assert.match(badge, new RegExp(`schema id ${ids.value} · AVRO`));
    const value = await waitForText(page, '[data-testid=message-value] pre', (t) => t.includes('Grace Hopper'), 'the decoded value');
    // Avro's JSON encoding, as kafka-avro-console-consumer prints it: a union's value under its branch.
    assert.deepEqual(JSON.parse(value), { id: 42, customer: 'Grace Hopper', note: { string: 'two boxes' } });
    const keyBadge = await waitForText(page, '[data-testid=message-key] .toolbar', (t) => t.includes('schema id'), 'the key\'s schema badge');
    assert.match(keyBadge, new RegExp(`schema id ${ids.key} · AVRO`));
    assert.equal(JSON.parse(await page.locator('[data-testid=message-key] pre').innerText()), 'order-42');
    await screenshot(page, 'messages-schema-registry');
  } finally {
    await context.close();
  }
});
