// "Bạn có thể sửa" (#10 §2): in the panel of the web map and the district view, what the
// signed-in user may change (/session/editable): a planner every feature (and the pages
// of deleted features), a district officer the features lying wholly in their district,
// each a link that opens it on the map and marked on the map, and the features of their
// district they may not change with the reason (several districts: planners only).
import { state, lbl, esc } from './i18n.js';

const T = {
  vi: { title: 'Bạn có thể sửa', all: 'Mọi đối tượng của lớp', none: 'Không có đối tượng nào.',
    refused: 'Không sửa được', more: 'Danh sách chỉ hiện 500 đối tượng đầu.', deleted: 'Đối tượng đã xóa',
    features: 'đối tượng' },
  en: { title: 'You may edit', all: 'Every feature of', none: 'No features.',
    refused: 'You may not edit', more: 'Only the first 500 features are listed.', deleted: 'Deleted features',
    features: 'features' },
};
const tt = k => T[state.lang === 'en' ? 'en' : 'vi'][k];
const item = (layer, f, extra = '') =>
  `<li><a class="may-edit-link" data-key="${esc(layer)}/${esc(f.id)}" href="/collections/${esc(layer)}/items/${encodeURIComponent(f.id)}?f=html">${esc(f.name || f.id)}</a>${extra}</li>`;

function render(box, o) {
  const parts = [];
  for (const la of o.layers) {
    const title = esc(lbl(la, 'title'));
    if (o.everything) {
      parts.push(`<li data-layer="${esc(la.layer)}">${tt('all')} <b>${title}</b> (${la.count} ${tt('features')})${la.deleted
        ? ` · <a class="deleted-link" href="${esc(la.deleted)}?f=html${state.lang === 'en' ? '&lang=en' : ''}">${tt('deleted')}</a>` : ''}</li>`);
      continue;
    }
    if (!la.mine?.length && !la.refused?.length) continue;
    parts.push(`<li data-layer="${esc(la.layer)}"><b>${title}</b> (${la.mine.length})
      <ul class="mine">${la.mine.map(f => item(la.layer, f)).join('') || `<li>${tt('none')}</li>`}</ul>
      ${la.refused.length ? `<p class="refused-title">${tt('refused')}:</p><ul class="refused">${la.refused.map(f =>
        item(la.layer, f, ` <small class="edit-refused">${esc(state.lang === 'en' ? f.reason : f.reason_vi)}</small>`)).join('')}</ul>` : ''}
      ${la.more ? `<small>${tt('more')}</small>` : ''}</li>`);
  }
  box.innerHTML = `<details open><summary>${tt('title')}</summary><ul class="may-edit-layers">${parts.join('') || `<li>${tt('none')}</li>`}</ul></details>`;
  box.querySelectorAll('a.may-edit-link').forEach(a => a.addEventListener('click', ev => {
    if (window.mapsApp?.focusFeature?.(a.dataset.key)) ev.preventDefault();
  }));
}

// a mark on the map for every feature the officer may change (drawn again after each load)
function mark(o) {
  const keys = new Set(o.layers.flatMap(la => (la.mine || []).map(f => `${la.layer}/${f.id}`)));
  for (const [key, lyr] of Object.entries(window.mapsApp?.index || {})) {
    const el = lyr.getElement?.() || lyr._path || lyr._icon;
    el?.classList?.toggle('may-edit', keys.has(key));
  }
}

export async function showOverview() {
  const panel = document.getElementById('panel');
  if (!panel) return null;
  const r = await fetch('/session/editable');
  if (!r.ok) return null;
  const o = await r.json();
  let box = document.getElementById('may-edit');
  if (!box) {
    box = document.createElement('section');
    box.id = 'may-edit';
    const details = panel.querySelector('#details');
    if (details) details.after(box); else panel.prepend(box);
  }
  render(box, o);
  document.getElementById('lang')?.addEventListener('click', () => render(box, o));
  if (!o.everything) {
    mark(o);
    new MutationObserver(() => mark(o)).observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
  }
  box.dataset.ready = '1';
  return o;
}
