// The attribute table under the map (as Lizmap's): the features the map shows of one layer,
// sortable, filterable per column, linked both ways with the map (a row opens its popup, a
// popup selects its row), and exported as CSV exactly as shown. Columns from the registry:
// name, the popup's rows and the layer's metrics.
import { t, lbl, fmt, fmtDate, esc, unit } from './i18n.js';
import { shownChoice } from './style.js';

const $ = id => document.getElementById(id);
const fold = s => String(s ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
  .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

function columns(cfg, layer) {
  const nameField = (layer.roles || {}).name;
  const cols = nameField ? [{ name: nameField, label: t('name'), text: p => p[nameField] ?? '' }] : [];
  for (const f of layer.fields.filter(x => x.popup === 'row')) {
    cols.push({ name: f.name, label: lbl(f) + (f.unit ? ` (${unit(f)})` : ''), numeric: f.type === 'number' || f.type === 'integer',
      text: p => cellText(f, p[f.name]), value: p => p[f.name] });
  }
  for (const m of layer.metrics) {
    const md = cfg.metrics[m];
    cols.push({ name: m, label: `${lbl(md)} (${unit(md)})`, numeric: true,
      text: p => (p[m] === null || p[m] === undefined ? '' : fmt(p[m])), value: p => p[m] });
  }
  return cols;
}

function cellText(f, v) {
  if (v === null || v === undefined || v === '') return '';
  if (f.choices.length) return lbl(shownChoice(f, v)) || String(v);
  if (f.type === 'number' || f.type === 'integer') return fmt(v);
  if (f.type === 'date') return fmtDate(v);
  return Array.isArray(v) ? v.join(', ') : String(v);
}

export function setupTable(app) {
  const st = { layer: null, sort: null, desc: false, filters: {}, rows: [], selected: null };
  app.table = st;
  const box = $('attr');
  const choose = $('attr-layer');

  function tableLayers() {
    return app.cfg.layers.filter(l => l.feature_fields && !l.tiled && app.map.hasLayer(app.groups[l.id]));
  }

  function fillLayers() {
    const keep = choose.value;
    choose.innerHTML = tableLayers().map(l => `<option value="${l.id}">${esc(lbl(l, 'title'))}</option>`).join('');
    if ([...choose.options].some(o => o.value === keep)) choose.value = keep;
  }

  function render() {
    if (box.hidden) return;
    fillLayers();
    const layer = app.cfg.layers.find(l => l.id === choose.value);
    st.layer = layer || null;
    if (!layer) { $('attr-table').innerHTML = ''; st.sig = null; $('attr-count').textContent = t('none_here'); return; }
    const cols = columns(app.cfg, layer);
    st.cols = cols;
    let rows = (app.shown?.[layer.id] || []).slice();
    for (const [name, q] of Object.entries(st.filters)) {
      const c = cols.find(x => x.name === name);
      if (c && q) rows = rows.filter(f => fold(c.text(f.properties)).includes(fold(q)));
    }
    if (st.sort) {
      const c = cols.find(x => x.name === st.sort);
      const key = f => (c.numeric ? c.value(f.properties) : fold(c.text(f.properties)));
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === y) return 0;
        if (x === null || x === undefined || x === '') return 1;
        if (y === null || y === undefined || y === '') return -1;
        return (x < y ? -1 : 1) * (st.desc ? -1 : 1);
      });
    }
    st.rows = rows;
    const table = $('attr-table');
    const sig = `${layer.id}|${st.sort}|${st.desc}|${document.documentElement.lang}`;
    if (sig !== st.sig || !table.tHead) {  // the header (and its filter inputs) only when it changes
      st.sig = sig;
      const head = cols.map(c => `<th data-col="${c.name}" class="${st.sort === c.name ? (st.desc ? 'desc' : 'asc') : ''}">` +
      `<button type="button" class="sort">${esc(c.label)}</button></th>`).join('');
      const filters = cols.map(c => `<th><input data-col="${c.name}" type="search" value="${esc(st.filters[c.name] || '')}"` +
        ` aria-label="${esc(t('filter_column'))}: ${esc(c.label)}"></th>`).join('');
      table.innerHTML = `<thead><tr>${head}</tr><tr class="filters">${filters}</tr></thead><tbody></tbody>`;
    }
    const body = rows.map(f => `<tr data-id="${esc(f.id)}"${st.selected === `${layer.id}/${f.id}` ? ' class="selected"' : ''}>` +
      cols.map(c => `<td${c.numeric ? ' class="num"' : ''}>${esc(c.text(f.properties))}</td>`).join('') + '</tr>').join('');
    table.tBodies[0].innerHTML = body;
    $('attr-count').textContent = t('rows', rows.length, (app.shown?.[layer.id] || []).length);
  }
  app.renderTable = render;

  $('attr-table').addEventListener('click', e => {
    const sort = e.target.closest('button.sort');
    if (sort) {
      const name = sort.parentElement.dataset.col;
      st.desc = st.sort === name ? !st.desc : false;
      st.sort = name;
      render();
      return;
    }
    const tr = e.target.closest('tbody tr');
    if (tr && st.layer) {
      st.selected = `${st.layer.id}/${tr.dataset.id}`;
      app.focusFeature(st.selected);
      select(st.selected);
    }
  });
  $('attr-table').addEventListener('input', e => {
    const input = e.target.closest('input[data-col]');
    if (!input) return;
    st.filters[input.dataset.col] = input.value;
    render();
  });
  choose.addEventListener('change', () => { st.filters = {}; st.sort = null; render(); });
  $('attr-toggle').addEventListener('click', () => {
    box.hidden = !box.hidden;
    $('attr-toggle').setAttribute('aria-expanded', String(!box.hidden));
    document.body.classList.toggle('table-open', !box.hidden);
    app.map.invalidateSize();
    render();
  });
  $('attr-export').addEventListener('click', () => exportCsv(st));

  // the map's selection selects the row (and brings it into view)
  function select(key) {
    st.selected = key;
    $('attr-table').querySelectorAll('tr.selected').forEach(r => r.classList.remove('selected'));
    if (!st.layer || !key.startsWith(`${st.layer.id}/`)) return;
    const id = key.slice(st.layer.id.length + 1);
    const tr = [...$('attr-table').querySelectorAll('tbody tr')].find(r => r.dataset.id === id);
    if (tr) { tr.classList.add('selected'); tr.scrollIntoView({ block: 'nearest' }); }
  }
  app.map.on('popupopen', e => {
    const el = e.popup.getElement()?.querySelector('.popup[data-layer][data-id]');
    if (!el) return;
    const key = `${el.dataset.layer}/${el.dataset.id}`;
    if (!box.hidden && st.layer?.id !== el.dataset.layer &&
        [...choose.options].some(o => o.value === el.dataset.layer)) {
      choose.value = el.dataset.layer; st.filters = {}; st.sort = null; render();
    }
    select(key);
  });
}

// What the table shows, as CSV (labels as headers, values as shown; UTF-8 with BOM for Excel).
function exportCsv(st) {
  if (!st.layer) return;
  const q = v => `"${String(v).replace(/"/g, '""')}"`;
  const lines = [st.cols.map(c => q(c.label)).join(',')]
    .concat(st.rows.map(f => st.cols.map(c => q(c.text(f.properties))).join(',')));
  const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${st.layer.id}.csv`;
  st.lastExport = lines.join('\n');
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
