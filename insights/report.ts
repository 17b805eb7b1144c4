/**
 * The insights report: one self-contained HTML file that opens from disk with no network. Charts are Chart.js
 * (a well-kept canvas charting library) inlined from node_modules as script text; the data is inlined as JSON.
 * Every chart has a sentence saying what it shows, and the scorecard says plainly where a model does not beat
 * its baseline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Summary } from './insights';
import { beats, type Score } from './scorecard';

const require = createRequire(import.meta.url);

function chartJsSource(): string {
  // The package exports no path to its UMD build, so it is found beside the CommonJS entry (both in dist/).
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : 'n/a');

/** Inline script text must never close its own tag. */
const scriptSafe = (s: string): string => s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

function find(scores: readonly Score[], task: string, target: string, metric: string, model?: string): Score | undefined {
  return scores.find((s) => s.task === task && s.target === target && s.metric === metric && (model === undefined || s.model === model));
}

/** What the data suggests changing in the store, each point computed from the summary (nothing written in by hand). */
export function suggestions(s: Summary): string[] {
  const out: string[] = [];
  const f = s.funnel;
  let worst = { from: '', to: '', drop: -1 };
  for (let i = 1; i < f.length; i++) {
    const a = f[i - 1];
    const b = f[i];
    if (!a || !b || a.sessions === 0) continue;
    const drop = 1 - b.sessions / a.sessions;
    if (i > 1 && drop > worst.drop) worst = { from: a.step, to: b.step, drop };
  }
  if (worst.drop >= 0) {
    out.push(
      `The steepest loss after the first product view is from ${worst.from} to ${worst.to} (${pct(worst.drop)} of sessions do not go on): that step is the first place to simplify.`,
    );
  }
  const recs = s.recommendations.table;
  const bestRec = [...recs].filter((r) => r.model !== 'popularity').sort((a, b) => b.hr - a.hr)[0];
  const pop = recs.find((r) => r.model === 'popularity');
  if (bestRec && pop) {
    out.push(
      bestRec.hr > pop.hr
        ? `A personal "recommended for you" list (${bestRec.model}) finds something the shopper looks at in their next visit for ${pct(bestRec.hr)} of returning shoppers against ${pct(pop.hr)} for a best-seller list: show it above the home page's product lists to returning visitors. \`shoplab experiment --arms control,recs\` runs the same shoppers with and without it and measures what it does to conversion and revenue.`
        : `Personal recommendations (${bestRec.model}, HR@10 ${pct(bestRec.hr)}) do not beat the best-seller list (${pct(pop.hr)}) on this data: keep best-sellers until there is more history per shopper (\`shoplab experiment --arms control,recs\` measures what showing them to returning visitors would do).`,
    );
  }
  const cart = f.find((x) => x.step === 'add_to_cart')?.sessions ?? 0;
  const buy = f.find((x) => x.step === 'purchase')?.sessions ?? 0;
  if (cart > 0) {
    out.push(
      `${pct(1 - buy / cart)} of sessions with something in the cart end without a purchase. An extra cost at the cart is the reason abandoners name most often, and small carts here pay for shipping: offer free shipping in the cart (the propensity score can later narrow it to live sessions with a full cart and a low score). \`shoplab experiment --arms control,freeship\` shows free standard shipping in the cart and applies it at checkout for the same shoppers, and measures what it does to conversion and revenue.`,
    );
  }
  const sleeping = (s.segments.rfmCounts['At Risk'] ?? 0) + (s.segments.rfmCounts["Can't Lose Them"] ?? 0) + (s.segments.rfmCounts['About to Sleep'] ?? 0);
  if (sleeping > 0) out.push(`${sleeping} shoppers are At Risk, About to Sleep or Can't Lose Them: a win-back email to them is the cheapest revenue on the table.`);
  return out;
}

function scoreTable(scores: readonly Score[]): string {
  const rows = scores
    .map((s) => {
      const ok = beats(s);
      const target = s.target_value === undefined ? '' : `${s.higherIsBetter ? '≥' : '≤'} ${s.target_value} ${(s.higherIsBetter ? s.value >= s.target_value : s.value <= s.target_value) ? '(met)' : '(not met)'}`;
      return `<tr class="${ok ? 'ok' : 'no'}"><td>${esc(s.task)}</td><td>${esc(s.target)}</td><td>${esc(s.metric)}</td><td>${esc(s.model)}</td><td>${fmt(s.value)}</td><td>${esc(s.baseline)}</td><td>${fmt(s.baselineValue)}</td><td>${ok ? 'yes' : '<strong>no</strong>'}</td><td>${esc(target)}</td><td>${s.n}</td></tr>`;
    })
    .join('\n');
  return `<table><caption>Every metric on held-out data beside its baseline</caption><thead><tr><th scope="col">task</th><th scope="col">target</th><th scope="col">metric</th><th scope="col">model</th><th scope="col">value</th><th scope="col">baseline</th><th scope="col">baseline value</th><th scope="col">beats baseline</th><th scope="col">issue target</th><th scope="col">n</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function confusionTable(name: string, c: { labels: string[]; matrix: number[][] }): string {
  const max = Math.max(1, ...c.matrix.flat());
  const head = c.labels.map((l) => `<th scope="col">${esc(l)}</th>`).join('');
  const body = c.matrix
    .map((row, i) => {
      const cells = row
        .map((v, j) => `<td style="background: rgba(37, 99, 235, ${((0.75 * v) / max).toFixed(2)}); color: ${v / max > 0.55 ? '#fff' : '#111'}"${i === j ? ' class="diag"' : ''}>${v}</td>`)
        .join('');
      return `<tr><th scope="row">${esc(c.labels[i] ?? '')}</th>${cells}</tr>`;
    })
    .join('');
  return `<table class="confusion"><caption>${esc(name)}: true (rows) by predicted (columns), held-out users</caption><thead><tr><th scope="col">true \\ predicted</th>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function rfmTable(s: Summary): string {
  const cells = (r: number): string =>
    [1, 2, 3, 4, 5]
      .map((fm) => {
        const c = s.segments.rfmGrid.find((g) => g.r === r && g.fm === fm);
        return `<td><span class="n">${c?.users ?? 0}</span><br><span class="seg">${esc(c?.segment ?? '')}</span></td>`;
      })
      .join('');
  const rows = [5, 4, 3, 2, 1].map((r) => `<tr><th scope="row">R ${r}</th>${cells(r)}</tr>`).join('');
  return `<table class="rfm"><caption>Users by recency score (rows) and frequency–monetary score (columns), with the segment of each cell</caption><thead><tr><th scope="col">R \\ FM</th>${[1, 2, 3, 4, 5].map((f) => `<th scope="col">FM ${f}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

function chart(id: string, label: string, sentence: string): string {
  return `<figure><div class="chart"><canvas id="${id}" role="img" aria-label="${esc(label)}"></canvas></div><figcaption>${esc(sentence)}</figcaption></figure>`;
}

export function renderReport(s: Summary): string {
  const scores = s.scores;
  const notBeaten = scores.filter((x) => !beats(x));
  const gender = find(scores, 'personas', 'gender', 'balanced_accuracy');
  const interests = find(scores, 'personas', 'interests', 'recall_at_3');
  const auc = find(scores, 'propensity', 'purchase', 'roc_auc', s.propensity.chosen);
  const ari = find(scores, 'segments', 'true_persona_segment', 'adjusted_rand_index');
  const funnelDrop = s.funnel.map((f, i) => {
    const prev = s.funnel[i - 1];
    return { ...f, drop: prev && prev.sessions > 0 ? 1 - f.sessions / prev.sessions : 0 };
  });
  const best = [...s.recommendations.table].sort((a, b) => b.hr - a.hr)[0];
  const data = {
    funnel: funnelDrop,
    scatter: s.segments.scatter,
    histogram: s.propensity.histogram,
    reliability: s.propensity.reliability,
    recs: s.recommendations.table,
  };
  const plainly =
    notBeaten.length === 0
      ? '<p>Every model beats its baseline on held-out data.</p>'
      : `<p class="warn"><strong>Where a model does not beat its baseline:</strong></p><ul class="warn">${notBeaten
          .map((x) => `<li>${esc(`${x.task} ${x.target} ${x.metric}: ${x.model} ${fmt(x.value)} vs ${x.baseline} ${fmt(x.baselineValue)}`)}</li>`)
          .join('')}</ul>`;
  const script = `
const D = JSON.parse(document.getElementById('report-data').textContent);
Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, sans-serif';
const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
new Chart(document.getElementById('funnel'), { type: 'bar', data: { labels: D.funnel.map(f => f.step), datasets: [{ label: 'sessions', data: D.funnel.map(f => f.sessions), backgroundColor: '#2563eb' }] }, options: { plugins: { tooltip: { callbacks: { afterLabel: c => 'drop-off from previous step: ' + (D.funnel[c.dataIndex].drop * 100).toFixed(1) + ' %' } } } } });
const clusters = [...new Set(D.scatter.map(p => p.cluster))];
new Chart(document.getElementById('scatter'), { type: 'scatter', data: { datasets: clusters.map((c, i) => ({ label: c, data: D.scatter.filter(p => p.cluster === c).map(p => ({ x: p.x, y: p.y })), backgroundColor: palette[i % palette.length] })) }, options: { scales: { x: { title: { display: true, text: 'clicks (standardised log)' } }, y: { title: { display: true, text: 'time on site (standardised log)' } } } } });
new Chart(document.getElementById('propensity'), { type: 'bar', data: { labels: D.histogram.map(b => b.from.toFixed(1) + '–' + b.to.toFixed(1)), datasets: [{ label: 'sessions with a purchase', data: D.histogram.map(b => b.buyers), backgroundColor: '#16a34a' }, { label: 'sessions without', data: D.histogram.map(b => b.others), backgroundColor: '#9ca3af' }] }, options: { scales: { x: { stacked: true, title: { display: true, text: 'predicted probability of a purchase' } }, y: { stacked: true, type: 'logarithmic', title: { display: true, text: 'held-out sessions (log scale)' } } } } });
new Chart(document.getElementById('reliability'), { type: 'line', data: { datasets: [{ label: 'perfect calibration', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: '#6b7280', borderDash: [4, 4], pointRadius: 0 }, ...Object.entries(D.reliability).map(([m, bins], i) => ({ label: m, data: bins.map(b => ({ x: b.meanPredicted, y: b.observedRate })), borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length] }))] }, options: { parsing: false, scales: { x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'mean predicted probability' } }, y: { min: 0, max: 1, title: { display: true, text: 'observed purchase rate' } } } } });
new Chart(document.getElementById('recs'), { type: 'bar', data: { labels: D.recs.map(r => r.model), datasets: [{ label: 'HR@10', data: D.recs.map(r => r.hr), backgroundColor: '#2563eb' }, { label: 'NDCG@10', data: D.recs.map(r => r.ndcg), backgroundColor: '#ea580c' }, { label: 'share in true interests', data: D.recs.map(r => r.inInterests), backgroundColor: '#16a34a' }] }, options: { scales: { y: { min: 0, max: 1 } } } });
document.body.dataset.rendered = 'true';
`;
  const m = s.manifest;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ShopLab insights report</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; color: #111; margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 3rem; }
h1 { margin-bottom: 0.2rem; }
section { margin-top: 2rem; }
figure { margin: 1rem 0; }
.chart { position: relative; height: 320px; }
figcaption { color: #333; margin-top: 0.4rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th { background: #f3f4f6; }
tr.no td { background: #fef2f2; }
.warn { color: #991b1b; }
.rfm td { text-align: center; min-width: 7rem; }
.rfm .n { font-weight: 700; }
.rfm .seg { font-size: 12px; color: #374151; }
.confusion .diag { outline: 2px solid #111; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
</style>
</head>
<body>
<main>
<h1>ShopLab insights</h1>
<p>Trained with seed <code>${esc(s.seed)}</code> on ${m.users} users and ${m.sessions} sessions (${m.events} events; runs ${esc(m.runIds.join(', '))}; dataset fingerprint <code>${esc(m.fingerprint.slice(0, 16))}</code>). Every figure below is measured on held-out data against the ground truth of who the shoppers really are.</p>

<section aria-labelledby="h-summary">
<h2 id="h-summary">Headline figures</h2>
<ul>
<li>Gender from behaviour: balanced accuracy ${fmt(gender?.value ?? NaN)} (majority baseline ${fmt(gender?.baselineValue ?? NaN)}; the issue's target is 0.80).</li>
<li>Top-3 interests: recall@3 ${fmt(interests?.value ?? NaN)} (population prior ${fmt(interests?.baselineValue ?? NaN)}; target 0.8).</li>
<li>Purchase propensity (${esc(s.propensity.chosen)}): ROC-AUC ${fmt(auc?.value ?? NaN)} (constant rate ${fmt(auc?.baselineValue ?? NaN)}; target 0.90).</li>
<li>Engagement clusters vs true personas: adjusted Rand index ${fmt(ari?.value ?? NaN)} (random partition ${fmt(ari?.baselineValue ?? NaN)}).</li>
</ul>
${plainly}
</section>

<section aria-labelledby="h-change">
<h2 id="h-change">What the data suggests changing in the store</h2>
<ul>${suggestions(s)
    .map((x) => `<li>${esc(x)}</li>`)
    .join('')}</ul>
</section>

<section aria-labelledby="h-funnel">
<h2 id="h-funnel">Funnel</h2>
${chart('funnel', 'Bar chart: sessions reaching each funnel step', `Sessions reaching each step; the biggest relative drop is ${(() => {
    const w = [...funnelDrop].slice(1).sort((a, b) => b.drop - a.drop)[0];
    return w ? `at ${w.step} (${pct(w.drop)} lost from the step before)` : 'not measurable';
  })()}.`)}
<table><caption>Drop-off per step</caption><thead><tr><th scope="col">step</th><th scope="col">sessions</th><th scope="col">drop-off from previous step</th></tr></thead><tbody>${funnelDrop
    .map((f) => `<tr><th scope="row">${esc(f.step)}</th><td>${f.sessions}</td><td>${pct(f.drop)}</td></tr>`)
    .join('')}</tbody></table>
</section>

<section aria-labelledby="h-rfm">
<h2 id="h-rfm">RFM segments</h2>
<p>Recency, frequency and monetary quintile scores over all users (ties share the lower score, so the many shoppers who never bought sit at FM 1); the cell's name is the standard segment for its R and FM.</p>
${rfmTable(s)}
</section>

<section aria-labelledby="h-seg">
<h2 id="h-seg">Engagement segments</h2>
${chart('scatter', 'Scatter plot: users by clicks and time on site, coloured by k-means cluster', `k-means on five engagement features chose k = ${s.segments.k} by silhouette (${s.segments.silhouetteByK.map((x) => `k=${x.k}: ${fmt(x.silhouette, 2)}`).join(', ')}); clusters are named from their centroids, and they agree with the true personas at ARI ${fmt(ari?.value ?? NaN)}.`)}
<table><caption>Cluster centroids (back on the original scale)</caption><thead><tr><th scope="col">cluster</th><th scope="col">users</th>${Object.keys(s.segments.centroids[0]?.centroid ?? {})
    .map((k) => `<th scope="col">${esc(k.replace(/^log_/, ''))}</th>`)
    .join('')}</tr></thead><tbody>${s.segments.centroids
    .map((c) => `<tr><th scope="row">${esc(c.name)}</th><td>${c.size}</td>${Object.values(c.centroid).map((v) => `<td>${v}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>
<table><caption>Highest churn risk (no visit in the coming week)</caption><thead><tr><th scope="col">user</th><th scope="col">churn risk</th><th scope="col">RFM segment</th></tr></thead><tbody>${s.segments.churnTop
    .map((c) => `<tr><th scope="row">${esc(c.userId)}</th><td>${fmt(c.risk, 2)}</td><td>${esc(c.rfmSegment)}</td></tr>`)
    .join('')}</tbody></table>
</section>

<section aria-labelledby="h-prop">
<h2 id="h-prop">Purchase propensity</h2>
<div class="grid">
${chart('propensity', 'Histogram: predicted purchase probability of held-out sessions, buyers and others', `Held-out sessions by their predicted probability of a purchase (scored on the events before the checkout begins); buyers should sit to the right.`)}
${chart('reliability', 'Line chart: reliability curve of each propensity model', `Reliability: in each probability bin, the observed purchase rate against the mean prediction; a calibrated model follows the dashed diagonal.`)}
</div>
</section>

<section aria-labelledby="h-recs">
<h2 id="h-recs">Recommendation quality</h2>
${chart('recs', 'Bar chart: HR@10, NDCG@10 and share in true interests per recommender', `Each returning shopper's last session held out (${s.recommendations.heldOutUsers} shoppers); ${best ? `${best.model} finds a viewed item in the top 10 for ${pct(best.hr)} of them` : 'no model scored'}.`)}
</section>

<section aria-labelledby="h-conf">
<h2 id="h-conf">Personas: confusion matrices</h2>
<p>Held-out users' true label against the random forest's prediction. Features left out because they give a label away or are not behaviour: ${esc(s.leftOutFeatures.join('; '))}.</p>
<div class="grid">${Object.entries(s.personas.confusion)
    .map(([k, c]) => confusionTable(k, c))
    .join('')}</div>
</section>

<section aria-labelledby="h-scores">
<h2 id="h-scores">Scorecard</h2>
${scoreTable(scores)}
</section>
</main>
<script type="application/json" id="report-data">${scriptSafe(JSON.stringify(data))}</script>
<script>${scriptSafe(chartJsSource())}</script>
<script>${scriptSafe(script)}</script>
</body>
</html>
`;
}
