// The page: renders what the training worker reports and forwards the user's clicks.
// All heavy work (download, decompression, training, evaluation) runs in the worker, so this
// thread only draws; nothing here blocks for more than a frame.

import { setupSketch } from './sketch.js';
import { setupModels } from './models.js';

const $ = (id) => document.getElementById(id);
const statusEl = $('status');
const errorEl = $('error');
const progressEl = $('progress');
const progressText = $('progress-text');
const trainButton = $('train-button');
const stopButton = $('stop-button');
const metricsEl = $('metrics');

let ready = false;
let running = false;

function setPhase(p, text) {
  statusEl.dataset.phase = p;
  if (text !== undefined) statusEl.textContent = text;
  running = p === 'training' || p === 'evaluating' || p === 'fitting-svm';
  trainButton.disabled = !ready || running;
  stopButton.disabled = !running;
  for (const el of $('settings').elements) el.disabled = running;
  syncKernelFields();
}

function showError(message) {
  errorEl.textContent = message;
  errorEl.hidden = !message;
}

function fail(message) {
  showError(message);
  setPhase('error', 'Something went wrong: see the message below.');
  progressText.textContent = 'Stopped.';
}

function setProgress(frac, text) {
  progressEl.value = Math.max(0, Math.min(1, frac));
  if (text !== undefined) progressText.textContent = text;
}

const fmtTime = (s) => {
  if (!isFinite(s)) return '–';
  s = Math.round(s);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
};
const pct = (x) => (100 * x).toFixed(2) + ' %';

// ---- Charts -------------------------------------------------------------------------------
// A small hand-drawn line chart: the data are a few thousand points, and a charting library
// would be the largest script on the page.
class Chart {
  constructor(canvas, { yMin, yMax, label }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.fixed = { yMin, yMax };
    this.label = label;
    this.reset(1);
  }
  reset(totalSteps) {
    this.total = Math.max(1, totalSteps);
    this.raw = []; this.smooth = []; this.epochs = [];
    this.ema = null;
    this.dirty = true;
  }
  add(step, y) {
    this.raw.push([step, y]);
    // Smooth over about a twentieth of the run, so short and long runs both read well.
    const alpha = Math.min(0.3, Math.max(0.02, 20 / this.total));
    this.ema = this.ema === null ? y : this.ema + alpha * (y - this.ema);
    this.smooth.push([step, this.ema]);
    this.dirty = true;
  }
  addEpoch(step, y) { this.epochs.push([step, y]); this.dirty = true; }
  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    const { ctx, canvas } = this;
    const W = canvas.width, H = canvas.height, L = 48, R = 10, T = 12, B = 28;
    ctx.clearRect(0, 0, W, H);
    let yMin = this.fixed.yMin, yMax = this.fixed.yMax;
    if (yMax === undefined) {
      yMax = Math.max(0.5, ...this.smooth.map((p) => p[1]), ...this.epochs.map((p) => p[1])) * 1.1;
    }
    const x = (s) => L + (W - L - R) * (s / this.total);
    const y = (v) => T + (H - T - B) * (1 - (Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin));
    ctx.strokeStyle = '#ccd'; ctx.fillStyle = '#556'; ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = yMin + (yMax - yMin) * i / 4;
      ctx.beginPath(); ctx.moveTo(L, y(v)); ctx.lineTo(W - R, y(v)); ctx.stroke();
      ctx.fillText(v.toFixed(2), 4, y(v) + 4);
    }
    ctx.fillText(`batch (of ${this.total})`, W / 2 - 30, H - 8);
    ctx.fillStyle = 'rgba(70,110,200,0.25)';
    const stride = Math.max(1, Math.floor(this.raw.length / 3000));
    for (let i = 0; i < this.raw.length; i += stride) ctx.fillRect(x(this.raw[i][0]) - 1, y(this.raw[i][1]) - 1, 2, 2);
    ctx.strokeStyle = '#2456c8'; ctx.lineWidth = 2; ctx.beginPath();
    this.smooth.forEach(([s, v], i) => (i ? ctx.lineTo(x(s), y(v)) : ctx.moveTo(x(s), y(v))));
    ctx.stroke();
    ctx.fillStyle = '#d0452b';
    for (const [s, v] of this.epochs) ctx.fillRect(x(s) - 4, y(v) - 4, 8, 8);
  }
}

const lossChart = new Chart($('loss-chart'), { yMin: 0, label: 'loss' });
const accChart = new Chart($('acc-chart'), { yMin: 0, yMax: 1, label: 'accuracy' });
function frame() { lossChart.draw(); accChart.draw(); requestAnimationFrame(frame); }
requestAnimationFrame(frame);

function drawConfusion(canvas, matrix, classes) {
  const ctx = canvas.getContext('2d');
  // Leave room on the right for the last rotated column label.
  const n = classes.length, L = 90, T = 90, cell = Math.floor((canvas.width - L - 50) / n);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const rowSums = classes.map((_, r) => matrix.slice(r * n, r * n + n).reduce((a, b) => a + b, 0) || 1);
  ctx.font = '11px system-ui, sans-serif';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = matrix[r * n + c], f = v / rowSums[r];
      ctx.fillStyle = r === c ? `rgba(36,86,200,${0.1 + 0.9 * f})` : `rgba(208,69,43,${Math.min(1, 3 * f)})`;
      ctx.fillRect(L + c * cell, T + r * cell, cell - 1, cell - 1);
      ctx.fillStyle = f > 0.5 ? '#fff' : '#222';
      ctx.textAlign = 'center';
      ctx.fillText(String(v), L + c * cell + cell / 2, T + r * cell + cell / 2 + 4);
    }
    ctx.textAlign = 'right'; ctx.fillStyle = '#222';
    ctx.fillText(classes[r], L - 4, T + r * cell + cell / 2 + 4);
    ctx.save(); ctx.translate(L + r * cell + cell / 2 + 4, T - 4); ctx.rotate(-Math.PI / 3);
    ctx.textAlign = 'left'; ctx.fillText(classes[r], 0, 0); ctx.restore();
  }
}

// ---- Settings form --------------------------------------------------------------------------
function fillSettings(s) {
  const arch = $('arch');
  arch.innerHTML = '';
  for (const a of s.archs) {
    const o = document.createElement('option');
    o.value = a; o.textContent = a + (a === 'bn-cnn' ? ' (default)' : '');
    arch.appendChild(o);
  }
  arch.value = s.arch;
  $('epochs').value = s.epochs;
  $('batch').value = s.batch;
  $('lr').value = s.lr;
  $('augment').checked = s.augment;
  $('sketch_aug').value = s.sketchAug;
  $('train_limit').value = s.trainLimit ?? '';
  $('test_limit').value = s.testLimit ?? '';
  $('svm_kernel').value = s.svmKernel;
  $('svm_dim').value = s.svmDim;
  $('svm_gamma').value = s.svmGamma;
  $('svm_lambda').value = s.svmLambda ?? '';
  syncKernelFields();
}

function syncKernelFields() {
  const rbf = $('svm_kernel').value === 'rbf';
  $('svm_dim').disabled = !rbf || running;
  $('svm_gamma').disabled = !rbf || running;
}
$('svm_kernel').addEventListener('change', syncKernelFields);

// The form's values over the page's URL parameters, so settings the form does not show
// (lr_decay, seed, svm_epochs, ...) still apply to runs started with the Train button.
function settingsQuery() {
  const q = new URLSearchParams(location.search);
  const keys = ['arch', 'epochs', 'batch', 'lr', 'sketch_aug', 'train_limit', 'test_limit', 'svm_kernel', 'svm_lambda', 'svm_dim', 'svm_gamma'];
  for (const key of keys) {
    const v = $(key).value.trim();
    if (v !== '' && !$(key).disabled) q.set(key, v); else q.delete(key);
  }
  q.set('augment', $('augment').checked ? '1' : '0');
  return q.toString();
}

// ---- Results: tables, λ search, classification report, gallery -----------------------------
const fmtLambda = (l) => l.toExponential(0).replace('e+', 'e');
const fixed3 = (x) => x.toFixed(3);
let classes = [];
let lastRun = null; // {arch, backend, ips, seconds, images, cnn, svm}
const history = [];

function renderResults() {
  const rows = [];
  if (lastRun?.cnn) {
    const r = lastRun;
    rows.push(`<tr><td>CNN (${r.arch}, its softmax head)</td><td><b>${pct(r.cnn.accuracy)}</b></td><td>${r.cnn.count.toLocaleString()}</td>` +
      `<td>trained ${fmtTime(r.seconds)} on ${r.images.toLocaleString()} images, ${Math.round(r.ips).toLocaleString()} images/s on ${r.backend}</td></tr>`);
    rows.push(r.svm
      ? `<tr><td>CNN + SVM (Pegasos, ${r.svm.kernel})</td><td><b>${pct(r.svm.accuracy)}</b></td><td>${r.cnn.count.toLocaleString()}</td>` +
        `<td>λ = ${fmtLambda(r.svm.lambda)}; features ${fmtTime(r.svm.featureSeconds)}, fit ${r.svm.fitSeconds.toFixed(1)} s on ${r.svm.rows.toLocaleString()} images</td></tr>`
      : `<tr><td>CNN + SVM</td><td>${running ? 'fitting…' : '–'}</td><td></td><td></td></tr>`);
  }
  for (const h of history) rows.push(`<tr class="earlier"><td>earlier run: ${h.label}</td><td>${h.text}</td><td>${h.count}</td><td>${h.details}</td></tr>`);
  $('results-body').innerHTML = rows.join('') || '<tr><td colspan="4">Train a model to see its test accuracy.</td></tr>';
}

function archiveRun() {
  if (!lastRun?.cnn) return;
  const r = lastRun;
  history.unshift({
    label: `${r.arch}`,
    text: `CNN ${pct(r.cnn.accuracy)}` + (r.svm ? `, +SVM ${pct(r.svm.accuracy)}` : ''),
    count: r.cnn.count.toLocaleString(),
    details: `${r.images.toLocaleString()} images, ${Math.round(r.ips)} images/s on ${r.backend}`,
  });
  history.length = Math.min(history.length, 5);
}

function renderReport() {
  const cnn = lastRun?.cnn?.report, svm = lastRun?.svm?.report;
  if (!cnn) return;
  const names = [...classes, 'macro average', 'weighted average'];
  const cell = (v, other) => `<td${other !== undefined && v > other + 1e-9 ? ' class="better"' : ''}>${fixed3(v)}</td>`;
  const rows = names.map((name, i) => {
    const c = cnn.slice(4 * i, 4 * i + 4), s = svm ? svm.slice(4 * i, 4 * i + 4) : null;
    const svmCells = s ? cell(s[0], c[0]) + cell(s[1], c[1]) + cell(s[2], c[2]) : '<td>–</td><td>–</td><td>–</td>';
    return `<tr${i >= classes.length ? ' class="avg"' : ''}><td>${name}</td>${cell(c[0])}${cell(c[1])}${cell(c[2])}${svmCells}<td>${c[3].toLocaleString()}</td></tr>`;
  });
  rows.push(`<tr class="avg"><td>accuracy</td><td colspan="3">${fixed3(lastRun.cnn.accuracy)}</td><td colspan="3">${svm ? fixed3(lastRun.svm.accuracy) : '–'}</td><td>${lastRun.cnn.count.toLocaleString()}</td></tr>`);
  $('report-table').querySelector('tbody').innerHTML = rows.join('');
  $('report-panel').hidden = false;
}

function renderLambda(scores, chosen, current) {
  const table = $('lambda-table').querySelector('tbody');
  const rows = [];
  for (let i = 0; i < scores.length; i += 2) {
    rows.push(`<tr class="${scores[i] === chosen ? 'chosen' : ''}"><td>${fmtLambda(scores[i])}</td><td>${pct(scores[i + 1])}${scores[i] === chosen ? ' ← chosen' : ''}</td></tr>`);
  }
  if (current !== undefined) rows.push(`<tr><td>${fmtLambda(current)}</td><td>fitting…</td></tr>`);
  table.innerHTML = rows.join('');
  // Validation accuracy against log10 λ.
  const canvas = $('lambda-chart'), ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, L = 52, R = 14, T = 14, B = 30;
  ctx.clearRect(0, 0, W, H);
  const pts = [];
  for (let i = 0; i < scores.length; i += 2) pts.push([Math.log10(scores[i]), scores[i + 1]]);
  if (!pts.length) return;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs) - 0.5, x1 = Math.max(...xs) + 0.5;
  const y0 = Math.max(0, Math.min(...ys) - 0.01), y1 = Math.min(1, Math.max(...ys) + 0.01);
  const x = (v) => L + (W - L - R) * (v - x0) / (x1 - x0), y = (v) => T + (H - T - B) * (1 - (v - y0) / Math.max(1e-9, y1 - y0));
  ctx.font = '11px system-ui, sans-serif'; ctx.fillStyle = '#556'; ctx.strokeStyle = '#ccd';
  for (let k = 0; k <= 3; k++) { const v = y0 + (y1 - y0) * k / 3; ctx.beginPath(); ctx.moveTo(L, y(v)); ctx.lineTo(W - R, y(v)); ctx.stroke(); ctx.fillText(pct(v), 2, y(v) + 4); }
  for (const [lx] of pts) ctx.fillText(`1e${lx.toFixed(0)}`, x(lx) - 12, H - 10);
  ctx.strokeStyle = '#2456c8'; ctx.lineWidth = 2; ctx.beginPath();
  pts.forEach(([a, b], i) => (i ? ctx.lineTo(x(a), y(b)) : ctx.moveTo(x(a), y(b)))); ctx.stroke();
  for (const [a, b] of pts) { ctx.fillStyle = Math.pow(10, a).toPrecision(6) === chosen?.toPrecision(6) ? '#d0452b' : '#2456c8'; ctx.beginPath(); ctx.arc(x(a), y(b), 5, 0, 7); ctx.fill(); }
}

// The gallery pages through test images; `test` holds what the worker sent for the last run.
const PAGE = 24;
let test = null; // {images, labels, cnn, svm}
let galleryPage = 0;

function galleryIndices() {
  const { labels, cnn, svm } = test;
  const f = $('gallery-filter').value;
  const keep = {
    'svm-errors': (i) => svm && svm[i] !== labels[i],
    'cnn-errors': (i) => cnn[i] !== labels[i],
    fixed: (i) => svm && cnn[i] !== labels[i] && svm[i] === labels[i],
    broken: (i) => svm && cnn[i] === labels[i] && svm[i] !== labels[i],
    all: () => true,
  }[f];
  const out = [];
  for (let i = 0; i < labels.length; i++) if (keep(i)) out.push(i);
  return out;
}

function renderGallery() {
  if (!test) return;
  const indices = galleryIndices();
  const pages = Math.max(1, Math.ceil(indices.length / PAGE));
  galleryPage = Math.min(galleryPage, pages - 1);
  $('gallery-page').textContent = indices.length
    ? `${indices.length.toLocaleString()} images; page ${galleryPage + 1} of ${pages}`
    : 'No images of this kind.';
  $('gallery-prev').disabled = galleryPage === 0;
  $('gallery-next').disabled = galleryPage >= pages - 1;
  const box = $('gallery');
  box.innerHTML = '';
  for (const i of indices.slice(galleryPage * PAGE, (galleryPage + 1) * PAGE)) {
    const tile = document.createElement('figure');
    const truth = test.labels[i], c = test.cnn[i], s = test.svm?.[i];
    const wrong = (s ?? c) !== truth;
    tile.className = 'tile' + (wrong ? ' wrong' : '');
    const canvas = document.createElement('canvas');
    canvas.width = 28; canvas.height = 28;
    const img = new ImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = test.images[i * 784 + p];
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v; img.data[4 * p + 3] = 255;
    }
    canvas.getContext('2d').putImageData(img, 0, 0);
    const verdict = (p) => `<span class="${p === truth ? 'ok' : 'bad'}">${classes[p]}${p === truth ? ' ✓' : ' ✗'}</span>`;
    const cap = document.createElement('figcaption');
    cap.innerHTML = `#${i}: <b>${classes[truth]}</b><br>CNN: ${verdict(c)}` + (s !== undefined ? `<br>SVM: ${verdict(s)}` : '');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `test image ${i}, a ${classes[truth]}`);
    tile.append(canvas, cap);
    box.appendChild(tile);
  }
  $('gallery-panel').hidden = false;
}
$('gallery-filter').addEventListener('change', () => { galleryPage = 0; renderGallery(); });
$('gallery-prev').addEventListener('click', () => { galleryPage--; renderGallery(); });
$('gallery-next').addEventListener('click', () => { galleryPage++; renderGallery(); });

// ---- Worker ----------------------------------------------------------------------------------
// The worker can be replaced: after a panic (its WebAssembly instance is not to be trusted any
// more) or a lost GPU, a fresh one starts and gets the latest model back. `port` always talks
// to the current one.
let worker = null;
let startQuery = location.search;
let restore = null;     // the model to hand a restarted worker
let everAlive = false;  // a worker that never started is not restarted (it would fail again)
let restarts = [];      // times of recent restarts, so a crash loop ends in an error instead
const port = { postMessage: (m, transfer) => worker?.postMessage(m, transfer) };

let trainTotal = 1;
let lastScores = [];
let trainedSteps = 0;   // batches finished in the current run
let inRun = false;      // between a run's start and the end of its training (not its evaluation)
let runFailedAt = 0;
const sketch = setupSketch({ worker: port, showError });
const sources = {
  pretrained: 'the model shipped with the page',
  saved: 'your last trained model',
  file: 'the model you loaded',
  trained: 'the model trained in this tab',
  checkpoint: 'the model trained so far in this tab',
};
const models = setupModels({
  worker: port,
  showError,
  onModelReady(m) {
    sketch.onModelReady(`Classifying with ${sources[m.source] ?? 'the current model'} (${m.arch})` +
      (m.svm ? ' and its SVM.' : m.source === 'trained' ? ': its own head; the SVM comes once it is fitted.' : ': its own head (it has no SVM).'));
  },
});

const retryButton = $('retry-button');
function offerRetry(show) { retryButton.hidden = !show; }
retryButton.addEventListener('click', () => {
  offerRetry(false);
  showError('');
  setPhase('loading', 'Trying the download again…');
  port.postMessage({ type: 'retry' });
});

function restartWorker(message, { cpu = false } = {}) {
  const now = Date.now();
  restarts = restarts.filter((t) => now - t < 60_000);
  worker?.terminate();
  worker = null;
  if (!everAlive || restarts.length >= 3) {
    fail(message + ' The page could not recover from this: reload it.');
    return;
  }
  restarts.push(now);
  const q = new URLSearchParams(startQuery);
  q.delete('autostart');
  if (cpu) q.set('backend', 'cpu');
  startQuery = '?' + q.toString();
  restore = models.latest();
  const kept = !restore ? 'There was no model yet.'
    : restore.source === 'checkpoint' ? `The model trained so far (${restore.step} of ${restore.batches} batches) is kept.`
    : 'The current model is kept.';
  ready = false;
  inRun = false;
  $('live-eta').textContent = '–';
  setPhase('loading', 'Restarting the worker…');
  showError(`${message} ${kept}`);
  sketch.workerRestarted();
  startWorker();
}

const handlers = {
  alive() {
    everAlive = true;
    worker.postMessage({ type: 'init', query: startQuery });
    if (restore) models.restore(restore); else models.start(startQuery);
    restore = null;
  },
  settings(m) { fillSettings(m); },
  phase(m) {
    if (m.phase === 'ready') { ready = true; offerRetry(false); setProgress(1, 'Dataset ready.'); }
    setPhase(m.phase, m.detail);
    if (m.phase === 'ready' || m.phase === 'done') {
      inRun = false;
      port.postMessage({ type: 'memory' });
    }
  },
  error(m) {
    // A lost GPU can fail the run (a read refused) just before its own message arrives.
    if (inRun) runFailedAt = Date.now();
    inRun = false;
    if (m.panic) return restartWorker(m.message + ' The worker was restarted.');
    fail(m.message);
    offerRetry(!!m.retry);
  },
  'gpu-lost'(m) {
    const during = inRun || Date.now() - runFailedAt < 5000 ? ` during training, after batch ${trainedSteps} of ${trainTotal}` : '';
    restartWorker(`The GPU stopped working${during} (WebGPU device lost: ${m.message || m.reason}). ` +
      'The page goes on on the CPU; press Train to train there.', { cpu: true });
  },
  checkpoint(m) { models.checkpoint(m); },
  memory(m) {
    const el = $('memory');
    const heap = performance.memory?.usedJSHeapSize;
    const mb = (b) => (b / 1048576).toFixed(1) + ' MB';
    el.dataset.wasmBytes = m.wasmBytes;
    if (m.gpuBytes !== null) el.dataset.gpuBytes = m.gpuBytes; else delete el.dataset.gpuBytes;
    if (heap !== undefined) el.dataset.jsHeapBytes = heap; else delete el.dataset.jsHeapBytes;
    el.textContent = `Memory: WebAssembly ${mb(m.wasmBytes)}` +
      (m.gpuBytes !== null ? `, GPU buffers ${mb(m.gpuBytes)} in ${m.gpuBuffers}` : '') +
      (heap !== undefined ? `, page JavaScript heap ${mb(heap)}` : '') + '.';
  },
  prediction(m) { sketch.onPrediction(m); },
  heatmap(m) { sketch.onHeatmap(m); },
  'model-ready'(m) { models.modelReady(m); },
  'model-file'(m) { models.modelFile(m); },
  'model-error'(m) { models.modelError(m); },
  warning(m) { showError(m.message); },
  backend(m) {
    const el = $('backend');
    el.dataset.backend = m.backend;
    el.textContent = m.label;
  },
  download(m) {
    setProgress(m.loaded / m.total, `Downloading the dataset: ${(m.loaded / 1e6).toFixed(1)} of ${(m.total / 1e6).toFixed(1)} MB`);
  },
  dataset(m) { $('dataset-info').textContent = `Fashion-MNIST: ${m.train.toLocaleString()} training and ${m.test.toLocaleString()} test images`; },
  'train-start'(m) {
    showError('');
    archiveRun();
    lastRun = null;
    trainedSteps = 0;
    inRun = true;
    models.checkpoint(null);
    // The hooks describe the run in progress: stale numbers would read as its results.
    delete metricsEl.dataset.cnnAccuracy;
    delete metricsEl.dataset.svmAccuracy;
    delete metricsEl.dataset.imagesPerSecond;
    delete metricsEl.dataset.warmImagesPerSecond;
    renderResults();
    trainTotal = m.batches;
    lossChart.reset(m.batches); accChart.reset(m.batches);
    setProgress(0, `Training ${m.arch}: ${m.epochs} epoch(s), ${m.batches} batches`);
  },
  batch(m) {
    trainedSteps = m.step;
    const p = m.points;
    for (let i = 0; i < p.length; i += 3) { lossChart.add(p[i], p[i + 1]); accChart.add(p[i], p[i + 2]); }
    $('live-epoch').textContent = m.epoch;
    $('live-loss').textContent = lossChart.ema.toFixed(3);
    $('live-acc').textContent = pct(accChart.ema);
    $('live-ips').textContent = Math.round(m.imagesPerSecond).toLocaleString();
    $('live-elapsed').textContent = fmtTime(m.elapsed);
    $('live-eta').textContent = fmtTime(m.eta);
    setProgress(m.step / trainTotal, `Training: batch ${m.step} of ${trainTotal}, about ${fmtTime(m.eta)} left`);
  },
  epoch(m) {
    lossChart.addEpoch(m.step, m.loss); accChart.addEpoch(m.step, m.accuracy);
  },
  stopped(m) { showError(''); progressText.textContent = m.message; $('live-eta').textContent = '–'; },
  'eval-progress'(m) { setProgress(m.done / m.total, `Testing the CNN: ${m.done.toLocaleString()} of ${m.total.toLocaleString()} test images`); },
  trained(m) {
    inRun = false;
    metricsEl.dataset.imagesPerSecond = m.imagesPerSecond.toFixed(1);
    if (m.warmImagesPerSecond !== null) metricsEl.dataset.warmImagesPerSecond = m.warmImagesPerSecond.toFixed(1);
    lastRun = { arch: m.arch, backend: $('backend').dataset.backend, ips: m.imagesPerSecond, seconds: m.trainSeconds, images: m.trainImages };
  },
  result(m) {
    classes = m.classes;
    metricsEl.dataset.cnnAccuracy = m.cnnAccuracy.toFixed(4);
    lastRun.cnn = { accuracy: m.cnnAccuracy, count: m.testCount, report: Array.from(m.report) };
    renderResults();
    renderReport();
    $('svm-confusion-figure').hidden = true;
    drawConfusion($('confusion'), Array.from(m.confusion), classes);
    test = { images: m.images, labels: m.labels, cnn: m.predictions, svm: null };
    lastScores = [];
    $('gallery-filter').value = 'cnn-errors';
    galleryPage = 0;
    renderGallery();
    $('lambda-table').querySelector('tbody').innerHTML = '';
    $('svm-panel').hidden = true;
    setProgress(1, `CNN test accuracy ${pct(m.cnnAccuracy)} on ${m.testCount.toLocaleString()} images.`);
  },
  'svm-progress'(m) {
    if (m.stage === 'features') {
      setProgress(m.done / m.total, `SVM: extracting the CNN's features of ${m.total.toLocaleString()} training images (${m.done.toLocaleString()} done)`);
      return;
    }
    if (m.stage === 'map') {
      setProgress(m.done / m.total, `SVM: mapping ${m.total.toLocaleString()} feature vectors for the kernel (${m.done.toLocaleString()} done)`);
      return;
    }
    if (m.scores) lastScores = Array.from(m.scores);
    if (m.stage === 'search') {
      $('svm-panel').hidden = false;
      $('lambda-search').hidden = false;
      $('lambda-note').textContent = 'Each λ is fitted on 90% of the training features and scored on the other 10%; the best is then refitted on all of them.';
      renderLambda(lastScores, null, m.lambda);
    }
    setProgress(m.progress, m.stage === 'search'
      ? `SVM: trying λ = ${fmtLambda(m.lambda)} on held-out training features`
      : `SVM: fitting on all training features with λ = ${fmtLambda(m.lambda)}`);
  },
  'svm-result'(m) {
    metricsEl.dataset.svmAccuracy = m.svmAccuracy.toFixed(4);
    lastRun.svm = { accuracy: m.svmAccuracy, kernel: m.kernel, lambda: m.lambda, report: Array.from(m.report), featureSeconds: m.featureSeconds, fitSeconds: m.fitSeconds, rows: m.trainRows };
    renderResults();
    renderReport();
    const scores = Array.from(m.scores);
    if (scores.length) {
      $('svm-panel').hidden = false;
      renderLambda(scores, m.lambda);
    } else {
      $('svm-panel').hidden = false;
      $('lambda-note').textContent = `λ fixed at ${fmtLambda(m.lambda)} by the settings: no validation search.`;
    }
    $('lambda-search').hidden = !scores.length;
    $('svm-confusion-figure').hidden = false;
    drawConfusion($('svm-confusion'), Array.from(m.confusion), classes);
    test.svm = m.predictions;
    $('gallery-filter').value = 'svm-errors';
    galleryPage = 0;
    renderGallery();
    setProgress(1, `CNN ${pct(lastRun.cnn.accuracy)}, CNN + SVM ${pct(m.svmAccuracy)} on ${lastRun.cnn.count.toLocaleString()} test images.`);
  },
};

function startWorker() {
  let w;
  try {
    w = new Worker('worker.js', { type: 'module' });
  } catch (e) {
    fail('Could not start the training worker: ' + e);
    return;
  }
  worker = w;
  w.onmessage = (e) => {
    if (w !== worker) return; // the last words of a replaced worker
    const h = handlers[e.data?.type];
    if (h) h(e.data); else console.warn('unknown message from worker', e.data);
  };
  w.onerror = (e) => {
    // Handled here, not by the page's own error listener, even for a replaced worker (whose
    // WebAssembly traps right after a panic it has already reported).
    e.preventDefault();
    if (w !== worker) return;
    restartWorker('The training worker failed: ' + (e.message || 'could not load worker.js') + '.');
  };
}

trainButton.addEventListener('click', () => {
  if (!ready || running) return;
  const query = settingsQuery(); // before setPhase disables the form
  setPhase('training', 'Starting training…');
  port.postMessage({ type: 'train', query });
});
stopButton.addEventListener('click', () => {
  port.postMessage({ type: 'stop' });
  statusEl.textContent = 'Stopping after the current batch…';
});
window.addEventListener('error', (e) => fail('Unexpected error in the page: ' + e.message));
window.addEventListener('unhandledrejection', (e) => fail('Unexpected error in the page: ' + e.reason));
// Fault injection for tests: dispatchEvent(new CustomEvent('fashion-lab-fault', {detail: 'panic'}))
// ('panic': a Rust panic in the worker; 'lose-gpu': the WebGPU device destroyed).
window.addEventListener('fashion-lab-fault', (e) => port.postMessage({ type: 'fault', kind: String(e.detail) }));
setPhase('loading', 'Loading the app…');
showError('');
startWorker();
