// The sketch pad and picture upload: strokes are drawn here (pointer events: mouse, pen and
// touch alike), the pixels go to the worker, and its answer is drawn back: the 28x28 image
// the model sees, bars for both classifiers, the occlusion heatmap, the first layer's filters
// and activation maps, and the nearest training images.
//
// At most one picture is with the worker at a time; strokes made meanwhile are sent as one
// when its answer arrives, so a slow backend never builds a queue and the answer shown is
// always for the latest drawing.

const $ = (id) => document.getElementById(id);

const PAPER = '#ffffff';
const INK = '#000000';
const MAX_UPLOAD_BYTES = 40 * 1024 * 1024;
// Uploads are scaled down to this longest side before classifying: the preprocessing works
// at 256 pixels anyway, and a 48-megapixel photo would otherwise cost 190 MB of pixels.
const UPLOAD_SIDE = 1024;
// A small file can hold a picture of enormous size (a "decompression bomb": a 100 KB PNG of
// 30,000 x 30,000 pixels decodes to 3.6 GB). The size is read from the header, and anything
// above this is refused before the browser decodes it.
const MAX_UPLOAD_PIXELS = 50e6;

// Width and height from a PNG, JPEG, GIF or WebP header; null if the bytes are none of these.
export function pictureSize(b) {
  const u32be = (i) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
  const u16le = (i) => b[i] | (b[i + 1] << 8);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return { width: u32be(16), height: u32be(20), kind: 'PNG' };
  }
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) {
    return { width: u16le(6), height: u16le(8), kind: 'GIF' };
  }
  if (b.length >= 30 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    const chunk = String.fromCharCode(...b.subarray(12, 16));
    if (chunk === 'VP8X') return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)), kind: 'WebP' };
    if (chunk === 'VP8L') {
      const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff), kind: 'WebP' };
    }
    if (chunk === 'VP8 ') return { width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff, kind: 'WebP' };
    return null;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // Walk the segments to the frame header (SOF0..SOF15 except DHT, JPG and DAC).
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) { i++; continue; }
      const marker = b[i + 1];
      if (marker === 0xff) { i++; continue; }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: (b[i + 7] << 8) | b[i + 8], height: (b[i + 5] << 8) | b[i + 6], kind: 'JPEG' };
      }
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; }
      i += 2 + ((b[i + 2] << 8) | b[i + 3]);
    }
    return { width: 0, height: 0, kind: 'JPEG' };
  }
  return null;
}

export function setupSketch({ worker, showError }) {
  const canvas = $('sketch');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const brush = $('brush-size');
  const eraser = $('eraser-button');
  const undo = $('undo-button');
  const preview = $('upload-preview');
  const predictionEl = $('prediction');
  const note = $('sketch-note');

  let strokes = [];         // {size, erase, points: [[x, y], ...]}
  let current = null;       // the stroke being drawn
  let source = 'sketch';    // or 'upload'
  let upload = null;        // ImageData of the last upload
  let seq = 0, shown = 0;
  let inFlight = false, pending = false;
  let lastSend = 0;
  let lastClasses = [];     // class names of the last answer, for the heatmap's caption

  function paper() {
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  function drawSegment(s, a, b) {
    ctx.strokeStyle = s.erase ? PAPER : INK;
    ctx.fillStyle = ctx.strokeStyle;
    ctx.lineWidth = s.size;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    if (a[0] === b[0] && a[1] === b[1]) {
      ctx.beginPath();
      ctx.arc(a[0], a[1], s.size / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }

  function redraw() {
    paper();
    for (const s of strokes) {
      drawSegment(s, s.points[0], s.points[0]);
      for (let i = 1; i < s.points.length; i++) drawSegment(s, s.points[i - 1], s.points[i]);
    }
    undo.disabled = strokes.length === 0;
  }

  function position(e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }

  // A stroke, from the pointer or the keyboard: started at p, then drawn on to each next point.
  function beginStroke(p) {
    useSketch();
    current = { size: Number(brush.value), erase: eraser.getAttribute('aria-pressed') === 'true', points: [p] };
    strokes.push(current);
    drawSegment(current, p, p);
    undo.disabled = false;
  }
  function extendStroke(p) {
    const last = current.points[current.points.length - 1];
    current.points.push(p);
    drawSegment(current, last, p);
  }

  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== undefined && e.button > 0) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    beginStroke(position(e));
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!current) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) extendStroke(position(ev));
    // Classified as you draw: while the stroke goes on, a few times a second.
    if (performance.now() - lastSend > 150) request();
  });
  const endStroke = () => {
    if (!current) return;
    current = null;
    request();
  };
  canvas.addEventListener('pointerup', endStroke);
  canvas.addEventListener('pointercancel', endStroke);
  canvas.addEventListener('lostpointercapture', endStroke);

  // Keyboard drawing, for people who do not use a pointer: the arrow keys move the pen (Shift:
  // in small steps), Space or Enter puts it down or lifts it (lifting classifies), Escape lifts.
  const cursor = $('sketch-cursor');
  let pen = [canvas.width / 2, canvas.height / 2];
  const clamp = (v, hi) => Math.max(0, Math.min(hi, v));
  function showCursor() {
    const r = canvas.getBoundingClientRect(), pr = canvas.parentElement.getBoundingClientRect();
    cursor.style.left = `${r.left - pr.left + pen[0] * r.width / canvas.width}px`;
    cursor.style.top = `${r.top - pr.top + pen[1] * r.height / canvas.height}px`;
    cursor.classList.toggle('down', current !== null);
  }
  canvas.addEventListener('focus', () => { cursor.hidden = false; showCursor(); });
  canvas.addEventListener('blur', () => { cursor.hidden = true; endStroke(); });
  canvas.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 2 : 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      const p = [clamp(pen[0] + moves[e.key][0], canvas.width), clamp(pen[1] + moves[e.key][1], canvas.height)];
      if (current) {
        extendStroke(p);
        if (performance.now() - lastSend > 150) request();
      }
      pen = p;
    } else if (e.key === ' ' || e.key === 'Enter') {
      if (current) {
        endStroke();
      } else {
        beginStroke(pen);
      }
    } else if (e.key === 'Escape') {
      endStroke();
    } else {
      return;
    }
    e.preventDefault();
    showCursor();
  });

  eraser.addEventListener('click', () => {
    const on = eraser.getAttribute('aria-pressed') !== 'true';
    eraser.setAttribute('aria-pressed', String(on));
    eraser.textContent = on ? 'Eraser (on)' : 'Eraser';
  });
  undo.addEventListener('click', () => {
    strokes.pop();
    redraw();
    request();
  });
  $('clear-button').addEventListener('click', () => {
    strokes = [];
    upload = null;
    source = 'sketch';
    preview.hidden = true;
    $('image-input').value = '';
    redraw();
    seq++;
    shown = seq; // an answer still on its way is for a picture that is gone
    showNothing('Draw an item, or choose a picture.');
  });

  function useSketch() {
    if (source === 'upload') {
      source = 'sketch';
      preview.hidden = true;
    }
  }

  $('image-input').addEventListener('change', async (e) => {
    const file = e.target.files && e.target.files[0];
    if (!file) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      showError(`That file is ${(file.size / 1048576).toFixed(0)} MB; pictures up to ${MAX_UPLOAD_BYTES / 1048576} MB are accepted.`);
      return;
    }
    const size = pictureSize(new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer()));
    if (!size) {
      showError(`"${file.name}" is not a PNG, JPEG, GIF or WebP picture: choose a photo or a scan of an item.`);
      return;
    }
    if (size.width * size.height > MAX_UPLOAD_PIXELS) {
      showError(`"${file.name}" is a ${size.width.toLocaleString()} × ${size.height.toLocaleString()} pixel ${size.kind}: ` +
        `pictures up to ${MAX_UPLOAD_PIXELS / 1e6} megapixels are accepted. Scale it down and try again.`);
      return;
    }
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (err) {
      showError(`"${file.name}" could not be read as a picture: choose a PNG or JPEG image.`);
      return;
    }
    const scale = Math.min(1, UPLOAD_SIDE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const work = document.createElement('canvas');
    work.width = w; work.height = h;
    const wctx = work.getContext('2d', { willReadFrequently: true });
    wctx.drawImage(bitmap, 0, 0, w, h);
    upload = wctx.getImageData(0, 0, w, h);
    // The preview shows the picture whole, letterboxed, over the pad.
    const pctx = preview.getContext('2d');
    pctx.fillStyle = '#ddd';
    pctx.fillRect(0, 0, preview.width, preview.height);
    const fit = Math.min(preview.width / w, preview.height / h);
    pctx.drawImage(work, (preview.width - w * fit) / 2, (preview.height - h * fit) / 2, w * fit, h * fit);
    preview.hidden = false;
    bitmap.close();
    source = 'upload';
    showError('');
    request();
  });

  function request() {
    if (inFlight) { pending = true; return; }
    send();
  }

  function send() {
    pending = false;
    let img;
    if (source === 'upload' && upload) {
      img = new ImageData(new Uint8ClampedArray(upload.data), upload.width, upload.height);
    } else {
      if (strokes.length === 0) { showNothing('Draw an item, or choose a picture.'); return; }
      img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    }
    inFlight = true;
    lastSend = performance.now();
    seq++;
    worker.postMessage({ type: 'classify', seq, width: img.width, height: img.height, rgba: img.data }, [img.data.buffer]);
  }

  function showNothing(text) {
    for (const k of ['class', 'label', 'cnnClass', 'cnnLabel', 'millis', 'heatMillis']) delete predictionEl.dataset[k];
    predictionEl.textContent = text;
    for (const id of ['cnn-bars', 'svm-bars', 'neighbours']) $(id).replaceChildren();
    for (const id of ['model-view', 'heatmap', 'activations']) {
      const c = $(id);
      c.getContext('2d').clearRect(0, 0, c.width, c.height);
    }
  }

  function onPrediction(m) {
    inFlight = false;
    if (pending) send();
    if (m.seq < shown) return;
    shown = m.seq;
    predictionEl.dataset.seq = String(m.seq);
    drawGray($('model-view'), m.image, 28, 28);
    if (!m.hasModel) {
      showNothing('No model yet: press Train above, or load a model file, and the pad will classify with it.');
      drawGray($('model-view'), m.image, 28, 28);
      return;
    }
    if (m.empty) {
      showNothing('Nothing stands out from the background: draw darker or bigger, or choose another picture.');
      return;
    }
    const svm = m.svmClass !== undefined;
    const finalClass = svm ? m.svmClass : m.cnnClass;
    const finalLabel = svm ? m.svmLabel : m.cnnLabel;
    predictionEl.dataset.class = String(finalClass);
    predictionEl.dataset.label = finalLabel;
    predictionEl.dataset.cnnClass = String(m.cnnClass);
    predictionEl.dataset.cnnLabel = m.cnnLabel;
    predictionEl.dataset.millis = m.millis.toFixed(0);
    const p = (100 * m.probabilities[m.cnnClass]).toFixed(0);
    const how = [m.inverted ? 'inverted (dark on light)' : null, m.filledOutline ? 'outline filled in' : null].filter(Boolean);
    predictionEl.innerHTML = '';
    const big = document.createElement('strong');
    big.textContent = finalLabel;
    predictionEl.append(big, ` — ${svm ? 'CNN + SVM' : 'CNN head (no SVM fitted yet)'}; CNN head: ${m.cnnLabel} (${p} %)`);
    if (how.length) predictionEl.append(` · ${how.join(', ')}`);

    bars($('cnn-bars'), m.classes, Array.from(m.probabilities), (v) => `${(100 * v).toFixed(1)} %`, false);
    if (svm) bars($('svm-bars'), m.classes, Array.from(m.svmScores), (v) => v.toFixed(2), true);
    else $('svm-bars').replaceChildren(text('p', 'The SVM is fitted after training finishes.'));
    lastClasses = m.classes;
    drawFilters($('filters'), m.filters, m.filterSide, m.firstCount);
    drawMaps($('activations'), m.first, m.firstSide, m.firstCount);
    drawNeighbours(m);
  }

  function onHeatmap(m) {
    if (m.seq !== shown) return;
    drawHeat($('heatmap'), m.image, m.heat);
    $('heatmap-caption').textContent = `Where hiding part of the picture lowers "${lastClasses[m.heatClass]}" most (red)`;
    predictionEl.dataset.heatMillis = m.millis.toFixed(0);
  }

  function onModelReady(info) {
    note.textContent = info;
    if (source === 'upload' ? upload : strokes.length) request();
  }

  // A restarted worker never answers the old one's request.
  function workerRestarted() { inFlight = false; pending = false; }

  paper();
  undo.disabled = true;
  return { onPrediction, onHeatmap, onModelReady, workerRestarted };
}

function text(tag, t) {
  const el = document.createElement(tag);
  el.textContent = t;
  return el;
}

// Top five classes as horizontal bars. Probabilities are drawn to scale; SVM scores (margins,
// any sign) are drawn relative to the lowest of the ten.
function bars(el, classes, values, fmt, relative) {
  const order = values.map((v, i) => i).sort((a, b) => values[b] - values[a]).slice(0, 5);
  const lo = relative ? Math.min(...values) : 0;
  const hi = relative ? Math.max(...values) : 1;
  el.replaceChildren();
  for (const i of order) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    const name = text('span', classes[i]);
    const track = document.createElement('span');
    track.className = 'bar-track';
    const fill = document.createElement('span');
    fill.className = 'bar-fill';
    fill.style.width = `${Math.max(1, 100 * (values[i] - lo) / Math.max(1e-9, hi - lo))}%`;
    track.append(fill);
    row.append(name, track, text('span', fmt(values[i])));
    el.append(row);
  }
}

function drawGray(canvas, pixels, w, h) {
  const ctx = canvas.getContext('2d');
  const img = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = pixels[i];
    img.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement('canvas');
  tmp.width = w; tmp.height = h;
  tmp.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function drawHeat(canvas, pixels, heat) {
  const img = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = pixels[i] * 0.6, h = heat[i];
    img.data[4 * i] = Math.round(g * (1 - h) + 255 * h);
    img.data[4 * i + 1] = Math.round(g * (1 - h) + 40 * h);
    img.data[4 * i + 2] = Math.round(g * (1 - h) + 40 * h);
    img.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement('canvas');
  tmp.width = 28; tmp.height = 28;
  tmp.getContext('2d').putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

// Kernels in blue (negative) to red (positive), all on one scale so their strengths compare.
function drawFilters(canvas, values, side, count) {
  const ctx = canvas.getContext('2d');
  const cols = 8, cell = canvas.width / cols, px = (cell - 4) / side;
  const max = Math.max(1e-9, ...Array.from(values, Math.abs));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (let k = 0; k < count; k++) {
    const ox = (k % cols) * cell + 2, oy = Math.floor(k / cols) * cell + 2;
    for (let i = 0; i < side * side; i++) {
      const v = values[k * side * side + i] / max;
      const r = v > 0 ? 255 : Math.round(255 * (1 + v)), b = v < 0 ? 255 : Math.round(255 * (1 - v));
      const g = Math.round(255 * (1 - Math.abs(v)));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(ox + (i % side) * px, oy + Math.floor(i / side) * px, Math.ceil(px), Math.ceil(px));
    }
  }
}

// Each activation map on its own scale (black 0, white its maximum).
function drawMaps(canvas, values, side, count) {
  const cols = 8, rows = Math.ceil(count / cols), gap = 2;
  const w = cols * (side + gap), h = rows * (side + gap);
  const img = new ImageData(w, h);
  img.data.fill(255);
  for (let k = 0; k < count; k++) {
    const off = k * side * side;
    let max = 1e-9;
    for (let i = 0; i < side * side; i++) max = Math.max(max, values[off + i]);
    const ox = (k % cols) * (side + gap), oy = Math.floor(k / cols) * (side + gap);
    for (let i = 0; i < side * side; i++) {
      const v = Math.round(255 * Math.max(0, values[off + i]) / max);
      const p = 4 * ((oy + Math.floor(i / side)) * w + ox + (i % side));
      img.data[p] = img.data[p + 1] = img.data[p + 2] = v;
    }
  }
  const tmp = document.createElement('canvas');
  tmp.width = w; tmp.height = h;
  tmp.getContext('2d').putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.width * h / w);
}

function drawNeighbours(m) {
  const strip = $('neighbours');
  strip.replaceChildren();
  if (!m.neighbours) {
    strip.append(text('p', 'The training images are searched once the dataset is in and the model\'s features of all 60,000 have been extracted (about a minute on the CPU).'));
    return;
  }
  m.neighbours.forEach((index, k) => {
    const fig = document.createElement('figure');
    fig.className = 'tile';
    const c = document.createElement('canvas');
    c.width = c.height = 56;
    drawGray(c, m.neighbourImages.subarray(k * 784, (k + 1) * 784), 28, 28);
    c.setAttribute('aria-label', `Training image ${index}: ${m.neighbourLabels[k]}`);
    const cap = text('figcaption', `${m.neighbourLabels[k]} · ${m.neighbourSimilarity[k].toFixed(2)}`);
    fig.append(c, cap);
    strip.append(fig);
  });
}
