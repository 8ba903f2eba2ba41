// Page load: time from navigation until the sketch pad can answer with the shipped model
// (`#model-info[data-source]` set, measured in the page against navigationStart), and until a
// first drawing is answered; five fresh loads per backend. Prints one JSON line.
//   node tests/e2e/load-time.mjs     (after `trunk build --release`)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, open, shutdown } from './harness.mjs';

const DIST = path.resolve(ROOT, process.env.DIST || 'dist');
const gz = (f) => zlib.gzipSync(fs.readFileSync(path.join(DIST, f)), { level: 9 }).length;
// Both programs, by their hashed names: the page's own wasm and the training worker's.
const find = (re) => fs.readdirSync(DIST).find((f) => re.test(f));
const [pageWasm, workerWasm] = [find(/^page-.*_bg\.wasm$/), find(/^fashion-worker-.*_bg\.wasm$/)];
const out = { page_wasm_bytes: fs.statSync(path.join(DIST, pageWasm)).size, page_wasm_gzip_bytes: gz(pageWasm),
  worker_wasm_bytes: fs.statSync(path.join(DIST, workerWasm)).size, worker_wasm_gzip_bytes: gz(workerWasm),
  model_bytes: fs.statSync(path.join(DIST, 'pretrained.fmnist')).size, model_gzip_bytes: gz('pretrained.fmnist') };

for (const [name, query, webgpu] of [['cpu', '?backend=cpu', false], ['auto (WebGPU adapter)', '?', true]]) {
  const ready = [], answered = [];
  for (let i = 0; i < 5; i++) {
    const { page, ctx } = await open(query, { webgpu });
    try {
      await page.waitForFunction(() => document.querySelector('#model-info').dataset.source === 'pretrained', null, { timeout: 60_000, polling: 10 });
      ready.push(await page.evaluate(() => performance.now()));
      const box = await page.$eval('#sketch', (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
      await page.mouse.move(box.x + 0.3 * box.w, box.y + 0.2 * box.h);
      await page.mouse.down();
      await page.mouse.move(box.x + 0.7 * box.w, box.y + 0.8 * box.h);
      await page.mouse.up();
      await page.waitForFunction(() => document.querySelector('#prediction').dataset.class !== undefined, null, { timeout: 60_000, polling: 10 });
      answered.push(await page.evaluate(() => performance.now()));
    } finally {
      await ctx.close();
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  out[name] = { model_ready_ms: Math.round(median(ready)), first_answer_ms: Math.round(median(answered)), all_ready_ms: ready.map(Math.round) };
}
console.log(JSON.stringify(out));
await shutdown();
