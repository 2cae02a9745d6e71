// The dashboards' language switch: Vietnamese first, English on a button; the choice is
// shared with the web map (localStorage 'maps.lang'). Pages carry both languages
// (<span class="vi">, <span class="en">) and CSS shows the one of <html lang>.
(function () {
  const b = document.getElementById('lang-switch');
  if (!b) return;
  b.addEventListener('click', () => {
    const lang = document.documentElement.lang === 'en' ? 'vi' : 'en';
    document.documentElement.lang = lang;
    localStorage.setItem('maps.lang', lang);
    document.dispatchEvent(new CustomEvent('langchange', { detail: lang }));
  });
})();
