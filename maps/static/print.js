// The Print dialog: the printed map (PDF/PNG) or the interactive HTML map of what is on
// screen (visible layers, filters, date, city or district), with the page's options as
// the CLI has them: layout (every declared layout, cfg.print.layouts), dpi, language, the
// metric progress classes are read from (only metrics of the visible layers, from the
// registry), title, agency header, map number, author and an optional logo. Without a
// logo the map opens by GET (a URL that can be shared); with one, the same URL is POSTed
// with the logo as a multipart file (the server checks its bytes and keeps nothing).
import { t, lbl, fmtDate } from './i18n.js';
import { readFilters, filterId } from './filters.js';

const $ = id => document.getElementById(id);

function option(value, text) {
  const o = document.createElement('option');
  o.value = value; o.textContent = text; return o;
}

function refill(select, options) {
  const keep = select.value;
  select.length = 0;
  for (const [value, text] of options) select.append(option(value, text));
  if ([...select.options].some(o => o.value === keep)) select.value = keep;
}

export function setupPrint(app, district) {
  const cfg = app.cfg, map = app.map, pc = cfg.print;
  const visible = () => cfg.layers.filter(l => map.hasLayer(app.groups[l.id]));
  const layouts = Object.fromEntries(pc.layouts.map(l => [l.name, l]));
  let logoOk = true;

  function fill() {
    const first = !$('p-layout').length;
    refill($('p-layout'), pc.layouts.map(l => [l.name, lbl(l)]));
    if (first && layouts[pc.default_layout]) $('p-layout').value = pc.default_layout;  // as the CLI
    const metrics = [];
    for (const l of visible()) for (const m of l.class_metrics) if (!metrics.includes(m)) metrics.push(m);
    refill($('p-metric'), [['', t('metric_shading')], ...metrics.map(m => [m, lbl(cfg.metrics[m])])]);
    [...$('p-metric').options].forEach(o => { if (o.value) o.title = lbl(cfg.metrics[o.value], 'note'); });
    if (!$('p-agency').value) $('p-agency').value = pc.agency;
  }

  // The page's URL: size and orientation always (from the layout), the layout's name only
  // where it is not the one of its size and orientation; texts only where given.
  function printUrl(choice = {}) {
    const c = { layout: pc.default_layout, dpi: '150', format: 'pdf', extent: 'city', title: '', ...choice };
    const la = layouts[c.layout] || { size: c.size || 'A4', orientation: c.orientation || 'landscape', name: '' };
    const size = c.size || la.size, orientation = c.orientation || la.orientation;
    const p = new URLSearchParams({ size, orientation, dpi: String(c.dpi) });
    if (la.name && la.name !== `${size}-${orientation}`.toLowerCase()) p.set('layout', la.name);
    if (c.extent === 'district' && district()) p.set('district', district());
    if (app.asOf()) p.set('as_of', app.asOf());
    p.set('layers', visible().map(l => l.id).join(','));
    const f = readFilters(cfg);
    for (const [name, value] of Object.entries(f.choices)) p.set(name, value);
    if (f.pmin > 0) p.set('pmin', String(f.pmin));
    if (f.pmax < 100) p.set('pmax', String(f.pmax));
    if (!f.unknown) p.set('unknown', '0');
    if (c.metric) p.set('metric', c.metric);
    for (const key of ['title', 'author', 'map_number']) if ((c[key] || '').trim()) p.set(key, c[key].trim());
    if ((c.agency || '').trim() && c.agency.trim() !== pc.agency) p.set('agency', c.agency.trim());
    if (c.lang && c.lang !== 'vi') p.set('lang', c.lang);  // the page's language (Vietnamese first)
    return `${cfg.exports[c.format]}?${p}`;
  }
  app.printUrl = printUrl;

  function printChoice() {
    const v = id => $(id).value;
    return { layout: v('p-layout'), dpi: v('p-dpi'), format: v('p-format'), extent: v('p-extent'),
      title: v('p-title'), lang: v('p-lang'), metric: v('p-metric'), author: v('p-author'),
      map_number: v('p-number'), agency: v('p-agency') };
  }

  // The logo is checked here for the person's sake (type, size); the server checks its bytes.
  function checkLogo() {
    const file = $('p-logo').files[0], help = $('p-logo-help');
    const html = $('p-format').value === 'html';
    $('p-logo').disabled = html;
    const kb = Math.round(pc.logo_max_bytes / 1024);
    logoOk = true;
    help.classList.remove('error');
    if (html) { help.textContent = t('p_logo_html'); return; }
    if (!file) { help.textContent = t('p_logo_help', kb); return; }
    const problem = !pc.logo_types.includes(file.type) ? t('p_logo_type')
      : file.size > pc.logo_max_bytes ? t('p_logo_big', kb) : null;
    logoOk = !problem;
    help.textContent = problem || `${file.name} (${Math.ceil(file.size / 1024)} KB)`;
    help.classList.toggle('error', !logoOk);
  }

  function describe() {
    const d = district();
    const name = d ? (cfg.districts.find(x => x.code === d)?.full_name || d) : null;
    const opt = $('p-extent-district');
    opt.disabled = !d;
    opt.textContent = d ? t('p_district', name) : t('p_no_district');
    $('p-extent').value = d ? 'district' : 'city';
    const f = readFilters(cfg);
    const filters = Object.keys(f.choices).map(n => $(filterId(n)).selectedOptions[0].textContent);
    if (f.pmin > 0 || f.pmax < 100) filters.push(`${f.pmin}–${f.pmax} %`);
    const layers = visible().map(l => lbl(l, 'title'));
    $('p-summary').textContent = `${t('p_layers')}: ${layers.join(', ') || t('p_none')}. ` +
      `${t('p_filters')}: ${filters.join('; ') || t('p_none')}. ${t('p_date')}: ${app.asOf() ? fmtDate(app.asOf()) : t('latest')}.`;
  }

  function open() {
    fill();
    // the web map's progress metric, where printed maps can class by it
    const m = $('f-metric').value;
    if (m && [...$('p-metric').options].some(o => o.value === m)) $('p-metric').value = m;
    describe();
    checkLogo();
    $('print-dialog').showModal();
  }

  $('print-form').addEventListener('submit', e => {
    e.preventDefault();
    checkLogo();
    if (!logoOk) { $('p-logo').focus(); return; }
    const choice = printChoice();
    const url = app.lastPrintUrl = printUrl(choice);
    const form = $('print-form');
    if ($('p-logo').files.length && choice.format !== 'html') {
      // the one field with a name is the logo: the body carries it, the URL the rest
      form.method = 'post'; form.action = url; form.target = '_blank';
      form.submit();
      form.method = 'dialog'; form.removeAttribute('action'); form.removeAttribute('target');
    } else {
      window.open(url, '_blank');
    }
    $('print-dialog').close();
  });
  $('p-cancel').addEventListener('click', () => $('print-dialog').close());
  $('p-logo').addEventListener('change', checkLogo);
  $('p-format').addEventListener('change', checkLogo);
  $('print').addEventListener('click', open);
  map.on('overlayadd overlayremove', fill);
  $('lang').addEventListener('click', () => { fill(); checkLogo(); });  // after map.js's switch
  return { fill };
}
