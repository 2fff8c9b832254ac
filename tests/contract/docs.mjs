// Loads the Swagger UI at /docs/ in headless Chromium (Debian's, driven by playwright-core), waits
// until the operations render, takes a screenshot, and fails if the page asked for anything that
// is not on 127.0.0.1: the docs must work without internet.
//
//   node docs.mjs http://127.0.0.1:PORT [screenshot.png]
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.argv[2];
const screenshot = process.argv[3] ?? join(tmpdir(), `kinderen-eerst-docs-${process.pid}.png`);
const document = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
const methods = new Set(['get', 'put', 'post', 'delete', 'patch']);
const operations = Object.values(document.paths).flatMap((item) => Object.keys(item).filter((m) => methods.has(m)))
  .length;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const outside = [];
const failed = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 2000 } });
  // Anything not on the loopback address is recorded and refused, so the test never depends on it.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1') {
      return route.continue();
    }
    outside.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('requestfailed', (r) => {
    if (new URL(r.url()).hostname === '127.0.0.1') failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  await page.goto(`${base}/docs/`, { waitUntil: 'load', timeout: 30_000 });
  await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, operations, {
    timeout: 60_000,
  });
  const rendered = await page.locator('.opblock').count();
  const title = (await page.locator('.info .title').first().textContent())?.trim();
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log(`docs: "${title}" shows ${rendered} operations (the document has ${operations}); screenshot ${screenshot}`);
} finally {
  await browser.close();
}
if (failed.length) {
  console.error(`docs: requests to the service failed:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
if (outside.length) {
  console.error(`docs: the page asked for addresses outside 127.0.0.1:\n  ${outside.join('\n  ')}`);
  process.exit(1);
}
console.log('docs: rendered offline, no request left 127.0.0.1');
