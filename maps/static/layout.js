// The responsive layout: at phone width (CSS: max-width 700px) the panel is a drawer over
// the map, opened by the top bar's button; the map keeps the whole screen.
const $ = id => document.getElementById(id);
const narrow = window.matchMedia('(max-width: 700px)');

export function setupLayout(app) {
  const button = $('drawer-toggle');
  const set = open => {
    document.body.classList.toggle('drawer-open', open);
    button.setAttribute('aria-expanded', String(open));
    setTimeout(() => app.map.invalidateSize(), 0);
  };
  button.addEventListener('click', () => set(!document.body.classList.contains('drawer-open')));
  app.closeDrawer = () => { if (narrow.matches) set(false); };
  narrow.addEventListener('change', () => { set(false); app.map.invalidateSize(); });
}
