/**
 * The console at scale, in real Chromium: 100,000 messages of one topic scrolled from the first to
 * the last, pages loading as the list reaches its end, and a cluster of 10,000 topics listed,
 * searched and scrolled, while the page keeps only the rows in view in the DOM (the virtualized list).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Admin, Producer } from '../src/client/index.ts';
import { ensureConsoleBuilt, launchChromium, screenshot, startConsoleProcess, waitForText, type ConsoleProcess } from './helpers/console-browser.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const MESSAGES = 100_000;
const TOPICS = 10_000;
/** Topics per CreateTopics request while the test makes its 10,000. */
const TOPICS_PER_REQUEST = 500;
const topicName = (i: number) => `t-${String(i).padStart(5, '0')}`;

let broker: TestBroker;
let console_: ConsoleProcess;
let browser: Browser;

before(async () => {
  await ensureConsoleBuilt();
  broker = await startTestBroker({}, undefined, { silent: true });
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 5 });
  try {
    await admin.createTopics([{ topic: 'scroll', numPartitions: 1 }]);
    for (let start = 0; start < TOPICS; start += TOPICS_PER_REQUEST) {
      await admin.createTopics(Array.from({ length: TOPICS_PER_REQUEST }, (_, i) => ({ topic: topicName(start + i), numPartitions: 1 })));
    }
    for (let start = 0; start < MESSAGES; start += 10_000) {
      await producer.sendBatch(Array.from({ length: 10_000 }, (_, i) => ({ topic: 'scroll', partition: 0, key: `k${start + i}`, value: `message number ${start + i}` })));
    }
  } finally {
    await producer.close();
    await admin.close();
  }
  console_ = await startConsoleProcess(broker.bootstrap);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await console_?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

const count = (text: string) => Number(text.replace(/ message.*$/s, '').replace(/,/g, ''));

test('100,000 messages: End scrolls on and loads the next page until the last message; only the rows in view are in the DOM', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => assert.fail(`the page threw: ${error.message}`));
  await page.goto(`${console_.url}/#/topics/scroll/messages`);
  await page.locator('#mq-from').selectOption('beginning');
  await page.locator('#mq-limit').selectOption('1000');
  await page.getByRole('button', { name: 'Load' }).click();
  await waitForText(page, '[data-testid=message-count]', (t) => count(t) >= 1000 && !t.includes('loading'), 'the first page');

  const table = page.locator('[data-testid=messages-table]');
  await table.focus();
  for (let loaded = count(await page.locator('[data-testid=message-count]').innerText()); loaded < MESSAGES; ) {
    await page.keyboard.press('End');
    const before = loaded;
    loaded = count(await waitForText(page, '[data-testid=message-count]', (t) => count(t) > before && !t.includes('loading'), `more than ${before} messages`));
  }
  assert.equal(await table.getAttribute('data-row-count'), String(MESSAGES));
  await page.keyboard.press('End');
  await waitForText(page, '[data-testid=messages-table] .vtable-row[data-key="0-99999"]', (t) => t.includes('message number 99999'), 'the last message in view');
  const rendered = await table.locator('.vtable-row').count();
  assert.ok(rendered > 10 && rendered < 100, `${rendered} rows in the DOM for ${MESSAGES} messages`);
  await screenshot(page, 'messages-100k');

  await page.keyboard.press('Home');
  await waitForText(page, '[data-testid=messages-table] .vtable-row[data-key="0-0"]', (t) => t.includes('message number 0'), 'back at the first message');
  for (let i = 0; i < 5; i++) await page.keyboard.press('PageDown');
  const selected = page.locator('[data-testid=messages-table] .vtable-row[aria-selected=true]');
  assert.match(await selected.innerText(), /message number \d+/);
  await page.keyboard.press('Enter');
  await waitForText(page, '[data-testid=message-detail]', (t) => /Partition 0, offset \d+/.test(t), 'Enter opens the selected message');
  await page.close();
});

test('10,000 topics: the Topics page lists them all with only the rows in view in the DOM; search and End reach any of them', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => assert.fail(`the page threw: ${error.message}`));
  await page.goto(`${console_.url}/#/topics`);
  // Every topic but the internal ones (__consumer_offsets may exist): the 10,000 and 'scroll'.
  await waitForText(page, '[data-testid=topic-count]', (t) => t.startsWith(`${(TOPICS + 1).toLocaleString('en-US')} of`), 'the count of 10,001 topics', 60_000);
  const table = page.locator('[data-testid=topics-table]');
  assert.equal(await table.getAttribute('data-row-count'), String(TOPICS + 1));
  const rendered = await table.locator('.vtable-row').count();
  assert.ok(rendered > 10 && rendered < 100, `${rendered} rows in the DOM for ${TOPICS + 1} topics`);
  await screenshot(page, 'topics-10k');

  await table.focus();
  await page.keyboard.press('End');
  await waitForText(page, '[data-testid=topics-table]', (t) => t.includes(topicName(TOPICS - 1)), 'the last topic in view after End');

  await page.keyboard.press('/');
  await page.keyboard.type(topicName(4321));
  await waitForText(page, '[data-testid=topic-count]', (t) => t.startsWith('1 of'), 'one topic matching the search');
  assert.match(await table.innerText(), new RegExp(topicName(4321)));
  await table.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`#/topics/${topicName(4321)}$`));
  await page.close();
});
