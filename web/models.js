// Which model the page uses, and keeping it: the model shipped with the page, the last one
// trained here (IndexedDB, so it survives a reload), a file the user saved (#model-download)
// and loads back (#model-input). The worker parses and checks every file; this side only moves
// bytes and says what happened.

const $ = (id) => document.getElementById(id);
const SHIPPED = 'pretrained.fmnist';
// Far above any real model (about 2 MB): a bigger pick is refused before it is read at all.
const MAX_FILE_BYTES = 64 << 20;
const DB = 'fashion-mnist-lab', STORE = 'models', LAST = 'last-trained';

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function dbDo(mode, f) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const stored = () => dbDo('readonly', (s) => s.get(LAST));
const store = (record) => dbDo('readwrite', (s) => s.put(record, LAST));
const forget = () => dbDo('readwrite', (s) => s.delete(LAST));

const pct = (x) => (100 * x).toFixed(2) + ' %';

export function setupModels({ worker, showError, onModelReady }) {
  const info = $('model-info');
  const download = $('model-download');
  const input = $('model-input');
  const shipped = $('model-pretrained');
  let fileName = '';
  let savedAt = null;
  download.disabled = true;
  // The bytes of the model in use and of the run in progress's latest checkpoint, so that a
  // restarted worker gets them back; `sent` waits for the worker to accept a file.
  let current = null, sent = null, checkpointed = null, restoredStep = null;

  // The last model trained here, for the next visit (IndexedDB).
  function keep(bytes) {
    store({ bytes: bytes.slice().buffer, savedAt: Date.now() })
      .then(() => { savedAt = Date.now(); })
      .catch((e) => console.warn('Could not keep the model in IndexedDB', e));
  }

  function send(bytes, source, name, extra = {}) {
    sent = { bytes: bytes.slice(), source, name, ...extra };
    worker.postMessage({ type: 'load-model', bytes, source, name }, [bytes.buffer]);
  }

  async function loadShipped() {
    info.textContent = 'Loading the model shipped with the page…';
    try {
      const res = await fetch(SHIPPED);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      send(new Uint8Array(await res.arrayBuffer()), 'pretrained', 'the shipped model');
    } catch (e) {
      info.textContent = 'No model loaded.';
      showError(`Could not download the model shipped with the page (${e.message}). Train one with the Train button.`);
    }
  }

  // `model=pretrained` asks for the shipped model; with no `model` parameter the last model
  // trained in this browser comes back if there is one; `model=none` starts untrained.
  async function start(query) {
    const choice = new URLSearchParams(query).get('model');
    if (choice === 'none') {
      info.textContent = 'No model loaded (model=none): train one, or load a model file.';
      return;
    }
    if (choice === null) {
      try {
        const last = await stored();
        if (last?.bytes) {
          savedAt = last.savedAt;
          info.textContent = 'Loading your last trained model…';
          send(new Uint8Array(last.bytes), 'saved', 'your last trained model');
          return;
        }
      } catch (e) {
        console.warn('IndexedDB unavailable: the last trained model cannot be restored', e);
      }
    }
    await loadShipped();
  }

  function describe(m) {
    const trained = m.trainedImages ? `${m.trainedImages.toLocaleString()} training images seen` : '';
    const how = [m.settings && `settings ${m.settings}`, trained].filter(Boolean).join(', ');
    const where = {
      pretrained: `The model shipped with the page (${m.arch}, trained by the native fashion-train command${how ? '; ' + how : ''})`,
      saved: `Your last trained model (${m.arch}${savedAt ? ', saved ' + new Date(savedAt).toLocaleString() : ''}${how ? '; ' + how : ''})`,
      file: `Loaded from ${fileName} (${m.arch}, made by ${m.madeBy === 'page' ? 'this page' : m.madeBy}${how ? '; ' + how : ''})`,
      trained: `The ${m.arch} trained in this tab${how ? ' (' + how + ')' : ''}`,
      checkpoint: `The ${m.arch} trained in this tab as far as it got (${restoredStep ?? '?'} batches${how ? ', ' + how : ''}), restored after the worker restarted`,
    }[m.source] ?? m.arch;
    const acc = m.cnnAccuracy === null
      ? 'not tested yet'
      : `CNN ${pct(m.cnnAccuracy)}` + (m.svmAccuracy === null ? ', no SVM yet' : `, CNN + SVM ${pct(m.svmAccuracy)}`) +
        ` on ${m.testImages.toLocaleString()} test images`;
    return `${where}. Test accuracy: ${acc}.`;
  }

  function modelReady(m) {
    if (sent?.source === m.source) { current = sent; sent = null; }
    info.textContent = describe(m);
    info.dataset.source = m.source;
    info.dataset.arch = m.arch;
    if (m.cnnAccuracy !== null) info.dataset.cnnAccuracy = m.cnnAccuracy.toFixed(4); else delete info.dataset.cnnAccuracy;
    if (m.svmAccuracy !== null) info.dataset.svmAccuracy = m.svmAccuracy.toFixed(4); else delete info.dataset.svmAccuracy;
    download.disabled = false;
    onModelReady(m);
  }

  function modelFile(m) {
    if (m.purpose === 'store') {
      current = { bytes: m.bytes.slice(), source: 'trained', name: 'the model trained in this tab' };
      checkpointed = null;
      keep(m.bytes);
      return;
    }
    const url = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `fashion-${m.arch}-${new Date().toISOString().slice(0, 10)}.fmnist`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function modelError(m) {
    showError(m.message);
    if (m.source === 'saved') {
      // Kept by an older version of the page, or damaged: fall back to the shipped model.
      forget().catch(() => {});
      loadShipped();
    } else if (m.source === 'pretrained') {
      info.textContent = 'No model loaded.';
    }
  }

  download.addEventListener('click', () => worker.postMessage({ type: 'save-model', purpose: 'download' }));
  shipped.addEventListener('click', () => { showError(''); loadShipped(); });
  input.addEventListener('change', async () => {
    const file = input.files[0];
    input.value = ''; // the same file can be picked again
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      showError(`Could not load ${file.name}: it is ${(file.size / 1e6).toFixed(0)} MB, far more than any model this page saves. The current model is kept.`);
      return;
    }
    showError('');
    fileName = file.name;
    send(new Uint8Array(await file.arrayBuffer()), 'file', file.name);
  });

  // `{step, batches, bytes}` from a run in progress, or null when a new run starts.
  function checkpoint(m) {
    checkpointed = m && { bytes: m.bytes, source: 'checkpoint', name: 'the model trained so far', step: m.step, batches: m.batches };
    if (m) info.dataset.checkpointStep = m.step; else delete info.dataset.checkpointStep;
  }

  // What a restarted worker should load: the run in progress as far as it got, else the model
  // in use.
  const latest = () => checkpointed ?? current;

  function restore(r) {
    if (r.source === 'checkpoint') {
      restoredStep = r.step;
      // It is now the last model trained here: kept for the next visit too.
      keep(r.bytes);
    }
    checkpointed = null;
    info.textContent = 'Restoring the model…';
    send(r.bytes.slice(), r.source, r.name, r.source === 'checkpoint' ? { step: r.step, batches: r.batches } : {});
  }

  return { start, modelReady, modelFile, modelError, checkpoint, latest, restore };
}
