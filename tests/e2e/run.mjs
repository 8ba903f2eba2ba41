// End-to-end tests: serve the built page (dist/) and drive it in Debian's headless Chromium
// through the hooks of shared/e2e-contract.md only. Prints one line per test and a closing
// "N passed, M failed" line; exits non-zero on any failure.
//
//   node tests/e2e/run.mjs [filter]     (after `trunk build --release`; scripts/test.sh does both)
//
// Env: DIST (default dist), CHROMIUM (/usr/bin/chromium), OUT (target/e2e: screenshots, log).
import fs from 'node:fs';
import path from 'node:path';
import { OUT, open, waitPhase, attr, text, shutdown } from './harness.mjs';

const filter = process.argv[2] || '';
function check(cond, message) { if (!cond) throw new Error(message); }

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

async function trainShort(name, { webgpu, backend }) {
  const { page, ctx, log } = await open('?autostart=1&train_limit=2000&test_limit=1000&epochs=1', { webgpu });
  try {
    const phase = await waitPhase(page, ['done', 'error'], 15 * 60_000);
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    check(phase === 'done', `ended in phase ${phase}: ${await text(page, '#error')}`);
    check((await attr(page, '#backend', 'data-backend')) === backend, `backend is ${await attr(page, '#backend', 'data-backend')}, expected ${backend}`);
    const acc = parseFloat(await attr(page, '#metrics', 'data-cnn-accuracy'));
    const ips = parseFloat(await attr(page, '#metrics', 'data-images-per-second'));
    check(acc > 0.5, `CNN accuracy ${acc} is not far above chance (0.1)`);
    check(ips > 0, `images per second ${ips}`);
    check((await text(page, '#error')) === '', `#error not empty: ${await text(page, '#error')}`);
    return `accuracy ${acc}, ${ips.toFixed(0)} images/s on ${backend}`;
  } catch (e) { fs.writeFileSync(path.join(OUT, `${name}.log`), log.join('\n')); throw e; } finally { await ctx.close(); }
}

test('short run on WebGPU (SwiftShader) reaches far-above-chance accuracy', () => trainShort('train-webgpu', { webgpu: true, backend: 'webgpu' }));
test('short run without a WebGPU adapter falls back to the CPU', () => trainShort('train-cpu', { webgpu: false, backend: 'cpu' }));

async function expectError(query, needle, { webgpu = false, name } = {}) {
  const { page, ctx } = await open(query, { webgpu });
  try {
    const phase = await waitPhase(page, ['error', 'ready', 'done'], 120_000);
    if (name) await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    const msg = await text(page, '#error');
    check(phase === 'error', `phase ${phase}, expected error`);
    check(msg.toLowerCase().includes(needle.toLowerCase()), `#error "${msg}" does not mention "${needle}"`);
    check(await page.$eval('#error', (e) => e.offsetParent !== null), '#error is not visible');
    return msg.slice(0, 100);
  } finally { await ctx.close(); }
}

test('unknown backend value is an error', () => expectError('?backend=quantum', 'unknown backend "quantum"'));
test('unknown arch value is an error', () => expectError('?arch=resnet152', 'unknown architecture "resnet152"', { name: 'error-arch' }));
test('data URL with no files is an error naming the 404', () => expectError('?data=./no-such-dir/', '404', { name: 'error-missing-data' }));
test('data URL that does not answer is an error', () => expectError('?data=http://127.0.0.1:9/', 'could not reach'));
test('corrupt dataset file is an error', () => expectError('?data=./corrupt/', 'not a gzip file'));

test('backend=webgpu without an adapter says so and uses the CPU', async () => {
  const { page, ctx } = await open('?backend=webgpu');
  try {
    const phase = await waitPhase(page, ['ready', 'error'], 120_000);
    check(phase === 'ready', `phase ${phase}`);
    check((await attr(page, '#backend', 'data-backend')) === 'cpu', 'not on the CPU');
    const msg = await text(page, '#error');
    check(/WebGPU was requested but is not available/.test(msg), `#error: "${msg}"`);
    return msg.slice(0, 90);
  } finally { await ctx.close(); }
});

async function stopTest(name, { webgpu, backend, minAccuracy }) {
  const { page, ctx, log } = await open(`?backend=${backend}&epochs=1&test_limit=500`, { webgpu });
  try {
    check((await waitPhase(page, ['ready', 'error'], 120_000)) === 'ready', 'not ready');
    // Watch the main thread: the longest gap between animation frames while training runs.
    await page.evaluate(() => { window.__gap = 0; let t = performance.now(); const f = (n) => { window.__gap = Math.max(window.__gap, n - t); t = n; window.__raf = requestAnimationFrame(f); }; requestAnimationFrame(f); });
    await page.click('#train-button');
    // At least three batches done (938 in the epoch), then a little more.
    await page.waitForFunction(() => parseInt(document.querySelector('#live-epoch').textContent) >= 1 && document.querySelector('#progress').value * 938 >= 3 && document.querySelector('#status').dataset.phase === 'training', null, { timeout: 120_000, polling: 100 });
    await page.waitForTimeout(2000);
    const gap = await page.evaluate(() => window.__gap);
    const t0 = Date.now();
    await page.click('#stop-button');
    await page.waitForFunction(() => document.querySelector('#status').dataset.phase !== 'training', null, { timeout: 10_000, polling: 50 });
    const stopMs = Date.now() - t0;
    const phase = await waitPhase(page, ['done', 'error'], 300_000);
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    check(phase === 'done', `phase ${phase}: ${await text(page, '#error')}`);
    check((await attr(page, '#backend', 'data-backend')) === backend, 'wrong backend');
    check(stopMs < 1500, `Stop took ${stopMs} ms`);
    check(gap < 500, `the page froze for ${gap.toFixed(0)} ms during training`);
    const acc = parseFloat(await attr(page, '#metrics', 'data-cnn-accuracy'));
    check(acc > minAccuracy, `kept model scores ${acc}`);
    // A second run can start after a stop.
    check(!(await page.$eval('#train-button', (b) => b.disabled)), 'Train is disabled after stop');
    return `stopped in ${stopMs} ms; longest frame gap ${gap.toFixed(0)} ms; kept model accuracy ${acc}`;
  } catch (e) { fs.writeFileSync(path.join(OUT, `${name}.log`), log.join('\n')); throw e; } finally { await ctx.close(); }
}

test('Stop on the CPU takes effect within a second, keeps the model, page stays responsive', () => stopTest('stopped-cpu', { webgpu: false, backend: 'cpu', minAccuracy: 0.3 }));
// SwiftShader needs seconds per batch: Stop must not wait for the batch in flight.
test('Stop on WebGPU takes effect within a second even mid-batch', () => stopTest('stopped-webgpu', { webgpu: true, backend: 'webgpu', minAccuracy: 0.15 }));

let passed = 0, failed = 0;
for (const t of tests) {
  if (filter && !t.name.includes(filter)) continue;
  const t0 = Date.now();
  try {
    const info = await t.fn();
    passed++;
    console.log(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s) ${info ? '- ' + info : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${e.message.split('\n')[0]}`);
  }
}
await shutdown();
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
