/**
 * The dashboard page: cards and charts fed by the server's event stream (one snapshot per message), the visitor
 * table and the lists fetched from the dashboard's JSON routes. Charts are Apache ECharts (canvas, with its aria
 * option describing each chart); the US map comes from the us-atlas package's TopoJSON, bundled, so nothing is
 * fetched from the internet.
 */
import * as echarts from 'echarts/core';
import { BarChart, FunnelChart, LineChart, MapChart, PieChart, SunburstChart } from 'echarts/charts';
import { AriaComponent, GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import statesTopo from 'us-atlas/states-10m.json';
import type { Snapshot, StreamMessage, VisitorRow } from '../live-state';
import { US_STATES } from './us-states';

echarts.use([BarChart, FunnelChart, LineChart, MapChart, PieChart, SunburstChart, AriaComponent, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

const topo = statesTopo as unknown as Topology<{ states: GeometryCollection<{ name: string }> }>;
echarts.registerMap('US', feature(topo, topo.objects.states) as unknown as Parameters<typeof echarts.registerMap>[1]);

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard page: #${id} is missing`);
  return el as T;
};

const API = '/dashboard/api';

// ----- cards -----

const CARDS: { key: keyof Snapshot['cards']; name: string; format: (v: number) => string }[] = [
  { key: 'activeUsers', name: 'Active users (last 30 minutes)', format: (v) => v.toLocaleString('en-US') },
  { key: 'sessions', name: 'Sessions', format: (v) => v.toLocaleString('en-US') },
  { key: 'conversionRate', name: 'Conversion rate', format: (v) => `${(100 * v).toFixed(1)} %` },
  { key: 'revenue', name: 'Revenue', format: (v) => v.toLocaleString('en-US', { style: 'currency', currency: 'USD' }) },
  { key: 'avgSessionDurationS', name: 'Average session duration', format: duration },
  { key: 'dropOffRate', name: 'Drop-off rate', format: (v) => `${(100 * v).toFixed(1)} %` },
  { key: 'clickToPurchaseLagS', name: 'Click-to-purchase lag (median)', format: duration },
  { key: 'engagementScore', name: 'Engagement score', format: (v) => `${v.toFixed(1)} / 100` },
];

function duration(s: number): string {
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return m > 0 ? `${m} min ${rest} s` : `${rest} s`;
}

const cardValues = new Map<string, HTMLElement>();
for (const card of CARDS) {
  const region = document.createElement('section');
  region.className = 'card';
  region.setAttribute('role', 'region');
  region.setAttribute('aria-label', card.name);
  region.dataset.metric = card.key;
  const h = document.createElement('h3');
  h.textContent = card.name;
  const value = document.createElement('p');
  value.className = 'value';
  value.textContent = '–';
  region.append(h, value);
  $('cards').append(region);
  cardValues.set(card.key, value);
}

// ----- charts -----

interface ChartSlot {
  chart: echarts.ECharts;
}

function chartSlot(id: string, title: string, sentence: string): ChartSlot {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  const strong = document.createElement('strong');
  strong.textContent = title;
  caption.append(strong, sentence);
  const canvas = document.createElement('div');
  canvas.className = 'canvas';
  canvas.id = `chart-${id}`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', title);
  figure.append(caption, canvas);
  $('charts').append(figure);
  const chart = echarts.init(canvas, undefined, { renderer: 'canvas' });
  return { chart };
}

const charts = {
  active: chartSlot('active', 'Active users per minute', 'Distinct users with an event in each of the last 30 minutes of event time; a dip means traffic is falling off.'),
  funnel: chartSlot('funnel', 'Funnel', 'Sessions at each step and the share lost at each; the widest drop is the step to fix first.'),
  pages: chartSlot('pages', 'Top pages and items', 'Most viewed pages (top) and items (bottom): what shoppers look at now.'),
  devices: chartSlot('devices', 'Devices and cart status', 'Sessions by device (inner ring) and live visitors by state (outer ring).'),
  map: chartSlot('map', 'Conversion by region', 'US states coloured from red (low) to green (high) conversion rate; grey has no sessions.'),
  sections: chartSlot('sections', 'Site sections with live visitors', 'Each live visitor is a leaf on the page they are on: size is time on site, colour their purchase propensity (red low, green high).'),
};

const resizer = new ResizeObserver(() => {
  for (const slot of Object.values(charts)) slot.chart.resize();
});
resizer.observe(document.body);

const aria = { aria: { enabled: true } };

function propensityColour(p: number): string {
  // red (0) → amber → green (1)
  const hue = Math.round(120 * Math.max(0, Math.min(1, p)));
  return `hsl(${hue}, 70%, 42%)`;
}

/** The cards and the status line: cheap, so every message updates them at once. */
function renderCards(snapshot: Snapshot): void {
  for (const card of CARDS) {
    const v = snapshot.cards[card.key];
    const el = cardValues.get(card.key);
    if (el) el.textContent = v === null ? '–' : card.format(v);
  }
  const when = snapshot.now > 0 ? new Date(snapshot.now / 1000).toISOString().replace('T', ' ').slice(0, 19) : 'no events yet';
  $('status').textContent = `Event time ${when} UTC`;
  $('propensity-source').textContent = `Purchase propensity: ${snapshot.propensity.description}`;
}

/** The charts of the latest snapshot. */
function renderCharts(snapshot: Snapshot): void {
  charts.active.chart.setOption({
    ...aria,
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 10, top: 10, bottom: 30 },
    xAxis: { type: 'category', data: snapshot.activeByMinute.map((m) => new Date(m.minute * 60_000).toISOString().slice(11, 16)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', name: 'Active users', data: snapshot.activeByMinute.map((m) => m.users), itemStyle: { color: '#1f5fbf' } }],
  });
  charts.funnel.chart.setOption({
    ...aria,
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'funnel',
        sort: 'none',
        minSize: '8%',
        label: { formatter: '{b}: {c}' },
        data: snapshot.funnel.map((f) => ({ name: f.dropOff === null ? f.step : `${f.step} (−${(100 * f.dropOff).toFixed(0)} %)`, value: f.sessions })),
      },
    ],
  });
  const pages = [...snapshot.topPages].reverse();
  const items = [...snapshot.topItems].reverse();
  charts.pages.chart.setOption({
    ...aria,
    tooltip: { trigger: 'axis' },
    grid: [
      { left: 150, right: 10, top: 5, height: '42%' },
      { left: 150, right: 10, bottom: 20, height: '42%' },
    ],
    xAxis: [
      { type: 'value', gridIndex: 0 },
      { type: 'value', gridIndex: 1 },
    ],
    yAxis: [
      { type: 'category', gridIndex: 0, data: pages.map((p) => p.path), axisLabel: { width: 140, overflow: 'truncate' } },
      { type: 'category', gridIndex: 1, data: items.map((i) => i.name), axisLabel: { width: 140, overflow: 'truncate' } },
    ],
    series: [
      { type: 'bar', name: 'Page views', xAxisIndex: 0, yAxisIndex: 0, data: pages.map((p) => p.views), itemStyle: { color: '#1f5fbf' } },
      { type: 'bar', name: 'Item views', xAxisIndex: 1, yAxisIndex: 1, data: items.map((i) => i.views), itemStyle: { color: '#6a4c93' } },
    ],
  });
  charts.devices.chart.setOption({
    ...aria,
    tooltip: { trigger: 'item' },
    series: [
      { type: 'pie', name: 'Device', radius: ['0%', '40%'], label: { position: 'inner', fontSize: 11 }, data: snapshot.devices.map((d) => ({ name: d.device, value: d.sessions })) },
      { type: 'pie', name: 'Visitor state', radius: ['55%', '75%'], data: snapshot.visitorStates.map((s) => ({ name: s.state, value: s.visitors })) },
    ],
  });
  const regionData = snapshot.regions.flatMap((r) => {
    const name = US_STATES[r.region.replace(/^US-/, '')];
    return name ? [{ name, value: Math.round(1000 * r.conversionRate) / 10, sessions: r.sessions }] : [];
  });
  charts.map.chart.setOption({
    ...aria,
    tooltip: { trigger: 'item', formatter: (p: { name: string; value?: number }) => `${p.name}: ${Number.isFinite(p.value) ? `${p.value} % conversion` : 'no sessions'}` },
    visualMap: { min: 0, max: Math.max(1, ...regionData.map((r) => r.value)), left: 5, bottom: 5, text: ['high', 'low'], calculable: false, inRange: { color: ['#c0392b', '#f1c40f', '#27ae60'] } },
    series: [{ type: 'map', map: 'US', roam: false, name: 'Conversion rate (%)', itemStyle: { areaColor: '#e1e4ea', borderColor: '#fff' }, data: regionData, layoutCenter: ['50%', '50%'], layoutSize: '100%', boundingCoords: [[-125, 50], [-66, 24]] }],
  });
  type Leaf = { name: string; value: number; itemStyle: { color: string } };
  const bySection = new Map<string, Map<string, Leaf[]>>();
  for (const v of snapshot.sections) {
    let pagesOf = bySection.get(v.section);
    if (!pagesOf) bySection.set(v.section, (pagesOf = new Map<string, Leaf[]>()));
    let leaves = pagesOf.get(v.page);
    if (!leaves) pagesOf.set(v.page, (leaves = []));
    leaves.push({ name: v.visitor, value: Math.max(1, v.timeOnSiteS), itemStyle: { color: propensityColour(v.propensity) } });
  }
  charts.sections.chart.setOption({
    ...aria,
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'sunburst',
        radius: ['12%', '95%'],
        label: { show: false },
        levels: [{}, { label: { show: true, rotate: 'tangential', fontSize: 10 } }, {}, { itemStyle: { borderRadius: 8, borderWidth: 2 } }],
        data: [...bySection].map(([section, pagesOf]) => ({ name: section, children: [...pagesOf].map(([page, leaves]) => ({ name: page, children: leaves })) })),
      },
    ],
  }, { replaceMerge: ['series'] });
}

// ----- event stream -----

let latest: Snapshot | null = null;
let drawing = false;
/** The visitor bubbles of the last message that had them (the stream sends them at most once a second). */
let bubbles: Snapshot['sections'] = [];

function connect(): void {
  const source = new EventSource(`${API}/stream`);
  source.onmessage = (event: MessageEvent<string>) => {
    const message = JSON.parse(event.data) as StreamMessage;
    if (message.sections) bubbles = message.sections;
    const snapshot: Snapshot = { ...message, sections: bubbles };
    renderCards(snapshot);
    // Drawing the charts takes longer than a message on a busy machine: only the latest snapshot is drawn, once per
    // frame, so that messages never queue behind drawings and the cards stay within a message of the server.
    latest = snapshot;
    if (!drawing) {
      drawing = true;
      requestAnimationFrame(() => {
        drawing = false;
        if (!latest) return;
        renderCharts(latest);
        fillItems(latest.featurable);
        scheduleLists();
      });
    }
  };
  source.onerror = () => {
    $('status').textContent = 'Reconnecting…';
  };
}

// ----- visitors -----

const filters = $<HTMLFormElement>('visitor-filters');
let selected: string | null = null;

/** A text field of a form (file fields never occur here). */
function field(form: FormData, name: string, fallback: string): string {
  const v = form.get(name);
  return typeof v === 'string' ? v : fallback;
}

function visitorQuery(): string {
  const form = new FormData(filters);
  const params = new URLSearchParams();
  const device = field(form, 'device', '');
  if (device) params.set('device', device);
  for (const s of form.getAll('state')) if (typeof s === 'string') params.append('state', s);
  if (form.getAll('state').length === 0) params.append('state', 'none-selected');
  params.set('min', field(form, 'min', '0'));
  params.set('max', field(form, 'max', '1'));
  params.set('sort', field(form, 'sort', 'lastSeen'));
  params.set('dir', field(form, 'dir', 'desc'));
  return params.toString();
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (res.status === 401) {
    window.location.assign('/sign-in/');
    throw new Error('signed out');
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

function cell(text: string, numeric = false): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'num';
  return td;
}

function visitorButton(row: { key: string; clientId: string }): HTMLTableCellElement {
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link';
  button.textContent = row.clientId;
  button.addEventListener('click', () => void showVisitor(row.key));
  td.append(button);
  return td;
}

async function loadVisitors(): Promise<void> {
  const params = visitorQuery();
  const rows = params.includes('none-selected') ? [] : (await getJson<{ visitors: VisitorRow[] }>(`${API}/visitors?${params}`)).visitors;
  const body = $('visitors').querySelector('tbody');
  if (!body) return;
  body.replaceChildren(
    ...rows.map((v) => {
      const tr = document.createElement('tr');
      tr.append(visitorButton(v), cell(v.device), cell(v.state), cell(v.propensity.toFixed(2), true), cell(v.engagement.toFixed(0), true), cell(duration(v.timeOnSiteS), true), cell(v.currentPage ?? ''));
      return tr;
    }),
  );
}

async function showVisitor(key: string): Promise<void> {
  selected = key;
  const v = await getJson<VisitorRow & { pages: { path: string; title: string | null; at: number }[] }>(`${API}/visitor?key=${encodeURIComponent(key)}`);
  $('detail-title').textContent = `Visitor ${v.clientId} · ${v.state} · propensity ${v.propensity.toFixed(2)}`;
  $('detail-empty').hidden = true;
  $('detail-pages').replaceChildren(
    ...v.pages.map((p) => {
      const li = document.createElement('li');
      li.textContent = `${new Date(p.at / 1000).toISOString().slice(11, 19)} ${p.path}${p.title ? ` — ${p.title}` : ''}`;
      return li;
    }),
  );
  $<HTMLInputElement>('similar').disabled = false;
  await loadSimilar();
}

async function loadSimilar(): Promise<void> {
  if (selected === null) return;
  const min = $<HTMLInputElement>('similar').value;
  $('similar-out').textContent = Number(min).toFixed(2);
  const { visitors } = await getJson<{ visitors: (VisitorRow & { similarity: number })[] }>(`${API}/similar?key=${encodeURIComponent(selected)}&min=${min}`);
  $('similar-count').textContent = `Segment: ${visitors.length} visitor${visitors.length === 1 ? '' : 's'}`;
  lastSimilar = visitors.map((v) => v.clientId);
  $<HTMLButtonElement>('save-similar').disabled = visitors.length === 0;
  $('similar-list').replaceChildren(
    ...visitors.slice(0, 30).map((v) => {
      const li = document.createElement('li');
      li.textContent = `${v.clientId} (${v.similarity.toFixed(2)}, ${v.state})`;
      return li;
    }),
  );
}

// ----- targeting -----

let lastSimilar: string[] = [];

async function sendJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(answer.error ?? `HTTP ${res.status}`);
  return answer;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} pp`;

interface OfferRow {
  id: string;
  segmentId: string;
  kind: string;
  headline: string;
  predicted: { lift: number; basis: string };
  pushedAt: number | null;
  measured: { lift: number; interval: [number, number]; offer: { clients: number }; holdout: { clients: number } } | null;
  events: { views: number; selects: number };
}

function status(text: string): void {
  $('targeting-status').textContent = text;
}

async function loadTargeting(): Promise<void> {
  const [{ segments }, { offers }] = await Promise.all([
    getJson<{ segments: { id: string; name: string; clientIds: string[] }[] }>(`${API}/segments`),
    getJson<{ offers: OfferRow[] }>(`${API}/offers`),
  ]);
  const select = $('offer-form').querySelector<HTMLSelectElement>('select[name="segmentId"]');
  if (select && select.options.length !== segments.length) {
    select.replaceChildren(...segments.map((s) => new Option(`${s.name} (${s.clientIds.length})`, s.id)));
  }
  $('offers').querySelector('tbody')?.replaceChildren(
    ...offers.map((o) => {
      const tr = document.createElement('tr');
      const action = document.createElement('td');
      if (o.pushedAt === null) {
        const push = document.createElement('button');
        push.type = 'button';
        push.textContent = `Push ${o.id}`;
        push.addEventListener('click', () => {
          void sendJson(`${API}/offers/push`, { id: o.id })
            .then(() => status(`${o.id} pushed`))
            .then(loadTargeting)
            .catch((e: unknown) => status(String(e)));
        });
        action.append(push);
      } else action.textContent = 'pushed';
      const m = o.measured;
      tr.append(
        cell(`${o.id}: ${o.kind} — ${o.headline}`),
        cell(o.segmentId),
        cell(`${pct(o.predicted.lift)} (${o.predicted.basis})`),
        cell(m ? `${pct(m.lift)} [${pct(m.interval[0])}, ${pct(m.interval[1])}], n = ${m.offer.clients} / ${m.holdout.clients}` : 'not pushed'),
        cell(`${o.events.views} / ${o.events.selects}`, true),
        action,
      );
      return tr;
    }),
  );
}

function fillItems(items: Snapshot['featurable']): void {
  const select = $('offer-form').querySelector<HTMLSelectElement>('select[name="itemId"]');
  if (!select || select.options.length === items.length) return;
  const chosen = select.value;
  select.replaceChildren(...items.map((i) => new Option(i.name, i.itemId)));
  if (chosen) select.value = chosen;
}

$('segment-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = field(new FormData(event.target as HTMLFormElement), 'name', '');
  void sendJson<{ segment: { clientIds: string[] } }>(`${API}/segments`, { name, rule: visitorQuery() })
    .then((r) => status(`Segment saved: ${r.segment.clientIds.length} visitors`))
    .then(loadTargeting)
    .catch((e: unknown) => status(String(e)));
});

$('save-similar').addEventListener('click', () => {
  void sendJson<{ segment: { clientIds: string[] } }>(`${API}/segments`, { name: `Similar to ${selected ?? ''}`, clientIds: lastSimilar })
    .then((r) => status(`Segment saved: ${r.segment.clientIds.length} visitors`))
    .then(loadTargeting)
    .catch((e: unknown) => status(String(e)));
});

$('offer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const kind = field(form, 'kind', 'discount');
  void sendJson<{ offer: OfferRow }>(`${API}/offers`, {
    segmentId: field(form, 'segmentId', ''),
    kind,
    code: kind === 'banner' ? null : field(form, 'code', ''),
    headline: field(form, 'headline', ''),
    itemId: field(form, 'itemId', ''),
    holdoutShare: Number(field(form, 'holdoutShare', '0.2')),
    seed: Number(field(form, 'seed', '1')),
  })
    .then((r) => status(`${r.offer.id} attached; predicted lift ${pct(r.offer.predicted.lift)}. Push it from the table.`))
    .then(loadTargeting)
    .catch((e: unknown) => status(String(e)));
});

// ----- lists -----

async function loadLists(): Promise<void> {
  const [{ sessions }, { segments }] = await Promise.all([
    getJson<{ sessions: { key: string; clientId: string; device: string; state: string; engagement: number; propensity: number; churnRisk: number; score: number }[] }>(`${API}/retarget`),
    getJson<{ segments: { segment: string; clients: number; revenue: number }[] }>(`${API}/rfm`),
  ]);
  $('retarget').querySelector('tbody')?.replaceChildren(
    ...sessions.slice(0, 20).map((s) => {
      const tr = document.createElement('tr');
      tr.append(visitorButton(s), cell(s.device), cell(s.state), cell(s.engagement.toFixed(0), true), cell(s.propensity.toFixed(2), true), cell(s.churnRisk.toFixed(2), true), cell(s.score.toFixed(3), true));
      return tr;
    }),
  );
  $('rfm').querySelector('tbody')?.replaceChildren(
    ...segments.map((s) => {
      const tr = document.createElement('tr');
      tr.append(cell(s.segment), cell(s.clients.toLocaleString('en-US'), true), cell(s.revenue.toLocaleString('en-US', { style: 'currency', currency: 'USD' }), true));
      return tr;
    }),
  );
}

// Lists refresh at most every two seconds however fast the stream runs.
let listTimer: number | null = null;
function scheduleLists(): void {
  if (listTimer !== null) return;
  listTimer = window.setTimeout(() => {
    listTimer = null;
    void Promise.all([loadVisitors(), loadLists(), loadTargeting()]).catch((e: unknown) => console.error(e));
  }, 2000);
}

filters.addEventListener('input', () => {
  const form = new FormData(filters);
  $('min-out').textContent = Number(form.get('min')).toFixed(2);
  $('max-out').textContent = Number(form.get('max')).toFixed(2);
  void loadVisitors();
});
$('similar').addEventListener('input', () => void loadSimilar());

void Promise.all([loadVisitors(), loadLists(), loadTargeting()]).catch((e: unknown) => console.error(e));
connect();
