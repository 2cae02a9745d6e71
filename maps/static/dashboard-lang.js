// The dashboards' language switch: Vietnamese first, English on a button; the choice is
// shared with the web map (localStorage 'maps.lang'). Pages carry both languages
// (<span class="vi">, <span class="en">) and CSS shows the one of <html lang>.
// Texts that cannot hold two spans (a select's options) carry both in data-vi / data-en.
(function () {
  const texts = () => {
    const en = document.documentElement.lang === 'en';
    document.querySelectorAll('[data-vi][data-en]').forEach(el => {
      el.textContent = en ? el.dataset.en : el.dataset.vi;
    });
  };
  texts();
  document.addEventListener('langchange', texts);
  const b = document.getElementById('lang-switch');
  if (!b) return;
  b.addEventListener('click', () => {
    const lang = document.documentElement.lang === 'en' ? 'vi' : 'en';
    document.documentElement.lang = lang;
    localStorage.setItem('maps.lang', lang);
    document.dispatchEvent(new CustomEvent('langchange', { detail: lang }));
  });
})();
