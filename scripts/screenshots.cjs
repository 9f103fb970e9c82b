// Screenshots of the web page for the docs and release notes: a finished job
// in the before/after view on a desktop (1280x900) and on a phone (390x844),
// and "Try it" on /docs. Runs a real job on a running `vidmatte serve`.
//
//   NODE_PATH=~/.cache/vidmatte/node/node_modules \
//     node scripts/screenshots.cjs <base_url> <api_key> <clip_path> [out_dir] [model]
//
// out_dir defaults to docs/screenshots, model to `human` (use a clip of a
// person, e.g. carphone). Needs playwright-core and Chromium at $CHROMIUM
// (default /usr/bin/chromium), as crates/cli/tests/browser/page.cjs does.
// Fails when a PNG would be over 400 KB.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [baseArg, apiKey, clipPath, outArg, modelArg] = process.argv.slice(2);
if (!baseArg || !apiKey || !clipPath) {
  console.error('usage: node scripts/screenshots.cjs <base_url> <api_key> <clip_path> [out_dir] [model]');
  process.exit(2);
}
const base = baseArg.replace(/\/+$/, '') + '/';
const outDir = outArg || path.join(__dirname, '..', 'docs', 'screenshots');
const model = modelArg || 'human';
const LIMIT = 400 * 1024;
const JOB_TIMEOUT_MS = Number(process.env.VIDMATTE_BROWSER_TIMEOUT_MS || 300000);

async function seeded(browser, options) {
  const context = await browser.newContext(Object.assign({ colorScheme: 'light' }, options));
  await context.addInitScript((key) => {
    try { localStorage.setItem('vidmatte.apiKey', key); } catch (_) { /* ignore */ }
  }, apiKey);
  return context;
}

async function save(page, file) {
  const buf = await page.screenshot({ animations: 'disabled', caret: 'hide' });
  if (buf.length > LIMIT) throw new Error(`${file} would be ${buf.length} bytes, over ${LIMIT}`);
  fs.writeFileSync(file, buf);
  return { file, bytes: buf.length };
}

/** Runs a job with `model` on the clip in `page` and waits for its before/after view. */
async function runJob(page, button) {
  await page.waitForSelector('[data-testid=key-status].ok', { timeout: 15000 });
  await page.click(`[data-testid=model-${model}]`);
  await page.click('[data-testid=format-webm]');
  await page.click('[data-testid=bg-transparent]');
  await page.setInputFiles('[data-testid=file-input]', clipPath);
  await page.waitForSelector('[data-testid=upload].done', { timeout: 60000 });
  await page.click(`[data-testid=${button}]`);
  await page.waitForSelector('[data-testid=job-status][data-job-id]', { timeout: 30000 });
  await page.waitForFunction(() => ['completed', 'failed', 'canceled'].includes(document.querySelector('[data-testid=job-status]').dataset.status),
    null, { timeout: JOB_TIMEOUT_MS, polling: 250 });
  const status = await page.getAttribute('[data-testid=job-status]', 'data-status');
  if (status !== 'completed') throw new Error(`the job ended ${status}`);
  await waitForCompare(page);
  // The divider a little left of the middle.
  await page.evaluate(() => {
    const s = document.getElementById('cmp-slider');
    s.value = '42';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function waitForCompare(page) {
  await page.waitForSelector('[data-testid=compare][data-ready=true]', { state: 'visible', timeout: 60000 });
  // The thumbnail of the job in the list, for the picture.
  await page.waitForSelector('[data-testid=job-item][aria-current] [data-testid=job-thumb]', { timeout: 30000 }).catch(() => {});
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--hide-scrollbars'],
  });
  const shots = [];
  try {
    // Desktop: the whole tool with the finished job.
    let ctx = await seeded(browser, { viewport: { width: 1280, height: 900 } });
    let page = await ctx.newPage();
    await page.goto(base, { waitUntil: 'load' });
    await runJob(page, 'start');
    await page.evaluate(() => window.scrollTo(0, 0));
    shots.push(await save(page, path.join(outDir, 'desktop-result.png')));
    await ctx.close();

    // Phone: a 3 s preview, the page scrolled to the result as it is after Start.
    ctx = await seeded(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    page = await ctx.newPage();
    await page.goto(base, { waitUntil: 'load' });
    await runJob(page, 'preview');
    await page.evaluate(() => document.querySelector('.result-card').scrollIntoView({ behavior: 'auto', block: 'start' }));
    shots.push(await save(page, path.join(outDir, 'phone-result.png')));
    await ctx.close();

    // Docs: Try it on GET /v1/credits with the key this browser holds.
    ctx = await seeded(browser, { viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    await page.goto(`${base}docs`, { waitUntil: 'load' });
    const box = page.locator('[data-testid=try][data-method=get][data-path="/v1/credits"]');
    await box.waitFor({ state: 'attached', timeout: 15000 });
    await box.locator('[data-testid=try-it]').click();
    await box.locator('[data-testid=try-status]').waitFor({ state: 'visible', timeout: 15000 });
    await page.evaluate(() => {
      const tryBox = document.querySelector('[data-testid=try][data-path="/v1/credits"]');
      const top = tryBox.closest('article').getBoundingClientRect().top + window.scrollY - 70;
      const bottom = tryBox.getBoundingClientRect().bottom + window.scrollY;
      // The operation from its heading when it fits, else down to its answer.
      window.scrollTo(0, bottom - top > window.innerHeight - 90 ? bottom - window.innerHeight + 20 : top);
    });
    shots.push(await save(page, path.join(outDir, 'docs-try-it.png')));
    await ctx.close();
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify({ ok: true, shots }));
}

main().catch((e) => { console.error(`screenshots failed: ${e && e.stack || e}`); process.exit(1); });
