// Every hosted page loads this (views/layout.ejs); each page works without it. It adds:
// - a "Show password" toggle button after each password field (aria-pressed; its label comes, translated, from the
//   script element's data-show-password). The field is a password field again before its form leaves, so that
//   password managers see it as one and the browser keeps no history of it;
// - on a link of the error summary: focus on the field it names, with the field's label scrolled into view (a plain
//   #fragment only scrolls);
// - focus on the error summary if the browser did not honour its autofocus attribute;
// - keyboard access to a table that is wider than the screen (.table-scroll): a tab stop named after its caption,
//   set only while it actually scrolls.
(function () {
  'use strict';
  var script = document.currentScript;

  function showPasswordToggles(label) {
    document.querySelectorAll('input[type="password"]').forEach(function (input, index) {
      if (input.hidden || input.closest('[hidden]') || input.dataset.showPassword === 'off') return;
      if (!input.id) input.id = 'password-field-' + index;
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'show-password';
      button.textContent = label;
      button.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-controls', input.id);
      button.addEventListener('click', function () {
        var show = input.type === 'password';
        input.type = show ? 'text' : 'password';
        button.setAttribute('aria-pressed', show ? 'true' : 'false');
      });
      if (input.form) {
        input.form.addEventListener('submit', function () {
          input.type = 'password';
          button.setAttribute('aria-pressed', 'false');
        });
      }
      input.insertAdjacentElement('afterend', button);
    });
  }

  function summaryLinks(summary) {
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link) return;
      var field = document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
      if (!field || typeof field.focus !== 'function') return;
      event.preventDefault();
      var label = field.id ? document.querySelector('label[for="' + CSS.escape(field.id) + '"]') : null;
      (label || field).scrollIntoView({ block: 'center' });
      field.focus({ preventScroll: true });
    });
  }

  function scrollRegions() {
    var regions = document.querySelectorAll('.table-scroll');
    if (!regions.length) return;
    function update() {
      regions.forEach(function (region) {
        var scrolls = region.scrollWidth > region.clientWidth + 1;
        if (scrolls && !region.hasAttribute('tabindex')) {
          var caption = region.querySelector('caption');
          region.setAttribute('tabindex', '0');
          region.setAttribute('role', 'region');
          if (caption && caption.textContent.trim()) region.setAttribute('aria-label', caption.textContent.trim());
          region.dataset.scrollRegion = 'on';
        } else if (!scrolls && region.dataset.scrollRegion === 'on') {
          region.removeAttribute('tabindex');
          region.removeAttribute('role');
          region.removeAttribute('aria-label');
          delete region.dataset.scrollRegion;
        }
      });
    }
    update();
    window.addEventListener('resize', update);
  }

  function start() {
    var label = script && script.getAttribute('data-show-password');
    if (label) showPasswordToggles(label);
    var summary = document.querySelector('[data-error-summary]');
    if (summary) {
      summaryLinks(summary);
      if (!document.activeElement || document.activeElement === document.body) summary.focus();
    }
    scrollRegions();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
