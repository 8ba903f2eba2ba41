// Measures a training run in headless Chromium through the page itself and prints one JSON
// line: backend, images/s, both test accuracies, the results table's rows (times, λ). Used for the README's numbers.
//   node tests/e2e/measure.mjs '?backend=cpu&arch=three-conv&batch=64&epochs=1' [--webgpu]
import path from 'node:path';
import { OUT, open, waitPhase, attr, text, shutdown } from './harness.mjs';

const query = process.argv[2] || '?backend=cpu&arch=three-conv&batch=64&epochs=1';
const webgpu = process.argv.includes('--webgpu');
const q = query + (query.includes('autostart') ? '' : '&autostart=1');
const { page, ctx } = await open(q.startsWith('?') ? q : '?' + q, { webgpu });
const t0 = Date.now();
const phase = await waitPhase(page, ['done', 'error'], 3 * 3600_000);
await page.screenshot({ path: path.join(OUT, 'measure.png'), fullPage: true });
const result = {
  query,
  phase,
  backend: await attr(page, '#backend', 'data-backend'),
  imagesPerSecond: parseFloat(await attr(page, '#metrics', 'data-images-per-second')),
  cnnAccuracy: parseFloat(await attr(page, '#metrics', 'data-cnn-accuracy')),
  svmAccuracy: parseFloat(await attr(page, '#metrics', 'data-svm-accuracy')),
  // The results table's rows: training time, SVM feature extraction and fit times, λ.
  results: (await page.$$eval('#results-body tr', (rows) => rows.map((r) => r.textContent.replace(/\s+/g, ' ').trim()))),
  wallSeconds: (Date.now() - t0) / 1000,
  error: await text(page, '#error'),
};
console.log(JSON.stringify(result));
await ctx.close();
await shutdown();
process.exit(phase === 'done' ? 0 : 1);
