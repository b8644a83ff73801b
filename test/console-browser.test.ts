/**
 * The console in real Chromium against a real broker with data: each page shows what a user checks
 * (a topic's message count, a group's lag after producing more, the broker's listing); a message
 * produced from the form is found in the browser; a group's offsets are reset from the UI; both
 * themes render. Every page's screenshot is kept in artifacts/console/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Admin, Consumer, Producer } from '../src/client/index.ts';
import {
  cell, ensureConsoleBuilt, launchChromium, rowCells, screenshot, startConsoleProcess, waitForText, type ConsoleProcess,
} from './helpers/console-browser.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { findFreePort, startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

let broker: TestBroker;
let admin: Admin;
let producer: Producer;
let console_: ConsoleProcess;
let browser: Browser;
let context: BrowserContext;
let brokerId: number;

const LAPTOP = { width: 1440, height: 900 };

before(async () => {
  await ensureConsoleBuilt();
  const metricsPort = await findFreePort();
  broker = await startTestBroker(
    {
      'group.initial.rebalance.delay.ms': '0',
      'metrics.listener': `http://127.0.0.1:${metricsPort}`,
      // ACLs are kept and checked; the console (and this test) connect as User:ANONYMOUS, a super user.
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:ANONYMOUS',
    },
    undefined,
    { silent: true },
  );
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([
    { topic: 'orders', numPartitions: 3 },
    { topic: 'payments', numPartitions: 1 },
    { topic: 'traffic', numPartitions: 1 },
  ]);
  producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  // orders: 10 + 10 + 5 JSON records; payments: 10 text records.
  await producer.sendBatch(
    [10, 10, 5].flatMap((count, partition) =>
      Array.from({ length: count }, (_, i) => ({ topic: 'orders', partition, key: `order-${partition}-${i}`, value: JSON.stringify({ id: i, partition }) })),
    ),
  );
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'payments', partition: 0, key: `p${i}`, value: `payment ${i}` })));
  // The group 'billing' read payments up to offset 4: lag 6. It has no members, so it can be reset.
  await admin.alterConsumerGroupOffsets('billing', [{ topic: 'payments', partition: 0, offset: 4 }]);
  brokerId = (await admin.describeCluster()).brokers[0]!.nodeId;

  // The console scrapes the broker's /metrics every 500 ms for the overview's rates.
  console_ = await startConsoleProcess(broker.bootstrap, ['--metrics-url', `http://127.0.0.1:${metricsPort}/metrics`, '--metrics-interval-ms', '500']);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: LAPTOP, colorScheme: 'light' });
});

after(async () => {
  await context?.close();
  await browser?.close();
  await console_?.close();
  await producer?.close();
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function open(hash: string, page?: Page): Promise<Page> {
  const p = page ?? (await context.newPage());
  p.on('pageerror', (error) => assert.fail(`the page threw: ${error.message}`));
  await p.goto(`${console_.url}/${hash}`);
  return p;
}

/** Records produced to and fetched from `traffic` until stopped, so the broker has rates to show. */
function traffic(): () => Promise<void> {
  let running = true;
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap] });
  consumer.assign([{ topic: 'traffic', partition: 0 }]);
  const loops = [
    (async () => {
      for (let i = 0; running; i++) {
        await producer.sendBatch(Array.from({ length: 50 }, (_, j) => ({ topic: 'traffic', partition: 0, value: `traffic ${i}-${j} `.repeat(20) })));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })(),
    (async () => {
      while (running) await consumer.poll(200);
    })(),
  ];
  return async () => {
    running = false;
    await Promise.all(loops);
    await consumer.close();
  };
}

test('overview: the broker, the controller, topics and partitions, no under-replicated or offline partitions, live rates', async () => {
  const page = await open('#/');
  const stopTraffic = traffic();
  try {
    const perSecond = (t: string) => t.endsWith('/s') && !t.startsWith('0 ');
    await waitForText(page, '[data-testid=card-bytes-in] .value', perSecond, 'bytes in per second from the metrics');
    await waitForText(page, '[data-testid=card-bytes-out] .value', perSecond, 'bytes out per second from the metrics');
    assert.equal(await page.locator('[data-testid=chart-bytes] canvas').count(), 1);
    assert.equal(await page.locator('[data-testid=chart-messages] canvas').count(), 1);
    // Some samples, so the screenshot shows the lines (the page polls the rates every 5 s).
    await waitFor(async () => Number(await page.locator('[data-testid=chart-bytes]').getAttribute('data-points')) >= 8, 30_000, { what: '8 samples in the chart' });
  } finally {
    await stopTraffic();
  }
  await waitForText(page, '[data-testid=card-brokers] .value', (t) => t === '1', 'one broker');
  assert.equal(await page.locator('[data-testid=card-controller] .value').textContent(), String(brokerId));
  await waitForText(page, '[data-testid=card-partitions] .value', (t) => Number(t.replace(/,/g, '')) >= 4, 'the partitions of orders and payments');
  assert.equal(await page.locator('[data-testid=card-under-replicated] .value').textContent(), '0');
  assert.equal(await page.locator('[data-testid=card-offline] .value').textContent(), '0');
  await waitForText(page, '[data-testid=cluster-name]', (t) => t.includes(broker.bootstrap), 'the cluster in the header');
  await screenshot(page, 'overview');
  await page.close();
});

test('topics: each topic with its message count; / focuses the search, Enter opens the selected topic', async () => {
  const page = await open('#/topics');
  assert.equal(await cell(page, 'topics-table', 'orders', 'Messages'), '25');
  assert.equal(await cell(page, 'topics-table', 'orders', 'Partitions'), '3');
  assert.equal(await cell(page, 'topics-table', 'payments', 'Messages'), '10');
  await screenshot(page, 'topics');

  await page.keyboard.press('/');
  await page.keyboard.type('pay');
  await waitForText(page, '[data-testid=topics-table]', (t) => !t.includes('orders') && t.includes('payments'), 'the search keeps only payments');
  await page.locator('[data-testid=topics-table]').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/topics\/payments$/);
  await waitForText(page, '[data-testid=topic-message-count]', (t) => t === '10', 'the topic page counts 10 messages');
  await page.close();
});

test('a topic: partitions with leader, replicas, ISR and offsets; a config edited from its row', async () => {
  const page = await open('#/topics/orders');
  const p0 = await rowCells(page, 'partitions-table', '0');
  assert.equal(await cell(page, 'partitions-table', '0', 'Leader'), String(brokerId));
  assert.equal(await cell(page, 'partitions-table', '0', 'ISR'), String(brokerId));
  assert.equal(await cell(page, 'partitions-table', '2', 'End offset'), '5', p0.join(' | '));
  await screenshot(page, 'topic');

  await page.getByRole('link', { name: 'Configs' }).click();
  await page.locator('[data-testid=topic-configs] .vtable-row[data-key="retention.ms"]').click();
  await page.locator('#config-value').fill('3600000');
  await page.getByRole('button', { name: 'Set value' }).click();
  await waitFor(
    async () => (await admin.describeConfigs([{ type: 'topic', name: 'orders' }]))[0]!.configs.find((c) => c.name === 'retention.ms')?.value === '3600000',
    10_000,
    { what: 'retention.ms set on orders' },
  );
  await waitForText(page, '[data-testid=topic-configs] .vtable-row[data-key="retention.ms"]', (t) => t.includes('3600000') && t.includes('topic override'), 'the override and its source');
  await screenshot(page, 'topic-configs');
  await page.close();
});

test('create a topic, add partitions and delete it from the UI', async () => {
  const page = await open('#/topics');
  await page.getByRole('button', { name: 'Create topic' }).click();
  await page.locator('#topic-name').fill('bad name!');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await waitForText(page, '.field-error', (t) => t.includes('Letters, digits'), 'the name is refused before sending');
  await page.locator('#topic-name').fill('made-in-browser');
  await page.locator('#topic-partitions').fill('2');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/#\/topics\/made-in-browser$/);
  assert.equal((await admin.describeTopics(['made-in-browser']))[0]!.partitions.length, 2);

  await page.getByRole('button', { name: 'Add partitions' }).click();
  await page.locator('#partition-count').fill('4');
  await page.getByRole('button', { name: 'Add partitions' }).last().click();
  await waitForText(page, '[data-testid=topic-summary]', (t) => t.startsWith('4 partitions'), 'four partitions');
  assert.equal((await admin.describeTopics(['made-in-browser']))[0]!.partitions.length, 4);

  await page.getByRole('button', { name: 'Delete topic' }).click();
  await page.locator('[data-testid=confirm-dialog]').getByRole('button', { name: 'Delete topic' }).click();
  await page.waitForURL(/#\/topics$/);
  await waitFor(async () => !(await admin.listTopics()).includes('made-in-browser'), 10_000, { what: 'made-in-browser deleted' });
  await page.close();
});

test('brokers: the broker listed with its address; its page shows the log dir and its partitions', async () => {
  const page = await open('#/brokers');
  assert.equal(await cell(page, 'brokers-table', String(brokerId), 'Address'), broker.bootstrap);
  await screenshot(page, 'brokers');
  await page.locator(`[data-testid=brokers-table] .vtable-row[data-key="${brokerId}"]`).click();
  await waitForText(page, '[data-testid=log-dir] h2', (t) => t.includes(broker.dataDir), 'the broker log dir');
  await page.getByRole('searchbox', { name: /Filter partitions/ }).fill('orders');
  await waitForText(page, '[data-testid=log-dir]', (t) => ['orders-0', 'orders-1', 'orders-2'].every((p) => t.includes(p)) && !t.includes('payments-0'), 'the partitions of orders in the log dir');
  await screenshot(page, 'broker');
  await page.getByRole('tab', { name: 'Configs' }).click();
  await page.getByRole('searchbox', { name: /Filter Configs of broker/ }).fill('log.dirs');
  const logDirs = await rowCells(page, 'broker-configs', 'log.dirs');
  assert.equal(logDirs[1], broker.dataDir, logDirs.join(' | '));
  await screenshot(page, 'broker-configs');
  await page.close();
});

test('messages: produce from the form, find the message, filter by value, view it as JSON and hex', async () => {
  const page = await open('#/topics/orders/messages');
  await waitForText(page, '[data-testid=message-count]', (t) => t.startsWith('25 message'), 'the newest messages of orders');
  await page.getByRole('button', { name: 'Produce message' }).click();
  const form = page.locator('[data-testid=produce-form]');
  await form.locator('#produce-partition').fill('1');
  await form.locator('#produce-key').fill('from-the-browser');
  await form.locator('#produce-value').fill('{"greeting":"hello from Chromium"}');
  await form.locator('#produce-value-encoding').selectOption('json');
  await form.locator('#produce-headers').fill('source: console-test');
  await form.getByRole('button', { name: 'Produce' }).click();
  await waitForText(page, '.toast', (t) => t.includes('partition 1 at offset 10'), 'the produce is confirmed');
  await waitForText(page, '[data-testid=messages-table] .vtable-row[data-key="1-10"]', (t) => t.includes('from-the-browser'), 'the produced message in the list');

  // A real consumer reads the same record.
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap] });
  try {
    consumer.assign([{ topic: 'orders', partition: 1 }]);
    consumer.seek({ topic: 'orders', partition: 1 }, 10);
    const [record] = await waitFor(async () => {
      const records = await consumer.poll(500);
      return records.length > 0 ? records : undefined;
    }, 10_000, { what: 'the produced record' });
    assert.equal(record!.key?.toString(), 'from-the-browser');
    assert.equal(record!.value?.toString(), '{"greeting":"hello from Chromium"}');
    assert.deepEqual(record!.headers.map((h) => [h.key, h.value?.toString()]), [['source', 'console-test']]);
  } finally {
    await consumer.close();
  }

  await page.locator('#mq-from').selectOption('beginning');
  await page.locator('#mq-value').fill('Chromium');
  await page.getByRole('button', { name: 'Load' }).click();
  await waitForText(page, '[data-testid=message-count]', (t) => t.startsWith('1 message'), 'only the matching message');
  await page.locator('[data-testid=messages-table] .vtable-row[data-key="1-10"]').click();
  const value = page.locator('[data-testid=message-value]');
  await waitForText(page, '[data-testid=message-value] pre', (t) => t.includes('"greeting": "hello from Chromium"'), 'the value pretty-printed as JSON');
  await value.getByRole('button', { name: 'hex' }).click();
  await waitForText(page, '[data-testid=message-value] pre', (t) => t.startsWith('00000000  7b 22 67 72'), 'the value as hex');
  await waitForText(page, '[data-testid=message-headers]', (t) => t.includes('source') && t.includes('console-test'), 'the header');
  await screenshot(page, 'messages');
  await page.close();
});

test('messages: from an offset, from a timestamp; the live tail shows a message produced after it started', async () => {
  const page = await open('#/topics/payments/messages');
  await waitForText(page, '[data-testid=message-count]', (t) => t.startsWith('10 message'), 'the messages of payments');
  await page.locator('#mq-from').selectOption('offset');
  await page.locator('#mq-offset').fill('7');
  await page.getByRole('button', { name: 'Load' }).click();
  await waitForText(page, '[data-testid=messages-table]', (t) => t.includes('payment 7') && t.includes('payment 9') && !t.includes('payment 6'), 'from offset 7');
  await page.locator('#mq-from').selectOption('timestamp');
  await page.locator('#mq-timestamp').fill('2000-01-01T00:00:00');
  await page.getByRole('button', { name: 'Load' }).click();
  await waitForText(page, '[data-testid=message-count]', (t) => t.startsWith('10 message'), 'every message is after 2000');
  await page.locator('#mq-timestamp').fill('2100-01-01T00:00:00');
  await page.getByRole('button', { name: 'Load' }).click();
  await waitForText(page, '[data-testid=message-count]', (t) => t.startsWith('0 message'), 'none after 2100');
  await page.getByRole('button', { name: '▶ Live tail' }).click();
  await waitForText(page, '[data-testid=tail-status]', (t) => t === 'following new messages', 'the tail is live');
  await producer.send({ topic: 'payments', partition: 0, key: 'tailed', value: 'seen live' });
  await waitForText(page, '[data-testid=messages-table] .vtable-row[data-key="0-10"]', (t) => t.includes('seen live'), 'the tailed message');
  await screenshot(page, 'messages-tail');
  await page.getByRole('button', { name: '■ Stop live tail' }).click();
  await page.close();
});

test('consumer groups: lag rises after producing more; a reset to latest from the UI clears it', async () => {
  // The tail test added one record to payments: the group is 7 behind (4 of 11 read).
  const list = await open('#/groups');
  assert.equal(await cell(list, 'groups-table', 'billing', 'Total lag'), '7');
  assert.equal(await cell(list, 'groups-table', 'billing', 'State'), 'Empty');
  await screenshot(list, 'groups');
  await list.close();

  const page = await open('#/groups/billing');
  await waitForText(page, '[data-testid=group-total-lag] .value', (t) => t === '7', 'lag 7');
  await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic: 'payments', partition: 0, value: `more ${i}` })));
  // The page polls: lag rises to 12 without a reload.
  await waitForText(page, '[data-testid=group-total-lag] .value', (t) => t === '12', 'lag 12 after producing 5 more');
  assert.equal(await cell(page, 'group-offsets', 'payments-0', 'Lag'), '12');
  assert.equal(await page.locator('[data-testid=lag-chart] canvas').count(), 1);
  await screenshot(page, 'group');

  await page.getByRole('button', { name: 'Reset offsets' }).click();
  const dialog = page.locator('[data-testid=reset-offsets-dialog]');
  await dialog.locator('#reset-strategy').selectOption('to-latest');
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await waitForText(page, '[data-testid=reset-preview] tbody', (t) => t.replace(/\s+/g, ' ').includes('payments-0 4 16'), 'the dry run: 4 -> 16');
  assert.equal((await admin.listConsumerGroupOffsets('billing'))[0]!.offset, 4, 'a preview changes nothing');
  await screenshot(page, 'group-reset');
  await dialog.getByRole('button', { name: 'Reset offsets' }).click();
  await waitForText(page, '[data-testid=group-total-lag] .value', (t) => t === '0', 'lag 0 after the reset');
  assert.equal((await admin.listConsumerGroupOffsets('billing'))[0]!.offset, 16);
  await page.close();
});

test('a group deleted from the UI', async () => {
  await admin.alterConsumerGroupOffsets('obsolete', [{ topic: 'orders', partition: 0, offset: 1 }]);
  const page = await open('#/groups/obsolete');
  await waitForText(page, '[data-testid=group-total-lag] .value', (t) => t === '9', 'the group to delete');
  await page.getByRole('button', { name: 'Delete group' }).click();
  await page.locator('[data-testid=confirm-dialog]').getByRole('button', { name: 'Delete group' }).click();
  await page.waitForURL(/#\/groups$/);
  await waitForText(page, '[data-testid=groups-table]', (t) => t.includes('billing') && !t.includes('obsolete'), 'the group gone from the list');
  assert.ok(!(await admin.listGroups()).some((g) => g.groupId === 'obsolete'));
  await page.close();
});

test('ACLs: one added from the form is listed and kept by the broker, then deleted from its row', async () => {
  const page = await open('#/acls');
  await page.getByRole('button', { name: 'Add ACL' }).click();
  await page.locator('#acl-principal').fill('bob');
  await page.getByRole('button', { name: 'Add ACL' }).last().click();
  await waitForText(page, '.field-error', (t) => t.includes('User:alice'), 'a principal without its type is refused');
  await page.locator('#acl-principal').fill('User:bob');
  await page.locator('#acl-operation').selectOption('WRITE');
  await page.locator('#acl-resource-name').fill('orders');
  await page.getByRole('button', { name: 'Add ACL' }).last().click();
  const key = 'User:bob ALLOW WRITE on TOPIC orders from *';
  assert.deepEqual(await rowCells(page, 'acls-table', key), ['User:bob', 'ALLOW', 'WRITE', 'TOPIC', 'orders', 'LITERAL', '*']);
  const kept = await admin.describeAcls({ pattern: { resourceType: 'TOPIC', name: 'orders' } });
  assert.deepEqual(kept.map((a) => [a.entry.principal, a.entry.operation, a.entry.permissionType]), [['User:bob', 'WRITE', 'ALLOW']]);
  await screenshot(page, 'acls');

  await page.locator(`[data-testid=acls-table] .vtable-row[data-key="${key}"]`).click();
  await page.locator('[data-testid=confirm-dialog]').getByRole('button', { name: 'Delete ACL' }).click();
  await waitForText(page, '[data-testid=acls-table]', (t) => !t.includes('User:bob'), 'the ACL gone from the list');
  assert.deepEqual(await admin.describeAcls({ pattern: { resourceType: 'TOPIC', name: 'orders' } }), []);
  await page.close();
});

test('users: a SCRAM credential added from the form', async () => {
  const users = await open('#/users');
  await users.getByRole('button', { name: 'Add user' }).click();
  await users.locator('#user-name').fill('alice');
  await users.locator('#user-password').fill('alice-secret');
  await users.getByRole('button', { name: 'Save' }).click();
  assert.deepEqual(await rowCells(users, 'users-table', 'alice'), ['alice', 'SCRAM-SHA-256 (4096 iterations)']);
  const described = await admin.describeUserScramCredentials(['alice']);
  assert.equal(described[0]!.credentialInfos[0]!.mechanism, 'SCRAM-SHA-256');
  await screenshot(users, 'users');
  await users.close();
});

test('--read-only: the pages offer no change (no create, delete, produce or reset), browsing works', async () => {
  const readOnly = await startConsoleProcess(broker.bootstrap, ['--read-only']);
  const page = await context.newPage();
  try {
    await page.goto(`${readOnly.url}/#/topics`);
    assert.equal(await cell(page, 'topics-table', 'orders', 'Partitions'), '3');
    await waitForText(page, '.app-header', (t) => t.includes('read-only'), 'the read-only badge');
    assert.equal(await page.getByRole('button', { name: 'Create topic' }).count(), 0);
    await page.goto(`${readOnly.url}/#/topics/orders/messages`);
    await waitForText(page, '[data-testid=message-count]', (t) => /^\d+ message/.test(t), 'messages browsed read-only');
    assert.equal(await page.getByRole('button', { name: /Delete topic|Add partitions|Produce message/ }).count(), 0);
    await page.goto(`${readOnly.url}/#/groups/billing`);
    await waitForText(page, '[data-testid=group-total-lag] .value', (t) => /^\d/.test(t), 'the group read-only');
    assert.equal(await page.getByRole('button', { name: /Reset offsets|Delete group/ }).count(), 0);
    await screenshot(page, 'group-read-only');
  } finally {
    await page.close();
    await readOnly.close();
  }
});

test('themes: the system scheme by default, the toggle switches and is remembered', async () => {
  // Expressions evaluated in the page (the test's own types have no DOM).
  const background = (page: Page) => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
  const theme = (page: Page) => page.evaluate<string | undefined>('document.documentElement.dataset.theme');

  const dark = await browser.newContext({ viewport: LAPTOP, colorScheme: 'dark' });
  const darkPage = await open('#/topics', await dark.newPage());
  await waitForText(darkPage, '[data-testid=topics-table]', (t) => t.includes('orders'), 'topics in the dark theme');
  assert.equal(await theme(darkPage), 'dark');
  assert.equal(await background(darkPage), 'rgb(15, 18, 23)');
  await screenshot(darkPage, 'topics-dark');
  await darkPage.goto(`${console_.url}/#/`);
  await waitForText(darkPage, '[data-testid=card-brokers] .value', (t) => t === '1', 'the overview in the dark theme');
  await screenshot(darkPage, 'overview-dark');
  await dark.close();

  const page = await open('#/');
  assert.equal(await theme(page), 'light');
  assert.equal(await background(page), 'rgb(246, 247, 249)');
  await page.getByTestId('theme-toggle').click();
  assert.equal(await theme(page), 'dark');
  await page.reload();
  assert.equal(await theme(page), 'dark', 'the choice is remembered over the system scheme');
  await page.getByTestId('theme-toggle').click();
  assert.equal(await theme(page), 'light');
  await page.close();
});
