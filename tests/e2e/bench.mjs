// The training benchmark: our page trains the report's `three-conv` at batch 64 in headless
// Chromium on the CPU backend in one worker and in N (data-parallel), the default `bn-cnn` the
// same two ways, and `three-conv` on the WebGPU path; then TensorFlow.js does the three-conv job
// on the same machine (../shared/peers/tfjs/run.sh), and the numbers are printed side by side.
//
//   node tests/e2e/bench.mjs          (after `trunk build --release`; scripts/bench.sh does both)
//
// Env: BACKENDS ("cpu webgpu"), WORKERS (N: the machine's cores, at most 8), BN_BATCHES (200:
// bn-cnn's throughput over that many batches of 32), ND_BATCHES (30: the same on ndarray), WEBGPU_BATCHES (100: a full epoch on
// SwiftShader takes an hour; FULL_WEBGPU=1 trains one anyway, for machines with a real GPU),
// GPU_BATCHES ("32 64 128 256": WebGPU's cost per step at each), GPU_STEPS (8 each), TFJS (path of the
// peer's run.sh; TFJS=0 skips it), TFJS_BATCHES (30 for webgl/webgpu), GPU_FLAGS (as the
// peer's driver: replaces the software-GPU switches, e.g. on a machine with a GPU),
// RESULTS (JSON lines appended there).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { BASE, ROOT, shutdown } from './harness.mjs';

const env = process.env;
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
const backends = (env.BACKENDS || 'cpu webgpu').split(/[\s,]+/).filter(Boolean);
// The peer's switches, so both run on the same adapter (Dawn on SwiftShader without a GPU).
const SOFTWARE_GPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
const gpuFlags = env.GPU_FLAGS != null ? env.GPU_FLAGS.split(/\s+/).filter(Boolean) : SOFTWARE_GPU;
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...gpuFlags];
// Same job as the peer: Adam at 1e-3 throughout, no augmentation, batch 64, one epoch.
const JOB = 'model=none&arch=three-conv&batch=64&lr=0.001&lr_decay=0&warmup=0&smoothing=0&wd=0&augment=0&sketch_aug=0&epochs=1&autostart=1';

const results = [];
function record(r) {
  results.push(r);
  if (env.RESULTS) fs.appendFileSync(env.RESULTS, JSON.stringify(r) + '\n');
  console.error(JSON.stringify(r));
}

const WORKERS = Number(env.WORKERS || Math.min(os.cpus().length, 8));
// The default run's model and recipe (batch 32), for the throughput of many workers on it.
const BN_JOB = 'model=none&arch=bn-cnn&epochs=1&autostart=1';

// `full`: a whole epoch and its test accuracy; else `batches` batches of `batch` for throughput.
// `features`: the SVM fit is waited for, and the time to extract the training features kept.
async function ours({ name, backend, job = JOB, workers = 1, full = true, batches = 100, batch = 64, testLimit = 1000, features = false }) {
  const query = `?backend=${backend}&workers=${workers}&${job}` + (full ? '' : `&batch=${batch}&train_limit=${batches * batch}&test_limit=${testLimit}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const load0 = os.loadavg()[0];
  try {
    const page = await browser.newPage();
    await page.goto(BASE + 'index.html' + query);
    const dataset = Date.now();
    await page.waitForFunction(() => ['training', 'error'].includes(document.querySelector('#status').dataset.phase), null, { timeout: 300_000 });
    const started = Date.now();
    // The CNN's test accuracy is what we compare; the SVM fit that follows is stopped.
    await page.waitForFunction(() => document.querySelector('#metrics').dataset.cnnAccuracy !== undefined
      || document.querySelector('#status').dataset.phase === 'error', null, { timeout: 4 * 3600_000, polling: 500 });
    let m = await page.$eval('#metrics', (e) => ({ ...e.dataset }));
    if (features && m.cnnAccuracy) {
      await page.waitForFunction(() => document.querySelector('#metrics').dataset.featureSeconds !== undefined
        || ['error', 'done'].includes(document.querySelector('#status').dataset.phase), null, { timeout: 3600_000, polling: 250 });
      m = await page.$eval('#metrics', (e) => ({ ...e.dataset }));
    }
    const error = await page.$eval('#error', (e) => e.textContent);
    const label = await page.$eval('#backend', (e) => e.textContent);
    await page.click('#stop-button').catch(() => {});
    if (!m.cnnAccuracy) throw new Error(`${backend}: ${error}`);
    const ips = Number(m.imagesPerSecond);
    const images = full ? 60000 : batches * batch;
    const used = await page.$eval('#backend', (e) => Number(e.dataset.workers));
    return {
      // After 5 warm-up batches, as the peer's throughput; the whole-run figure beside it.
      who: 'ours', name, backend, workers: used, adapter: label, images_per_s: Math.round(Number(m.warmImagesPerSecond ?? ips)), whole_run_images_per_s: Math.round(ips), images,
      epoch_s: full ? Number((images / ips).toFixed(1)) : null,
      test_acc: full ? Number(m.cnnAccuracy) : null,
      wall_s: Number(((Date.now() - started) / 1000).toFixed(1)), ready_s: Number(((started - dataset) / 1000).toFixed(1)),
      host_load1: [Number(load0.toFixed(2)), Number(os.loadavg()[0].toFixed(2))],
      batch, build_ms: num(m.buildMsPerStep), dispatches: num(m.dispatchesPerStep), submits: num(m.submitsPerStep),
      feature_s: num(m.featureSeconds), feature_workers: num(m.featureWorkers), feature_images: features ? batches * batch : null,
    };
  } finally {
    await browser.close();
  }
}

const num = (v) => (v === undefined ? null : Number(v));

function peer() {
  const script = env.TFJS ?? path.resolve(ROOT, '../shared/peers/tfjs/run.sh');
  if (script === '0') return [];
  if (!fs.existsSync(script)) {
    console.error(`TF.js peer not found at ${script}: set TFJS=path/to/run.sh (or TFJS=0 to skip)`);
    return [];
  }
  const run = (extra) => {
    const r = spawnSync('bash', [script], { env: { ...env, ...extra }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  };
  // wasm: the peer's fastest CPU backend, with a full epoch and test accuracy; webgl and
  // webgpu: throughput only (a full epoch on SwiftShader takes 25 and 70 minutes).
  return [
    ...run({ BACKENDS: 'wasm', FULL: '1' }),
    ...run({ BACKENDS: 'webgl webgpu', BATCHES: env.TFJS_BATCHES || '30' }),
  ].map((r) => ({
    who: 'tfjs', backend: r.backend, ok: r.ok, images_per_s: r.images_per_s && Math.round(r.images_per_s),
    epoch_s: r.epoch_s ?? null, epoch_images_per_s: r.epoch_s ? Math.round(60000 / r.epoch_s) : null, test_acc: r.test_acc ?? null, error: r.error, host_load1: r.host_load1,
  }));
}

const t0 = Date.now();
const fullWebgpu = env.FULL_WEBGPU === '1';
const bnBatches = Number(env.BN_BATCHES || 200);
const ndBatches = Number(env.ND_BATCHES || 30);
const gpuBatches = (env.GPU_BATCHES ?? '32 64 128 256').split(/[\s,]+/).filter(Boolean).map(Number);
const gpuSteps = Number(env.GPU_STEPS || 8);
const jobs = [
  ...(backends.includes('cpu') ? [
    { name: 'three-conv cpu 1', backend: 'cpu', workers: 1 },
    { name: `three-conv cpu ${WORKERS}`, backend: 'cpu', workers: WORKERS },
    { name: 'bn-cnn cpu 1', backend: 'cpu', workers: 1, job: BN_JOB, full: false, batches: bnBatches, batch: 32, features: true },
    { name: `bn-cnn cpu ${WORKERS}`, backend: 'cpu', workers: WORKERS, job: BN_JOB, full: false, batches: bnBatches, batch: 32, features: true },
    // Burn's ndarray CPU backend, ~13x slower than flex: fewer batches.
    { name: 'bn-cnn ndarray 1', backend: 'ndarray', workers: 1, job: BN_JOB, full: false, batches: ndBatches, batch: 32 },
  ] : []),
  ...(backends.includes('webgpu') ? [
    { name: 'three-conv webgpu', backend: 'webgpu', full: fullWebgpu, batches: Number(env.WEBGPU_BATCHES || 100) },
    // What a step costs the worker's thread at each batch size: a few steps each, and one
    // held-out batch of 32 (its dispatches are in the per-step average, spread over the steps).
    ...gpuBatches.map((batch) => ({ name: `three-conv webgpu b${batch}`, backend: 'webgpu', full: false, batch, batches: gpuSteps, testLimit: 32 })),
  ] : []),
];
for (const j of jobs) {
  try { record(await ours(j)); } catch (e) { record({ who: 'ours', name: j.name, backend: j.backend, error: e.message.split('\n')[0] }); }
}
await shutdown();
for (const r of peer()) record(r);

const find = (who, backend) => results.find((r) => r.who === who && (who === 'ours' ? r.name === backend : r.backend === backend) && r.images_per_s);
const row = (r) => r
  ? `${String(r.images_per_s).padStart(7)} img/s  ${r.epoch_s ? (r.epoch_s + ' s/epoch').padStart(14) : ''.padStart(14)}  ${r.test_acc ? 'test acc ' + r.test_acc.toFixed(4) : ''}`
  : '   (no result)';
console.log(`three-conv at batch 64 and bn-cnn at 32, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''}, ${new Date().toISOString().slice(0, 10)}`);
const N = WORKERS;
const lines = [['ours', 'three-conv cpu 1'], ['ours', `three-conv cpu ${N}`], ['ours', 'bn-cnn cpu 1'], ['ours', `bn-cnn cpu ${N}`], ['ours', 'bn-cnn ndarray 1'],
  ['ours', 'three-conv webgpu'], ['tfjs', 'wasm'], ['tfjs', 'webgl'], ['tfjs', 'webgpu']];
for (const [who, b] of lines) {
  const r = find(who, b);
  console.log(`  ${(who === 'ours' ? 'Burn/Rust ' : 'TF.js three-conv ') + b}:`.padEnd(36) + row(r) + (r?.adapter ? `  [${r.adapter}${r.workers ? `, ${r.workers} worker${r.workers > 1 ? 's' : ''}` : ''}]` : ''));
}
const ratio = (a, b, key = 'images_per_s') => (a && b?.[key] ? (a.images_per_s / b[key]).toFixed(2) + 'x' : 'n/a');
const wasm = find('tfjs', 'wasm');
if (wasm?.epoch_images_per_s) console.log(`  TF.js wasm over its full epoch: ${wasm.epoch_images_per_s} img/s`);
console.log(`  ours CPU, ${N} workers / TF.js wasm:  ${ratio(find('ours', `three-conv cpu ${N}`), wasm)} (its 100-batch throughput), ${ratio(find('ours', `three-conv cpu ${N}`), wasm, 'epoch_images_per_s')} (its full epoch)   (goal 3.5x)`);
console.log(`  ours CPU, 1 worker / TF.js wasm:    ${ratio(find('ours', 'three-conv cpu 1'), wasm)}, ${ratio(find('ours', 'three-conv cpu 1'), wasm, 'epoch_images_per_s')}`);
console.log(`  three-conv, ${N} workers / 1:         ${ratio(find('ours', `three-conv cpu ${N}`), find('ours', 'three-conv cpu 1'))}`);
console.log(`  bn-cnn, ${N} workers / 1:             ${ratio(find('ours', `bn-cnn cpu ${N}`), find('ours', 'bn-cnn cpu 1'))}   (goal 1.7x with 2)`);
console.log(`  ours WebGPU / TF.js webgpu: ${ratio(find('ours', 'three-conv webgpu'), find('tfjs', 'webgpu'))}   (goal > 1)`);
console.log(`  ours WebGPU / TF.js webgl:  ${ratio(find('ours', 'three-conv webgpu'), find('tfjs', 'webgl'))}   (goal > 1)`);
console.log(`  bn-cnn, flex / ndarray (1 worker):   ${ratio(find('ours', 'bn-cnn cpu 1'), find('ours', 'bn-cnn ndarray 1'))}`);
const [f1, fN] = [find('ours', 'bn-cnn cpu 1'), find('ours', `bn-cnn cpu ${N}`)];
if (f1?.feature_s && fN?.feature_s) {
  console.log(`  bn-cnn features of ${f1.feature_images} training images for the SVM: ${f1.feature_s} s on 1 worker, ${fN.feature_s} s on ${fN.feature_workers}: ${(f1.feature_s / fN.feature_s).toFixed(2)}x`);
}
console.log('  WebGPU, per step (three-conv): batch, dispatches, submits, worker-thread ms, img/s, ceiling = batch / thread time');
for (const batch of gpuBatches) {
  const r = find('ours', `three-conv webgpu b${batch}`);
  if (!r) { console.log(`    b${batch}: (no result)`); continue; }
  const ceiling = r.build_ms ? Math.round(batch / (r.build_ms / 1000)) : 'n/a';
  console.log(`    b${String(batch).padEnd(4)} ${String(r.dispatches).padStart(7)} ${String(r.submits).padStart(6)} ${String(r.build_ms).padStart(8)} ms ${String(r.whole_run_images_per_s).padStart(6)} img/s  ceiling ${ceiling} img/s`);
}
console.log(`  (img/s after 5 warm-up batches for both; ours over the rest of its run, TF.js over ${env.TFJS_BATCHES || 30} batches for webgl/webgpu and 100 for wasm)`);
console.log(`bench wall time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
