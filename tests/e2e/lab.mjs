// The Lab's end-to-end tests (shared/e2e-contract.md, section "Lab"), registered by run.mjs:
// the dataset explorer and the model summary before any training; a sweep, whose runs fill the
// experiment log (kept across reloads, sorted, exported, deleted), with the ROC/PR curves and
// the feature map of its last run.
import fs from 'node:fs';
import path from 'node:path';
import { OUT, open, waitPhase, attr, text, phasesSeen, stroke } from './harness.mjs';

function check(cond, message) { if (!cond) throw new Error(message); }
const count = (page, sel) => page.$$eval(sel, (els) => els.length);

export async function explorer() {
  const { page, ctx, log } = await open('?backend=cpu');
  try {
    await waitPhase(page, ['ready', 'error'], 120_000);
    await page.waitForFunction(() => document.querySelector('#dataset-view').dataset.trainCounts, null, { timeout: 30_000 });
    const train = (await attr(page, '#dataset-view', 'data-train-counts')).split(',').map(Number);
    const testCounts = (await attr(page, '#dataset-view', 'data-test-counts')).split(',').map(Number);
    check(train.length === 10 && train.every((n) => n === 6000), `train counts ${train}`);
    check(testCounts.length === 10 && testCounts.every((n) => n === 1000), `test counts ${testCounts}`);
    // The summary follows the form's architecture, with the networks' real parameter counts.
    const summary = async (arch) => {
      await page.selectOption('#arch', arch);
      await page.waitForFunction((a) => document.querySelector('#model-summary').dataset.arch === a, arch);
      return { total: Number(await attr(page, '#model-summary', 'data-total-params')), rows: await count(page, '#model-summary tbody tr') };
    };
    const one = await summary('one-conv');
    const three = await summary('three-conv');
    check(one.total === 693962 && one.rows === 5, `one-conv: ${JSON.stringify(one)}`);
    check(three.total === 93322 && three.rows === 8, `three-conv: ${JSON.stringify(three)}`);
    // A page of trousers; one opens in the pad and is read as what it is.
    await page.selectOption('#explore-class', '1');
    await page.waitForFunction(() => document.querySelector('#samples-page').textContent.includes('Trouser'), null, { timeout: 10_000 });
    check((await count(page, '#samples .tile')) === 32, 'a page of samples has 32 tiles');
    await page.click('#samples-next');
    await page.waitForFunction(() => document.querySelector('#samples-page').textContent.startsWith('Page 2 of'), null, { timeout: 10_000 });
    const seq = await attr(page, '#prediction', 'data-seq');
    await page.click('#samples .tile >> nth=0');
    await page.waitForFunction((s) => document.querySelector('#prediction').dataset.seq !== s && document.querySelector('#prediction').dataset.class, seq, { timeout: 20_000 });
    const label = await attr(page, '#prediction', 'data-label');
    await page.locator('#dataset-panel').screenshot({ path: path.join(OUT, 'dataset.png') });
    check(label === 'Trouser', `a training image of trousers read as ${label}`);
    check((await text(page, '#error')) === '', `#error: ${await text(page, '#error')}`);
    return `counts 10 × 6,000 / 10 × 1,000; one-conv 693,962, three-conv 93,322 parameters; a sample read as ${label}`;
  } catch (e) { fs.writeFileSync(path.join(OUT, 'explorer.log'), log.join('\n')); throw e; } finally { await ctx.close(); }
}

const runRows = (page) => page.$$eval('#runs tbody tr[data-run-id]', (rows) => rows.map((r) => ({ ...r.dataset })));

async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return fs.readFileSync(await file.path(), 'utf8');
}

export async function sweepAndLog() {
  const query = '?backend=cpu&autostart=1&epochs=1&train_limit=1500&test_limit=600&sweep=lr:0.001|0.004';
  const { page, ctx, log } = await open(query);
  try {
    const phase = await waitPhase(page, ['done', 'error'], 10 * 60_000);
    check(phase === 'done', `ended in ${phase}: ${await text(page, '#error')}`);
    const phases = await phasesSeen(page);
    check(phases.filter((p) => p === 'done').length === 1, `done before the last combination: ${phases.join(' ')}`);
    check((await attr(page, '#sweep', 'data-combinations')) === '2', 'two combinations');
    const best = await attr(page, '#sweep', 'data-best-run-id');
    let rows = await runRows(page);
    check(rows.length === 2, `${rows.length} runs logged`);
    check(rows.some((r) => r.runId === best), `best run ${best} not in the log`);
    check(rows.map((r) => r.lr).sort().join() === '0.001,0.004', `learning rates ${rows.map((r) => r.lr)}`);
    for (const r of rows) {
      check(r.arch === 'bn-cnn' && r.backend === 'cpu' && r.epochs === '1' && r.batch === '32' && r.params === '422026', `row ${JSON.stringify(r)}`);
      check(Number(r.seconds) > 0 && Number(r.imagesPerSecond) > 0 && Number(r.cnnAccuracy) > 0.5 && Number(r.svmAccuracy) > 0.5, `numbers ${JSON.stringify(r)}`);
    }
    const bestRow = rows.find((r) => r.runId === best);
    check(rows.every((r) => Number(r.svmAccuracy) <= Number(bestRow.svmAccuracy)), 'the best is the most accurate');
    // ROC/PR of the last run, and its feature map.
    const cnnAuc = Number(await attr(page, '#metrics', 'data-cnn-auc'));
    const svmAuc = Number(await attr(page, '#metrics', 'data-svm-auc'));
    check(cnnAuc > 0.9 && cnnAuc <= 1 && svmAuc > 0.9 && svmAuc <= 1, `AUC ${cnnAuc} / ${svmAuc}`);
    check((await count(page, '#auc-table tbody tr')) === 11, 'AUC table rows');
    check((await attr(page, '#feature-map', 'data-points')) === '600' && (await attr(page, '#feature-map', 'data-method')) === 'pca', 'feature map');
    await page.locator('#curves-panel').screenshot({ path: path.join(OUT, 'roc.png') });
    // A drawing lands on the map.
    await stroke(page, [[0.3, 0.2], [0.7, 0.2], [0.7, 0.8], [0.3, 0.8], [0.3, 0.2]]);
    await page.waitForFunction(() => document.querySelector('#feature-map').dataset.drawing, null, { timeout: 20_000 });
    // Hovering a dot names its image and both answers.
    await page.locator('#feature-map').scrollIntoViewIfNeeded();
    const dot = await page.evaluate(() => {
      const c = document.querySelector('#feature-map'); const r = c.getBoundingClientRect();
      const ctx2 = c.getContext('2d'); const d = ctx2.getImageData(0, 0, c.width, c.height).data;
      for (let y = 20; y < c.height - 20; y += 2) for (let x = 20; x < c.width - 120; x += 2) {
        const i = (y * c.width + x) * 4;
        // A class's colour, not the grey of the marker's label or its white ring.
        if (d[i + 3] > 100 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) return { x: r.left + x * r.width / c.width, y: r.top + y * r.height / c.height };
      }
      return null;
    });
    check(dot, 'no dot found on the feature map');
    await page.mouse.move(dot.x, dot.y);
    await page.waitForFunction(() => document.querySelector('#feature-map-info').textContent.startsWith('Test image'), null, { timeout: 5000 });
    await page.locator('#feature-map-panel').screenshot({ path: path.join(OUT, 'feature-map.png') });
    // Sorted by CNN accuracy, highest first.
    await page.click('#runs button[data-sort="cnn-accuracy"]');
    rows = await runRows(page);
    check(Number(rows[0].cnnAccuracy) >= Number(rows[1].cnnAccuracy), 'sorted by CNN accuracy');
    // Both ticked: their curves overlaid.
    for (const box2 of await page.$$('#runs input[data-tick]')) await box2.check();
    check(await page.$eval('#runs-charts', (e) => !e.hidden), 'the overlay charts are shown');
    await page.locator('#log-panel').screenshot({ path: path.join(OUT, 'runs.png') });
    // Exports.
    const csv = (await download(page, '#runs-export-csv')).trim().split('\n');
    check(csv.length === 3 && csv[0].startsWith('id,'), `CSV: ${csv.length} lines`);
    const json = JSON.parse(await download(page, '#runs-export-json'));
    check(json.length === 2 && json[0].loss.length > 1, 'JSON with curves');
    // The best settings into the form.
    await page.click('#sweep-use-best');
    check((await page.inputValue('#lr')) === bestRow.lr, `form lr ${await page.inputValue('#lr')}, best ${bestRow.lr}`);
    // Bad sweeps are refused with the reason.
    await page.fill('#sweep-input', 'lr');
    await page.click('#sweep-button');
    check((await text(page, '#error')).includes('has no key'), `malformed sweep: ${await text(page, '#error')}`);
    await page.fill('#sweep-input', 'lr:1|2|3|4|5|6|7|8;batch:1|2|3|4|5|6|7|8|9');
    await page.click('#sweep-button');
    check((await text(page, '#error')).includes('72 combinations, more than the 64'), `too big: ${await text(page, '#error')}`);
    // Kept across a reload; a record that does not parse is kept aside, not deleted.
    await page.evaluate(() => new Promise((ok, fail) => {
      const r = indexedDB.open('fashion-mnist-lab');
      r.onsuccess = () => { const tx = r.result.transaction('runs', 'readwrite'); tx.objectStore('runs').put({ junk: true }, 'run-bad'); tx.oncomplete = () => { r.result.close(); ok(); }; tx.onerror = fail; };
      r.onerror = fail;
    }));
    await page.goto(page.url().split('?')[0] + '?backend=cpu');
    await page.waitForFunction(() => document.querySelectorAll('#runs tbody tr[data-run-id]').length === 2, null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('#runs-note').textContent.includes('could not be read'), null, { timeout: 10_000 });
    const aside = await page.evaluate(() => new Promise((ok) => {
      const r = indexedDB.open('fashion-mnist-lab');
      r.onsuccess = () => { const g = r.result.transaction('runs-aside').objectStore('runs-aside').get('run-bad'); g.onsuccess = () => { r.result.close(); ok(JSON.stringify(g.result)); }; };
    }));
    check(aside === '{"junk":true}', `kept aside: ${aside}`);
    // Delete one, then all; an export of nothing says so.
    await page.click('#runs button[data-delete] >> nth=0');
    await page.waitForFunction(() => document.querySelectorAll('#runs tbody tr[data-run-id]').length === 1, null, { timeout: 10_000 });
    await page.click('#runs-clear');
    await page.waitForFunction(() => document.querySelectorAll('#runs tbody tr[data-run-id]').length === 0, null, { timeout: 10_000 });
    await page.click('#runs-export-csv');
    check((await text(page, '#runs-note')).includes('no runs to export'), `empty export: ${await text(page, '#runs-note')}`);
    return `2 runs, best ${bestRow.lr} (CNN + SVM ${bestRow.svmAccuracy}); AUC CNN ${cnnAuc}, SVM ${svmAuc}; map of 600 points`;
  } catch (e) { fs.writeFileSync(path.join(OUT, 'sweep.log'), log.join('\n')); throw e; } finally { await ctx.close(); }
}

// ---- Classes of one's own, and the camera ------------------------------------------------------

// A seeded generator, so the drawn shapes are the same on every run.
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

// A five-pointed star as a mouse draws it: one closed stroke through the points, its size,
// place and turn varying, each corner off by a little.
function star(next) {
  const r = 0.25 + 0.15 * next(), cx = 0.45 + 0.1 * next(), cy = 0.45 + 0.1 * next(), turn = (next() - 0.5) * 0.5;
  const points = [];
  for (let k = 0; k <= 5; k++) {
    const a = -Math.PI / 2 + turn + (k % 5) * (4 * Math.PI / 5);
    points.push([cx + r * Math.cos(a) + (next() - 0.5) * 0.04, cy + r * Math.sin(a) + (next() - 0.5) * 0.04]);
  }
  return points;
}

async function settled(page) {
  await page.waitForFunction(() => document.querySelector('#prediction').dataset.class !== undefined, null, { timeout: 30_000 });
  let seq;
  do { seq = await attr(page, '#prediction', 'data-seq'); await page.waitForTimeout(700); } while (seq !== await attr(page, '#prediction', 'data-seq'));
  return page.$eval('#prediction', (e) => ({ ...e.dataset }));
}

async function drawStar(page, next) {
  await page.click('#clear-button');
  await stroke(page, star(next), 6);
  return settled(page);
}

const errorText = (page) => text(page, '#error');

export async function ownClasses() {
  const { page, ctx, log } = await open('?backend=cpu');
  try {
    await waitPhase(page, ['ready', 'error'], 120_000);
    await page.waitForFunction(() => document.querySelector('#model-info').dataset.source === 'pretrained', null, { timeout: 60_000 });
    // Bad input, each refused with the reason.
    await page.fill('#class-name', '');
    await page.click('#add-example-button');
    check((await errorText(page)).includes('Give the class a name'), `empty name: ${await errorText(page)}`);
    await page.fill('#class-name', 'trouser');
    await page.click('#add-example-button');
    check((await errorText(page)).includes('already one of the ten'), `duplicate name: ${await errorText(page)}`);
    await page.fill('#class-name', 'Star');
    await page.click('#clear-button');
    await page.click('#add-example-button');
    check((await errorText(page)).includes('nothing on the pad'), `empty pad: ${await errorText(page)}`);
    await page.fill('#class-name', 'Moon');
    await page.click('#fit-classes-button');
    await page.waitForFunction(() => document.querySelector('#error').textContent.includes('no examples yet'), null, { timeout: 10_000 });
    // Ten drawn stars as examples.
    const teach = rng(7);
    await page.fill('#class-name', 'Star');
    const unseen = [];
    for (let k = 1; k <= 10; k++) {
      const p = await drawStar(page, teach);
      if (k === 1) unseen.push(p.label);
      await page.click('#add-example-button');
      await page.waitForFunction((n) => document.querySelector('#custom-classes').dataset.counts === String(n), k, { timeout: 10_000 });
    }
    await page.click('#fit-classes-button');
    await page.waitForFunction(() => document.querySelector('#custom-classes').dataset.fitted === '1' && document.querySelector('#custom-classes').dataset.accuracyAfter, null, { timeout: 240_000 });
    const before = Number(await attr(page, '#custom-classes', 'data-accuracy-before'));
    const after = Number(await attr(page, '#custom-classes', 'data-accuracy-after'));
    // Twenty other stars, drawn differently.
    const test = rng(1234);
    const answers = [];
    for (let k = 0; k < 20; k++) answers.push(await drawStar(page, test));
    const right = answers.filter((a) => a.label === 'Star' && Number(a.class) >= 10).length;
    await page.locator('#sketch-panel').screenshot({ path: path.join(OUT, 'own-class.png') });
    const classesNote = await text(page, '#classes-note');
    check(right >= 16, `only ${right} of 20 new stars read as Star: ${answers.map((a) => a.label).join(', ')}`);
    check(after > 0.85, `the ten classes' accuracy fell to ${after} (from ${before})`);
    // Kept with the model across a reload.
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#custom-classes').dataset.names === 'Star', null, { timeout: 90_000 });
    const again = await drawStar(page, rng(99));
    check(again.label === 'Star', `after a reload a star read as ${again.label}`);
    await page.click('#custom-classes button[data-remove="Star"]');
    await page.waitForFunction(() => document.querySelector('#custom-classes').dataset.names === '', null, { timeout: 10_000 });
    return `${right}/20 new stars read as Star (before teaching: ${unseen[0]}); the ten classes on 2,000 test images ${before} → ${after}; ${classesNote.split('.')[0]}`;
  } catch (e) { fs.writeFileSync(path.join(OUT, 'own-classes.log'), log.join('\n')); throw e; } finally { await ctx.close(); }
}

export async function camera() {
  const allowed = await open('?backend=cpu', { camera: 'allow' });
  let frames;
  try {
    const { page } = allowed;
    await page.waitForFunction(() => document.querySelector('#model-info').dataset.source === 'pretrained', null, { timeout: 90_000 });
    check((await attr(page, '#camera', 'data-state')) === 'off', 'camera starts off');
    await page.click('#camera-button');
    await page.waitForFunction(() => document.querySelector('#camera').dataset.state !== 'off', null, { timeout: 20_000 });
    check((await attr(page, '#camera', 'data-state')) === 'on', `camera ${await attr(page, '#camera', 'data-state')}: ${await text(page, '#camera-note')}`);
    const first = Number(await attr(page, '#prediction', 'data-seq') ?? 0);
    await page.waitForFunction((s) => Number(document.querySelector('#prediction').dataset.seq ?? 0) >= s + 3 && document.querySelector('#prediction').dataset.class, first, { timeout: 30_000 });
    frames = Number(await attr(page, '#prediction', 'data-seq')) - first;
    await page.locator('#sketch-panel').screenshot({ path: path.join(OUT, 'camera.png') });
    await page.fill('#class-name', 'Test card');
    await page.click('#add-example-button');
    await page.waitForFunction(() => document.querySelector('#custom-classes').dataset.counts === '1', null, { timeout: 10_000 });
    await page.click('#camera-button');
    check((await attr(page, '#camera', 'data-state')) === 'off', 'camera stops');
  } catch (e) { fs.writeFileSync(path.join(OUT, 'camera.log'), allowed.log.join('\n')); throw e; } finally { await allowed.ctx.close(); }
  const denied = await open('?backend=cpu', { camera: 'deny' });
  try {
    const { page } = denied;
    await page.waitForFunction(() => document.querySelector('#model-info').dataset.source === 'pretrained', null, { timeout: 90_000 });
    await page.click('#camera-button');
    await page.waitForFunction(() => document.querySelector('#camera').dataset.state !== 'off', null, { timeout: 20_000 });
    const state = await attr(page, '#camera', 'data-state');
    check(state === 'denied', `refused camera: ${state}: ${await text(page, '#camera-note')}`);
    check((await text(page, '#camera-note')).includes('not allowed'), 'the refusal is explained');
    await stroke(page, [[0.3, 0.2], [0.7, 0.2], [0.7, 0.8], [0.3, 0.8], [0.3, 0.2]], 6);
    const p = await settled(page);
    check(p.label, 'the pad still answers');
    return `${frames} frames classified while on; a refused camera reads "denied" and the pad goes on`;
  } catch (e) { fs.writeFileSync(path.join(OUT, 'camera-denied.log'), denied.log.join('\n')); throw e; } finally { await denied.ctx.close(); }
}
