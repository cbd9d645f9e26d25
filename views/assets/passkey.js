// Runs the passkey ceremony of a form rendered by views/partials/webauthn.ejs: on submit, ask the browser's WebAuthn
// API (through @simplewebauthn/browser, loaded before this file as window.SimpleWebAuthnBrowser) to create or use a
// passkey with the options the page carries, put the result in the hidden `response` field and send the form. The
// server does every check; this file only moves bytes. On failure the form stays, shows the page's translated
// message and can be tried again.
//
// A form marked data-autofill also offers the browser's saved passkeys in the page's e-mail field (WebAuthn
// conditional mediation: the field's autocomplete says "webauthn"): a request waits in the background from page load
// and sends the form when the customer picks a passkey there. The button still works: starting it aborts the waiting
// request (the library allows one ceremony at a time), and a failed or cancelled ceremony starts the wait again.
(function () {
  'use strict';
  // The partial may be included more than once on a page: listen once.
  if (window.__ciamPasskeyForms) return;
  window.__ciamPasskeyForms = true;

  function showError(form, message) {
    var region = document.getElementById(form.getAttribute('aria-describedby'));
    if (!region) return;
    var p = document.createElement('p');
    p.textContent = message;
    region.replaceChildren(p);
    region.className = 'alert';
  }

  function clearError(form) {
    var region = document.getElementById(form.getAttribute('aria-describedby'));
    if (!region) return;
    region.replaceChildren();
    region.className = '';
  }

  function setBusy(form, busy) {
    form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (button) {
      button.disabled = busy;
    });
    if (busy) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
  }

  function readOptions(form) {
    try {
      return JSON.parse(document.getElementById(form.dataset.options).textContent);
    } catch (err) {
      return undefined;
    }
  }

  async function autofill(form) {
    var lib = window.SimpleWebAuthnBrowser;
    if (!lib || !lib.browserSupportsWebAuthnAutofill || form.dataset.autofill === 'off') return;
    if (!(await lib.browserSupportsWebAuthnAutofill())) {
      form.dataset.autofill = 'unsupported';
      return;
    }
    var optionsJSON = readOptions(form);
    if (!optionsJSON) return;
    form.dataset.autofill = 'waiting';
    try {
      var result = await lib.startAuthentication({ optionsJSON: optionsJSON, useBrowserAutofill: true });
      form.elements.namedItem('response').value = JSON.stringify(result);
      form.dataset.autofill = 'chosen';
      setBusy(form, true);
      HTMLFormElement.prototype.submit.call(form);
    } catch (err) {
      // Aborted by the button's own ceremony, or nothing chosen: the button (or a reload) is the way on.
      form.dataset.autofill = 'ready';
    }
  }

  async function run(form) {
    var lib = window.SimpleWebAuthnBrowser;
    if (!lib || !lib.browserSupportsWebAuthn()) {
      showError(form, form.dataset.unsupported);
      return;
    }
    var field = form.elements.namedItem('response');
    var optionsJSON = readOptions(form);
    if (!optionsJSON) {
      showError(form, form.dataset.failed);
      return;
    }
    clearError(form);
    setBusy(form, true);
    try {
      var result = form.dataset.webauthn === 'register'
        ? await lib.startRegistration({ optionsJSON: optionsJSON })
        : await lib.startAuthentication({ optionsJSON: optionsJSON });
      field.value = JSON.stringify(result);
      // The prototype's submit: sends without firing 'submit' again, even if a field is named "submit".
      HTMLFormElement.prototype.submit.call(form);
    } catch (err) {
      // Cancelled, timed out, no matching passkey, or an authenticator error: the customer can simply try again.
      console.warn('passkey ceremony failed:', err && err.name, err && err.message);
      field.value = '';
      setBusy(form, false);
      showError(form, err && err.name === 'NotSupportedError' ? form.dataset.unsupported : form.dataset.failed);
      if (form.hasAttribute('data-autofill')) autofill(form);
    }
  }

  document.querySelectorAll('form[data-webauthn="authenticate"][data-autofill]').forEach(function (form) {
    autofill(form);
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-webauthn')) return;
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    run(form);
  });

  // Back from the next page (bfcache): the form is as it was left, busy with a used response. Make it usable.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('form[data-webauthn]').forEach(function (form) {
      var field = form.elements.namedItem('response');
      if (field) field.value = '';
      setBusy(form, false);
    });
  });
})();
