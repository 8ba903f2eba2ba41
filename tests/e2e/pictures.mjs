// The sketch pad's accuracy measured through the page: trains with QUERY, then uploads every
// PNG of DIR through #image-input and compares #prediction with the label in the file name
// (`KIND.INDEX.LABEL.png`, as `fashion-train --write-pictures DIR` writes them).
//
//   node tests/e2e/pictures.mjs '?backend=cpu&autostart=1' DIR     (after `trunk build --release`)
import fs from 'node:fs';
import path from 'node:path';
import { open, waitPhase, shutdown } from './harness.mjs';

const [query = '?backend=cpu&autostart=1', dir] = process.argv.slice(2);
if (!dir) { console.error('usage: node tests/e2e/pictures.mjs QUERY DIR'); process.exit(2); }
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
const { page, ctx } = await open(query);
const t0 = Date.now();
const phase = await waitPhase(page, ['done', 'error'], 60 * 60_000);
console.log(`trained: phase ${phase} after ${((Date.now() - t0) / 1000).toFixed(0)} s; ${await page.$eval('#status', (e) => e.textContent)}`);
const seq = () => page.$eval('#prediction', (e) => Number(e.dataset.seq || 0));
const byKind = {};
const millis = [];
for (const f of files) {
  const [kind, , label] = f.split('.');
  const before = await seq();
  await page.setInputFiles('#image-input', path.join(dir, f));
  await page.waitForFunction((b) => Number(document.querySelector('#prediction').dataset.seq || 0) > b, before, { timeout: 30_000 });
  const p = await page.$eval('#prediction', (e) => ({ ...e.dataset }));
  const k = (byKind[kind] ??= { n: 0, svm: 0, cnn: 0 });
  k.n++;
  k.svm += Number(p.class) === Number(label);
  k.cnn += Number(p.cnnClass) === Number(label);
  if (p.millis) millis.push(Number(p.millis));
}
for (const [kind, k] of Object.entries(byKind)) {
  console.log(`${kind.padEnd(30)} ${k.n} pictures: CNN head ${(k.cnn / k.n).toFixed(3)}, CNN+SVM ${(k.svm / k.n).toFixed(3)}`);
}
millis.sort((a, b) => a - b);
console.log(`worker time per answer: median ${millis[millis.length >> 1]} ms, max ${millis[millis.length - 1]} ms`);
await ctx.close();
await shutdown();
