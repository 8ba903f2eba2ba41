// Memory across repeated training runs in one tab: after each of RUNS runs (default 5) prints
// the worker's WebAssembly memory, the bytes in live WebGPU buffers (WebGPU only) and the
// page's JavaScript heap after a garbage collection. Growth run after run would be a leak.
//   node tests/e2e/memory.mjs [cpu|webgpu|both]     (after `trunk build --release`)
// Env: RUNS, CPU_QUERY, WEBGPU_QUERY (the training settings of each run).
import { open, waitPhase, text, shutdown } from './harness.mjs';

const RUNS = Number(process.env.RUNS || 5);
const which = process.argv[2] || 'both';
const QUERIES = {
  cpu: process.env.CPU_QUERY || 'epochs=1&train_limit=10000&test_limit=2000',
  webgpu: process.env.WEBGPU_QUERY || 'arch=three-conv&epochs=1&train_limit=640&test_limit=300&svm_kernel=linear&svm_lambda=0.001',
};

export async function memoryRuns(backend, query, runs, log = console.log) {
  const { page, ctx } = await open(`?backend=${backend}&model=none&${query}`, { webgpu: backend === 'webgpu' });
  try {
    if ((await waitPhase(page, ['ready', 'error'], 180_000)) !== 'ready') throw new Error(await text(page, '#error'));
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    const rows = [];
    for (let run = 1; run <= runs; run++) {
      await page.evaluate(() => { for (const k of ['wasmBytes', 'heapBytes', 'gpuBytes', 'jsHeapBytes']) delete document.querySelector('#memory').dataset[k]; });
      await page.click('#train-button');
      await page.waitForFunction(() => document.querySelector('#status').dataset.phase === 'training', null, { timeout: 30_000 });
      const phase = await waitPhase(page, ['done', 'error'], 1800_000);
      if (phase !== 'done') throw new Error(`run ${run}: ${await text(page, '#error')}`);
      await page.waitForFunction(() => document.querySelector('#memory').dataset.wasmBytes !== undefined, null, { timeout: 30_000 });
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = await page.$eval('#memory', (e) => ({ ...e.dataset }));
      const row = {
        run,
        wasmMB: +(m.wasmBytes / 1048576).toFixed(1),
        heapMB: +(m.heapBytes / 1048576).toFixed(1),
        gpuMB: m.gpuBytes === undefined ? null : +(m.gpuBytes / 1048576).toFixed(1),
        pageHeapMB: +(metrics.find((x) => x.name === 'JSHeapUsedSize').value / 1048576).toFixed(1),
      };
      rows.push(row);
      log(`${backend} run ${run}: WebAssembly ${row.wasmMB} MB (${row.heapMB} MB live)` + (row.gpuMB === null ? '' : `, GPU buffers ${row.gpuMB} MB`) + `, page JS heap ${row.pageHeapMB} MB`);
    }
    return rows;
  } finally { await ctx.close(); }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const backend of which === 'both' ? ['cpu', 'webgpu'] : [which]) await memoryRuns(backend, QUERIES[backend], RUNS);
  await shutdown();
}
