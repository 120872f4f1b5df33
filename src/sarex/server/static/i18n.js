// UI strings: one JSON catalogue per language under /static/i18n/ (en, ko, ja), the same keys in each
// (tests/server/test_server_i18n.py checks that). T(key, {name: value}) fills {name} placeholders.
(function () {
  "use strict";
  const cat = { en: {}, ko: {}, ja: {} };
  let lang = "en";
  async function load(l) {
    if (!Object.keys(cat.en).length) cat.en = await (await fetch("/static/i18n/en.json")).json();
    if (l !== "en" && !Object.keys(cat[l] || {}).length) cat[l] = await (await fetch(`/static/i18n/${l}.json`)).json();
    lang = cat[l] ? l : "en";
  }
  function T(key, vars) {
    let s = (cat[lang] || {})[key];
    if (s === undefined) s = cat.en[key];
    if (s === undefined) return key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
    return s;
  }
  function has(key) { return cat.en[key] !== undefined; }
  // Apply to the static page: text (data-i18n) and accessible names (data-i18n-label).
  function apply(root) {
    document.documentElement.lang = lang;
    (root || document).querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = T(e.dataset.i18n); });
    (root || document).querySelectorAll("[data-i18n-label]").forEach((e) => { e.setAttribute("aria-label", T(e.dataset.i18nLabel)); });
  }
  window.SX_I18N = { load, T, has, apply, get lang() { return lang; } };
})();
