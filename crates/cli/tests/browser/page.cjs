// Browser test of the web page at `/`: a real Chromium drives the page against
// a running `vidmatte serve`, uploads a real clip, processes it with a real
// model and checks the result really is transparent and downloads as WebM,
// with the progress bar and the recent-jobs row agreeing while it runs, a
// before/after slider with zoom, a thumbnail in the list and the model's
// measured speed; then checks the placement drawing, runs a 3-second preview
// with a blurred background, the page on a phone (touch wording, scrolling to
// the result under the sticky header), a file that is not a video, and
// "Try it" on /docs.
//
//   node crates/cli/tests/browser/page.cjs <base_url> <api_key> <clip_path> <download_dir>
//
// Needs `playwright-core` on NODE_PATH and Chromium at $CHROMIUM (default
// /usr/bin/chromium). Prints one line of JSON and exits 0 on success; on any
// failure prints the reason, saves a screenshot into <download_dir> and exits 1.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [baseArg, apiKey, clipPath, downloadDir] = process.argv.slice(2);
if (!baseArg || !apiKey || !clipPath || !downloadDir) {
  console.error('usage: node page.cjs <base_url> <api_key> <clip_path> <download_dir>');
  process.exit(2);
}
const base = baseArg.replace(/\/+$/, '') + '/';
const PROCESS_TIMEOUT_MS = Number(process.env.VIDMATTE_BROWSER_TIMEOUT_MS || 240000);
// Two jobs are processed (the full run and the preview) and a third, on the
// phone, is canceled as soon as it starts.
const OVERALL_TIMEOUT_MS = 3 * PROCESS_TIMEOUT_MS + 180000;

let browser = null;
let page = null;
let step = 'starting';
const started = Date.now();
const pageErrors = [];

function ms() { return Date.now() - started; }

async function fail(reason) {
  const shot = path.join(downloadDir, 'browser-failure.png');
  let saved = false;
  try {
    if (page) { await page.screenshot({ path: shot, fullPage: true, timeout: 10000 }); saved = true; }
  } catch (_) { /* the page may be gone */ }
  let extra = '';
  try {
    if (page) {
      const errs = await page.locator('#errors').innerText({ timeout: 2000 });
      if (errs.trim()) extra += ` | page errors: ${errs.replace(/\s+/g, ' ').trim()}`;
      const jobErr = await page.locator('#job-error').innerText({ timeout: 2000 });
      if (jobErr.trim()) extra += ` | job error: ${jobErr.replace(/\s+/g, ' ').trim()}`;
    }
  } catch (_) { /* best effort */ }
  if (pageErrors.length) extra += ` | uncaught in page: ${pageErrors.join(' ; ')}`;
  console.error(`browser test failed at step "${step}" after ${ms()} ms: ${reason}${extra}${saved ? ` (screenshot: ${shot})` : ''}`);
  try { if (browser) await browser.close(); } catch (_) { /* ignore */ }
  process.exit(1);
}

function check(cond, reason) {
  if (!cond) throw new Error(reason);
}

const watchdog = setTimeout(() => {
  fail(`the whole test took longer than ${OVERALL_TIMEOUT_MS / 1000} s`);
}, OVERALL_TIMEOUT_MS);

async function main() {
  check(fs.existsSync(clipPath), `clip not found: ${clipPath}`);
  fs.mkdirSync(downloadDir, { recursive: true });

  step = 'launch chromium';
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e && e.message || e)));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));

  step = 'open the page';
  const res = await page.goto(base, { waitUntil: 'load' });
  check(res && res.ok(), `GET / answered ${res && res.status()}`);
  await page.waitForSelector('[data-testid=dropzone]', { state: 'visible' });
  const title = await page.title();
  check(/vidmatte/i.test(title), `unexpected page title: ${title}`);
  // Nothing from a CDN: every request so far went to the server itself.
  const foreign = requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:'));
  check(foreign.length === 0, `the page loaded things from elsewhere: ${foreign.join(', ')}`);

  // ---- error path: a wrong key is explained in words, not codes.
  step = 'wrong API key';
  await page.fill('[data-testid=key-input]', 'vm_live_' + 'X'.repeat(32));
  await page.click('[data-testid=key-save]');
  await page.waitForSelector('[data-testid=key-status].bad', { timeout: 15000 });
  const wrongKeyText = (await page.locator('[data-testid=key-status]').innerText()).replace(/\s+/g, ' ').trim();
  check(/not accepted/i.test(wrongKeyText), `the wrong key is not explained: ${wrongKeyText}`);
  check(!/invalid_api_key|"error"|\{|\b401\b/.test(wrongKeyText), `the message shows raw codes/JSON: ${wrongKeyText}`);
  check(await page.locator('[data-testid=start]').isDisabled(), 'start is enabled with a rejected key');

  // ---- the real key, remembered across a reload.
  step = 'enter the API key';
  await page.fill('[data-testid=key-input]', apiKey);
  await page.click('[data-testid=key-save]');
  await page.waitForSelector('[data-testid=key-status].ok', { timeout: 15000 });
  check(!/not accepted/i.test(await page.locator('[data-testid=key-status]').innerText()), 'the wrong-key message stayed after a good key was accepted');
  step = 'key remembered after reload';
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('[data-testid=key-status].ok', { timeout: 15000 });
  check(await page.inputValue('[data-testid=key-input]') === apiKey, 'the key was not remembered');
  await page.waitForSelector('[data-testid=credits]:not([hidden])', { timeout: 10000 });

  // ---- people: the model picker points at Human.
  step = 'the Human tip';
  const tip = page.locator('[data-testid=model-tip]');
  check(await tip.isVisible(), 'no tip about the Human model next to the model choice');
  const tipText = (await tip.innerText()).replace(/\s+/g, ' ').trim();
  check(/people/i.test(tipText) && /human/i.test(tipText), `the model tip reads: ${tipText}`);

  // ---- a file of random bytes named .mp4: one message, the server's.
  step = 'a file that is not a video';
  const junk = path.join(downloadDir, 'junk.mp4');
  fs.writeFileSync(junk, require('crypto').randomBytes(64 * 1024));
  await page.setInputFiles('[data-testid=file-input]', junk);
  await page.waitForSelector('[data-testid=upload].failed', { timeout: 60000 });
  // The browser has given up on playing it too (its preview is gone) before the texts are read.
  await page.waitForFunction(() => !document.getElementById('input-video'), null, { timeout: 30000, polling: 100 });
  const junkTexts = await page.evaluate(() => {
    const text = document.body.innerText; // rendered text only: hidden elements don't count
    return { local: /may still read it/i.test(text), server: /isn.t a video this server can read/i.test(text) };
  });
  check(junkTexts.server && !junkTexts.local,
    `a junk .mp4 should show only the server's answer: ${JSON.stringify(junkTexts)}`);

  // ---- options: light, webm, transparent.
  step = 'choose options';
  await page.click('[data-testid=model-light]');
  await page.click('[data-testid=format-webm]');
  await page.click('[data-testid=bg-transparent]');
  check(await page.isChecked('#model-light'), 'model light not selected');
  check(await page.isChecked('#format-webm'), 'format webm not selected');
  check(await page.isChecked('#bg-transparent'), 'background transparent not selected');
  check(await page.isHidden('#prompt-field'), 'the prompt field shows for a model other than pro');
  check(await page.isHidden('#color-field'), 'the colour picker shows for a background other than custom');

  // ---- upload.
  step = 'upload the clip';
  const uploadStart = Date.now();
  await page.setInputFiles('[data-testid=file-input]', clipPath);
  await page.waitForSelector('#input-video', { timeout: 10000 });
  check(!/isn.t a video/i.test(await page.locator('[data-testid=errors]').innerText()), 'the junk file\'s message stayed after a real video was chosen');
  await page.waitForSelector('[data-testid=upload].done, [data-testid=upload].failed', { timeout: 60000 });
  check(await page.locator('[data-testid=upload].done').count() === 1,
    `upload failed: ${await page.locator('[data-testid=upload-detail]').innerText()}`);
  const uploadMs = Date.now() - uploadStart;
  const uploadDetail = await page.locator('[data-testid=upload-detail]').innerText();
  check(/uploaded/i.test(uploadDetail), `upload panel says: ${uploadDetail}`);

  // ---- start and follow progress.
  step = 'start the job';
  await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 10000 });
  const processStart = Date.now();
  await page.click('[data-testid=start]');
  await page.waitForSelector('[data-testid=job-status][data-job-id]', { timeout: 30000 });
  const jobId = await page.getAttribute('[data-testid=job-status]', 'data-job-id');
  check(/^job_/.test(jobId || ''), `no job id on the page: ${jobId}`);

  step = 'wait for completion';
  const seenProgress = new Set();
  const seenStages = new Set();
  // The bar and the job's row in the list, read in one go: the same number.
  const progressPairs = [];
  for (;;) {
    const snap = await page.evaluate((id) => {
      const chip = document.querySelector('[data-testid=job-status]');
      const row = document.querySelector(`[data-testid=job-item][data-job-id="${id}"]`);
      const rowPct = row && row.querySelector('[data-testid=job-progress]');
      return {
        status: chip.dataset.status,
        bar: document.getElementById('job-bar').getAttribute('aria-valuenow'),
        barText: document.getElementById('progress-pct').textContent,
        rowStatus: row ? row.dataset.status : null,
        row: rowPct ? rowPct.dataset.progress : null,
        rowText: rowPct ? rowPct.textContent : null,
      };
    }, jobId);
    const st = snap.status;
    const pct = snap.bar;
    seenProgress.add(pct);
    seenStages.add(await page.locator('[data-testid=stage-text]').innerText());
    if (st === 'processing' && snap.rowStatus) {
      check(snap.rowStatus === st, `the list says ${snap.rowStatus} while the progress says ${st}`);
      check(snap.row === pct && snap.rowText.includes(`${pct}%`) && snap.barText === `${pct}%`,
        `the progress bar and the list disagree: ${JSON.stringify(snap)}`);
      progressPairs.push(Number(pct));
    }
    if (st === 'completed') break;
    if (st === 'failed' || st === 'canceled') {
      throw new Error(`the job ended ${st}: ${(await page.locator('[data-testid=job-error]').innerText()).trim()}`);
    }
    if (Date.now() - processStart > PROCESS_TIMEOUT_MS) {
      throw new Error(`the job did not finish within ${PROCESS_TIMEOUT_MS / 1000} s (status ${st}, ${pct}%)`);
    }
    await page.waitForTimeout(250);
  }
  const processingMs = Date.now() - processStart;
  check(requests.some((u) => u.includes(`/v1/jobs/${jobId}/events`)), 'the page never opened the event stream');
  check(progressPairs.length > 0, 'the bar and the list were never compared while the job ran');

  // ---- before / after: one frame of both, a divider, zoom.
  step = 'before/after slider';
  await page.waitForSelector('[data-testid=compare][data-ready=true]', { state: 'visible', timeout: 30000 });
  const cmpState = () => page.evaluate(() => {
    const after = document.querySelector('[data-testid=compare-after]');
    const before = document.querySelector('[data-testid=compare-before]');
    const stage = document.querySelector('[data-testid=compare-stage]');
    const vi = document.querySelector('[data-testid=compare-input]');
    const vr = document.querySelector('[data-testid=compare-result]');
    const layers = [...stage.querySelectorAll('.cmp-layer')].map((l) => getComputedStyle(l).transform);
    return {
      afterClip: getComputedStyle(after).clipPath, beforeClip: getComputedStyle(before).clipPath,
      split: stage.dataset.split, zoom: stage.dataset.zoom, layers,
      stageBg: getComputedStyle(stage).backgroundImage,
      input: { t: vi.currentTime, paused: vi.paused, ready: vi.readyState, w: vi.videoWidth },
      result: { t: vr.currentTime, paused: vr.paused, ready: vr.readyState, w: vr.videoWidth },
      slider: document.querySelector('[data-testid=compare-slider]').value,
    };
  });
  const cmp0 = await cmpState();
  check(cmp0.input.w > 0 && cmp0.result.w > 0 && cmp0.input.ready >= 2 && cmp0.result.ready >= 2,
    `the before/after videos are not loaded: ${JSON.stringify(cmp0)}`);
  check(cmp0.input.paused && cmp0.result.paused && Math.abs(cmp0.input.t - cmp0.result.t) < 0.05,
    `before and after are not on the same frame: ${JSON.stringify(cmp0)}`);
  check(/gradient/.test(cmp0.stageBg), `the result is not over a checkerboard in the comparison: ${cmp0.stageBg}`);
  check(cmp0.split === '50' && /50%/.test(cmp0.afterClip), `the divider does not start in the middle: ${JSON.stringify(cmp0)}`);
  await page.focus('[data-testid=compare-slider]');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('[data-testid=compare-stage]').dataset.split === '0', null, { timeout: 5000 });
  const cmp1 = await cmpState();
  check(cmp1.afterClip !== cmp0.afterClip && cmp1.beforeClip !== cmp0.beforeClip,
    `moving the divider did not change the clipping: ${cmp0.afterClip} -> ${cmp1.afterClip}`);
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('[data-testid=compare-stage]').dataset.split !== '0', null, { timeout: 5000 });
  const cmp2 = await cmpState();
  check(Number(cmp2.split) > 0 && cmp2.afterClip !== cmp1.afterClip, `the divider does not follow the arrow keys: ${JSON.stringify(cmp2)}`);
  await page.click('[data-testid=zoom-2]');
  const cmp3 = await cmpState();
  check(cmp3.zoom === '2' && cmp3.layers.every((t) => /^matrix\(2, 0, 0, 2,/.test(t)) && cmp3.layers[0] === cmp3.layers[1],
    `zoom 2× does not scale both pictures alike: ${JSON.stringify(cmp3.layers)}`);
  // Drag to pan: both pictures move together.
  const box = await page.locator('[data-testid=compare-stage]').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 25, { steps: 4 });
  await page.mouse.up();
  const cmp4 = await cmpState();
  check(cmp4.layers[0] !== cmp3.layers[0] && cmp4.layers[0] === cmp4.layers[1] && cmp4.split === cmp2.split,
    `dragging the zoomed picture does not pan it: ${JSON.stringify({ before: cmp3.layers, after: cmp4.layers, split: cmp4.split })}`);
  await page.click('[data-testid=zoom-4]');
  check((await cmpState()).layers.every((t) => /^matrix\(4, 0, 0, 4,/.test(t)), 'zoom 4× does not scale the pictures');
  await page.click('[data-testid=zoom-1]');
  check((await cmpState()).zoom === '1', 'zoom does not go back to 1×');

  // ---- the preview is really transparent: read pixels back through a canvas.
  step = 'check the preview for transparency';
  // In the side-by-side view (the before/after view is shown first).
  await page.waitForSelector('[data-testid=result-video]', { state: 'attached', timeout: 15000 });
  const boxBg = await page.$eval('[data-testid=result-preview]', (el) => getComputedStyle(el).backgroundImage);
  check(/gradient/.test(boxBg), `the result is not shown over a checkerboard (background-image: ${boxBg})`);
  const pixels = await page.evaluate(async () => {
    const v = document.getElementById('result-video');
    const until = (ok, ev, ms) => new Promise((resolve, reject) => {
      if (ok()) return resolve();
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${ev} (readyState ${v.readyState}, error ${v.error && v.error.message})`)), ms);
      const on = () => { if (ok()) { clearTimeout(t); v.removeEventListener(ev, on); resolve(); } };
      v.addEventListener(ev, on);
    });
    await until(() => v.readyState >= 2, 'loadeddata', 30000);
    if (v.error) throw new Error(`the result video failed to load: ${v.error.message}`);
    v.pause();
    const target = isFinite(v.duration) && v.duration > 0 ? Math.min(v.duration / 2, Math.max(0, v.duration - 0.1)) : 0.5;
    if (Math.abs(v.currentTime - target) > 0.01) {
      const seeked = new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
      v.currentTime = target;
      await Promise.race([seeked, new Promise((r) => setTimeout(r, 10000))]);
    }
    await until(() => v.readyState >= 2, 'canplay', 15000);
    const w = v.videoWidth, h = v.videoHeight;
    const c = document.createElement('canvas');
    c.width = w; c.height = h;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(v, 0, 0, w, h);
    const data = ctx.getImageData(0, 0, w, h).data; // throws if the canvas were tainted
    let clear = 0, solid = 0;
    for (let i = 3; i < data.length; i += 4) {
      if (data[i] < 128) clear++;
      if (data[i] > 200) solid++;
    }
    return { width: w, height: h, time: v.currentTime, target, duration: v.duration, total: w * h, clear, solid };
  });
  check(Math.abs(pixels.time - pixels.target) < 0.25,
    `the result preview cannot be scrubbed: asked for ${pixels.target} s, got ${pixels.time} s`);
  check(pixels.total > 0, `the result video has no frame size (${JSON.stringify(pixels)})`);
  check(pixels.clear > 0, `no transparent pixels in the preview frame (${JSON.stringify(pixels)})`);
  check(pixels.solid > 0, `no opaque pixels in the preview frame (${JSON.stringify(pixels)})`);
  check(pixels.clear / pixels.total > 0.01 && pixels.solid / pixels.total > 0.01,
    `the matte is (almost) all one thing: ${JSON.stringify(pixels)}`);

  // ---- download.
  step = 'download the result';
  const dlLink = page.locator('[data-testid=download]');
  check(await dlLink.isVisible(), 'no download button');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), dlLink.click()]);
  const failure = await download.failure();
  check(!failure, `download failed: ${failure}`);
  const file = path.join(downloadDir, download.suggestedFilename() || `${jobId}.webm`);
  await download.saveAs(file);
  const bytes = fs.readFileSync(file);
  check(bytes.length > 0, 'the downloaded file is empty');
  const magic = bytes.subarray(0, 4).toString('hex');
  check(magic === '1a45dfa3', `the download does not start with the WebM/EBML magic (got ${magic})`);

  // ---- the job is in the recent list, marked done.
  step = 'recent jobs list';
  const item = page.locator(`[data-testid=job-item][data-job-id="${jobId}"]`);
  await item.waitFor({ state: 'visible', timeout: 15000 });
  const itemText = (await item.innerText()).replace(/\s+/g, ' ');
  check(/done/i.test(itemText) && /light/i.test(itemText) && /webm/i.test(itemText), `the list entry reads: ${itemText}`);

  step = 'the finished job has a thumbnail';
  await item.locator('[data-testid=job-thumb]').waitFor({ state: 'visible', timeout: 30000 });
  const thumb = await item.locator('[data-testid=job-thumb]').evaluate((img) => ({
    complete: img.complete, w: img.naturalWidth, h: img.naturalHeight, shownW: img.getBoundingClientRect().width,
  }));
  check(thumb.complete && thumb.w > 0 && thumb.h > 0 && thumb.shownW > 0, `the thumbnail is not drawn: ${JSON.stringify(thumb)}`);

  step = 'the measured speed of the model';
  const modelsRes = await page.request.get(`${base}v1/models`, { headers: { 'X-Api-Key': apiKey } });
  let speed = null;
  if (modelsRes.status() === 404) {
    // An older server without GET /v1/models: no speeds shown.
    check(await page.locator('[data-testid=speed-light]').isHidden(), 'a speed shows without GET /v1/models');
  } else {
    check(modelsRes.ok(), `GET /v1/models answered ${modelsRes.status()}`);
    await page.waitForFunction(() => /\d\s*fps/.test(document.querySelector('[data-testid=speed-light]').textContent), null, { timeout: 20000, polling: 250 });
    speed = (await page.locator('[data-testid=speed-light]').innerText()).trim();
    check(/speed on this server/i.test(await page.locator('[data-testid=model-hint]').innerText()), 'the model hint does not say the speed');
  }

  // ---- the same result in another format, from the kept matte.
  step = 'another format without the model';
  const gifButton = page.locator('[data-testid=reformat] button[data-format=gif]');
  await gifButton.waitFor({ state: 'visible', timeout: 15000 });
  check(await page.locator('[data-testid=reformat] button[data-format=webm]').count() === 0, 'the job\'s own format is offered again');
  check(await page.locator('[data-testid=reformat] button[data-format=mp4]').count() === 0, 'mp4 offered for a transparent result');
  await gifButton.click();
  await page.waitForFunction((first) => {
    const text = document.querySelector('[data-testid=download-text]') || document.getElementById('download-text');
    const link = document.querySelector('[data-testid=download]');
    return link && !link.hidden && text && /GIF/.test(text.textContent) && !link.href.endsWith('#') && !link.href.includes(first);
  }, jobId, { timeout: 120000, polling: 250 });
  const gifJobs = await page.request.get(`${base}v1/jobs?limit=1`, { headers: { 'X-Api-Key': apiKey } });
  const gifJob = (await gifJobs.json()).jobs[0];
  check(gifJob.output_format === 'gif' && gifJob.matte_of === jobId && gifJob.status === 'completed' && gifJob.credits_charged === 0,
    `the GIF job: ${JSON.stringify({ format: gifJob.output_format, matte_of: gifJob.matte_of, status: gifJob.status, credits: gifJob.credits_charged })}`);

  // ---- placement: the drawing puts the subject where the server will.
  // 640x360 canvas, bottom-center, scale 0.5: fitted inside the canvas
  // (contain), halved, centred horizontally, on the bottom edge.
  step = 'placement drawing';
  await page.check('[data-testid=comp-on]');
  await page.waitForSelector('[data-testid=comp-panel]:not([hidden])', { timeout: 10000 });
  await page.check('[data-testid=canvas-on]');
  await page.fill('[data-testid=canvas-w]', '640');
  await page.fill('[data-testid=canvas-h]', '360');
  await page.click('[data-testid=anchor-bottom-center]');
  await page.fill('[data-testid=scale-input]', '0.5');
  // The video's size comes from the upload's answer or the browser reading the file.
  await page.waitForFunction(() => {
    const svg = document.querySelector('[data-testid=placement]');
    return svg && /^\d+x\d+$/.test(svg.dataset.video || '');
  }, null, { timeout: 30000, polling: 250 });
  const drawn = await page.evaluate(() => {
    const svg = document.querySelector('[data-testid=placement]');
    const r = document.querySelector('[data-testid=placement-fg]');
    const num = (a) => Number(r.getAttribute(a));
    return {
      canvas: svg.dataset.canvas, video: svg.dataset.video, viewBox: svg.getAttribute('viewBox'),
      x: num('x'), y: num('y'), width: num('width'), height: num('height'),
      text: document.querySelector('[data-testid=placement-text]').textContent,
    };
  });
  {
    const [vw, vh] = drawn.video.split('x').map(Number);
    const fit = Math.min(640 / vw, 360 / vh);
    const w = Math.round(vw * fit * 0.5), h = Math.round(vh * fit * 0.5);
    const want = { x: Math.floor((640 - w) / 2), y: 360 - h, width: w, height: h };
    check(drawn.canvas === '640x360' && drawn.viewBox === '0 0 640 360', `the drawing's canvas is not 640x360: ${JSON.stringify(drawn)}`);
    check(['x', 'y', 'width', 'height'].every((k) => Math.abs(drawn[k] - want[k]) <= 1),
      `the subject is drawn at ${JSON.stringify(drawn)}, expected ${JSON.stringify(want)}`);
    check(drawn.text.includes(`${want.width}×${want.height}`), `the placement caption reads: ${drawn.text}`);
  }
  // Placement off again: the preview below is sent without a composition.
  await page.uncheck('[data-testid=comp-on]');
  await page.waitForSelector('[data-testid=comp-panel]', { state: 'hidden', timeout: 10000 });

  // ---- a 3-second preview over the blurred original background.
  step = 'choose the blur background';
  await page.click('[data-testid=bg-blur]');
  check(await page.isChecked('#bg-blur'), 'background blur not selected');
  await page.waitForSelector('[data-testid=blur-field]:not([hidden])', { timeout: 10000 });
  const radius = Number(await page.inputValue('[data-testid=blur-input]'));
  check(radius >= 1 && radius <= 100, `blur radius out of range: ${radius}`);

  step = 'start a preview';
  await page.waitForSelector('[data-testid=preview]:not([disabled])', { timeout: 30000 });
  const isCreate = (r) => r.method() === 'POST' && /\/v1\/jobs$/.test(new URL(r.url()).pathname);
  const previewStart = Date.now();
  const [createReq] = await Promise.all([
    page.waitForRequest(isCreate, { timeout: 60000 }),
    page.click('[data-testid=preview]'),
  ]);
  const sent = createReq.postDataJSON();
  check(sent && sent.preview_duration === 3, `the preview was created without preview_duration 3: ${JSON.stringify(sent)}`);
  check(sent.background && sent.background.type === 'blur' && sent.background.radius === radius,
    `the preview's background is not blur with radius ${radius}: ${JSON.stringify(sent)}`);
  check(!('composition' in sent), `a composition was sent with placement off: ${JSON.stringify(sent)}`);
  check(/^upload:\/\//.test(sent.video_url || ''), `the preview does not use the uploaded video: ${JSON.stringify(sent)}`);
  const createRes = await createReq.response();
  check(createRes && createRes.ok(), `creating the preview answered ${createRes && createRes.status()}: ${createRes && await createRes.text()}`);
  const createdBody = await createRes.json();
  const previewId = (createdBody.job || createdBody).id || createdBody.id;
  check(/^job_/.test(previewId || '') && previewId !== jobId, `no new job id for the preview: ${JSON.stringify(createdBody)}`);

  step = 'wait for the preview';
  await page.waitForFunction((id) => {
    const c = document.querySelector('[data-testid=job-status]');
    return !!c && c.dataset.jobId === id && ['completed', 'failed', 'canceled'].includes(c.dataset.status);
  }, previewId, { timeout: PROCESS_TIMEOUT_MS, polling: 250 });
  const previewStatus = await page.getAttribute('[data-testid=job-status]', 'data-status');
  if (previewStatus !== 'completed') {
    throw new Error(`the preview ended ${previewStatus}: ${(await page.locator('[data-testid=job-error]').innerText()).trim()}`);
  }
  const previewMs = Date.now() - previewStart;

  step = 'the preview job as the API reads it';
  const jobRes = await page.request.get(`${base}v1/jobs/${previewId}`, { headers: { 'X-Api-Key': apiKey } });
  check(jobRes.ok(), `GET the preview job answered ${jobRes.status()}`);
  const previewJob = await jobRes.json();
  check(previewJob.preview === true && previewJob.preview_duration === 3,
    `the job is not marked as a 3 s preview: preview ${previewJob.preview}, preview_duration ${previewJob.preview_duration}`);
  check(previewJob.background && previewJob.background.type === 'blur',
    `the job's background is not blur: ${JSON.stringify(previewJob.background)}`);

  step = 'the preview is labelled and downloads';
  await page.waitForSelector('[data-testid=preview-badge]:not([hidden])', { timeout: 10000 });
  const badge = await page.locator('[data-testid=preview-badge]').innerText();
  check(/preview/i.test(badge), `the preview badge reads: ${badge}`);
  check(/preview/i.test(await page.locator('[data-testid=result-meta]').innerText()), 'the result line does not say preview');
  await page.waitForSelector('[data-testid=run-full]:not([hidden])', { timeout: 10000 });
  check(await page.locator('[data-testid=run-full]').isEnabled(), 'the full run is not one click away after the preview');
  const previewLink = page.locator('[data-testid=download]');
  await previewLink.waitFor({ state: 'visible', timeout: 15000 });
  const [previewDownload] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), previewLink.click()]);
  const previewFailure = await previewDownload.failure();
  check(!previewFailure, `preview download failed: ${previewFailure}`);
  const previewFile = path.join(downloadDir, previewDownload.suggestedFilename() || `${previewId}-preview.webm`);
  check(previewFile !== file, `the preview downloads under the full run's name: ${previewFile}`);
  await previewDownload.saveAs(previewFile);
  const previewBytes = fs.readFileSync(previewFile);
  const previewMagic = previewBytes.subarray(0, 4).toString('hex');
  check(previewBytes.length > 0 && previewMagic === '1a45dfa3', `the preview download is not WebM (${previewBytes.length} bytes, magic ${previewMagic})`);
  const previewItem = page.locator(`[data-testid=job-item][data-job-id="${previewId}"]`);
  await previewItem.waitFor({ state: 'visible', timeout: 15000 });
  const previewItemText = (await previewItem.innerText()).replace(/\s+/g, ' ');
  check(/done/i.test(previewItemText) && /preview/i.test(previewItemText), `the preview's list entry reads: ${previewItemText}`);

  // ---- on a phone: touch wording, and the result's heading clear of the sticky header.
  step = 'phone: open the page';
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await phone.addInitScript((key) => {
    try { if (!sessionStorage.getItem('seeded')) { localStorage.setItem('vidmatte.apiKey', key); sessionStorage.setItem('seeded', '1'); } } catch (_) { /* ignore */ }
  }, apiKey);
  const mobile = await phone.newPage();
  mobile.on('pageerror', (e) => pageErrors.push(`phone: ${String(e && e.message || e)}`));
  await mobile.goto(base, { waitUntil: 'load' });
  await mobile.waitForSelector('[data-testid=key-status].ok', { timeout: 15000 });
  const dropText = (await mobile.locator('[data-testid=drop-title]').innerText()).replace(/\s+/g, ' ').trim();
  check(/choose a video/i.test(dropText) && !/drop/i.test(dropText), `the drop zone on a phone reads: ${dropText}`);
  step = 'phone: start a job';
  await mobile.click('[data-testid=model-light]');
  await mobile.setInputFiles('[data-testid=file-input]', clipPath);
  await mobile.waitForSelector('[data-testid=upload].done', { timeout: 60000 });
  await mobile.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 10000 });
  await mobile.click('[data-testid=start]');
  await mobile.waitForSelector('[data-testid=job-status][data-job-id]', { timeout: 30000 });
  step = 'phone: the result under the header';
  // Wait for the scroll to end (the same position a few times in a row) near the result.
  await mobile.waitForFunction(() => {
    const s = window.__settle || (window.__settle = { y: -1, n: 0 });
    if (Math.abs(window.scrollY - s.y) < 1) s.n++; else { s.y = window.scrollY; s.n = 0; }
    const top = document.getElementById('result-title').getBoundingClientRect().top;
    return s.n >= 3 && top >= -5 && top < window.innerHeight / 2;
  }, null, { timeout: 15000, polling: 150 });
  const scrolled = await mobile.evaluate(() => ({
    title: document.getElementById('result-title').getBoundingClientRect().top,
    header: document.querySelector('.topbar').getBoundingClientRect().bottom,
    scrollY: window.scrollY,
  }));
  check(scrolled.scrollY > 0 && scrolled.title >= scrolled.header,
    `the result's heading is under the sticky header: ${JSON.stringify(scrolled)}`);
  // The job itself is not needed: cancel it if it still runs.
  const phoneJob = await mobile.getAttribute('[data-testid=job-status]', 'data-job-id');
  if (await mobile.locator('[data-testid=cancel]').isVisible()) await mobile.click('[data-testid=cancel]').catch(() => {});
  await mobile.waitForFunction(() => ['completed', 'failed', 'canceled'].includes(document.querySelector('[data-testid=job-status]').dataset.status),
    null, { timeout: PROCESS_TIMEOUT_MS, polling: 250 });
  await phone.close();

  // ---- the docs: Try it with the key this browser holds.
  step = 'docs: try it';
  const docsPage = await context.newPage();
  docsPage.on('pageerror', (e) => pageErrors.push(`docs: ${String(e && e.message || e)}`));
  await docsPage.goto(`${base}docs`, { waitUntil: 'load' });
  const tryCredits = docsPage.locator('[data-testid=try][data-method=get][data-path="/v1/credits"]');
  await tryCredits.waitFor({ state: 'attached', timeout: 15000 });
  await tryCredits.locator('[data-testid=try-it]').click();
  const keyNote = await tryCredits.locator('[data-testid=try-key]').innerText();
  check(keyNote.includes(apiKey.slice(-4)), `the docs don't say which key they send: ${keyNote}`);
  await tryCredits.locator('[data-testid=try-status]').waitFor({ state: 'visible', timeout: 15000 });
  const tryStatus = (await tryCredits.locator('[data-testid=try-status]').innerText()).trim();
  const tryBody = await tryCredits.locator('[data-testid=try-body]').innerText();
  let tryJson = null;
  try { tryJson = JSON.parse(tryBody); } catch (_) { /* checked below */ }
  check(tryStatus === '200' && tryJson && typeof tryJson === 'object', `Try it on GET /v1/credits showed ${tryStatus}: ${tryBody.slice(0, 300)}`);
  await docsPage.close();

  step = 'screenshots';
  // The placement controls open, to see them in the screenshots and on a phone.
  await page.check('[data-testid=comp-on]');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(downloadDir, 'page-1280x800.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(downloadDir, 'page-390x844.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `the page scrolls sideways on a 390 px phone by ${overflow} px`);

  check(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join(' ; ')}`);
  await browser.close();
  clearTimeout(watchdog);
  console.log(JSON.stringify({
    ok: true,
    job_id: jobId,
    upload_ms: uploadMs,
    processing_ms: processingMs,
    total_ms: ms(),
    progress_values_seen: seenProgress.size,
    progress_compared: { times: progressPairs.length, values: [...new Set(progressPairs)].length },
    compare: { split_after_keys: cmp2.split, clip: cmp2.afterClip, zoom2: cmp3.layers[0] },
    thumbnail: thumb,
    light_speed: speed,
    phone_scroll: scrolled,
    phone_job: phoneJob,
    docs_try: { status: tryStatus, keys: Object.keys(tryJson || {}) },
    stages_seen: [...seenStages],
    preview: pixels,
    download: { file, bytes: bytes.length, magic },
    placement: drawn,
    preview_job: { id: previewId, ms: previewMs, body: sent, download_bytes: previewBytes.length },
    wrong_key_message: wrongKeyText,
  }));
  process.exit(0);
}

main().catch((e) => fail(e && e.message ? e.message : String(e)));
