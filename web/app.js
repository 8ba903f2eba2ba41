// The page: renders what the training worker reports and forwards the user's clicks.
// All heavy work (download, decompression, training, evaluation) runs in the worker, so this
// thread only draws; nothing here blocks for more than a frame.

const $ = (id) => document.getElementById(id);
const statusEl = $('status');
const errorEl = $('error');
const progressEl = $('progress');
const progressText = $('progress-text');
const trainButton = $('train-button');
const stopButton = $('stop-button');
const metricsEl = $('metrics');

let phase = 'loading';
let ready = false;
let running = false;

function setPhase(p, text) {
  phase = p;
  statusEl.dataset.phase = p;
  if (text !== undefined) statusEl.textContent = text;
  running = p === 'training' || p === 'evaluating' || p === 'fitting-svm';
  trainButton.disabled = !ready || running;
  stopButton.disabled = !running;
  for (const el of $('settings').elements) el.disabled = running;
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

function drawConfusion(matrix, classes) {
  const canvas = $('confusion');
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
  $('train_limit').value = s.trainLimit ?? '';
  $('test_limit').value = s.testLimit ?? '';
}

function settingsQuery() {
  const q = new URLSearchParams();
  for (const key of ['arch', 'epochs', 'batch', 'lr', 'train_limit', 'test_limit']) {
    const v = $(key).value.trim();
    if (v !== '') q.set(key, v);
  }
  q.set('augment', $('augment').checked ? '1' : '0');
  return q.toString();
}

// ---- Worker ---------------------------------------------------------------------------------
let worker;
try {
  worker = new Worker('worker.js', { type: 'module' });
} catch (e) {
  fail('Could not start the training worker: ' + e);
}

let resultsRows = [];
let trainTotal = 1;

const handlers = {
  alive() { worker.postMessage({ type: 'init', query: location.search }); },
  settings(m) { fillSettings(m); },
  phase(m) {
    if (m.phase === 'ready') { ready = true; setProgress(1, 'Dataset ready.'); }
    setPhase(m.phase, m.detail);
  },
  error(m) { fail(m.message); },
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
    trainTotal = m.batches;
    lossChart.reset(m.batches); accChart.reset(m.batches);
    setProgress(0, `Training ${m.arch}: ${m.epochs} epoch(s), ${m.batches} batches`);
  },
  batch(m) {
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
  eval(m) { setProgress(m.done / m.total, `Testing: ${m.done} of ${m.total} test images`); },
  result(m) {
    metricsEl.dataset.cnnAccuracy = m.cnnAccuracy.toFixed(4);
    metricsEl.dataset.imagesPerSecond = m.imagesPerSecond.toFixed(1);
    resultsRows.unshift(`<tr><td>CNN (${m.arch}, softmax head)</td><td><b>${pct(m.cnnAccuracy)}</b></td><td>${m.testCount.toLocaleString()}</td>` +
      `<td>${Math.round(m.imagesPerSecond).toLocaleString()} images/s on ${$('backend').dataset.backend}</td><td>${fmtTime(m.trainSeconds)} for ${m.trainImages.toLocaleString()} images</td></tr>`);
    metricsEl.querySelector('tbody').innerHTML = resultsRows.slice(0, 8).join('');
    $('confusion-figure').hidden = false;
    drawConfusion(Array.from(m.confusion), m.classes);
    setProgress(1, `Test accuracy ${pct(m.cnnAccuracy)} on ${m.testCount.toLocaleString()} images.`);
  },
};

if (worker) {
  worker.onmessage = (e) => {
    const h = handlers[e.data?.type];
    if (h) h(e.data); else console.warn('unknown message from worker', e.data);
  };
  worker.onerror = (e) => fail('The training worker failed: ' + (e.message || 'could not load worker.js'));
}

trainButton.addEventListener('click', () => {
  if (!ready || running) return;
  setPhase('training', 'Starting training…');
  worker.postMessage({ type: 'train', query: settingsQuery() });
});
stopButton.addEventListener('click', () => {
  worker.postMessage({ type: 'stop' });
  statusEl.textContent = 'Stopping after the current batch…';
});
window.addEventListener('error', (e) => fail('Unexpected error in the page: ' + e.message));
window.addEventListener('unhandledrejection', (e) => fail('Unexpected error in the page: ' + e.reason));
setPhase('loading', 'Loading the app…');
showError('');
