// The sign-in's proof of work (src/services/proof-of-work.ts): when the server asks for one, the login form carries a
// challenge; before the form is sent, this finds a nonce such that SHA-256("<challenge>:<nonce>") starts with the
// asked number of zero bits, and puts it in the form. Without scripts the form is sent without one and the server
// asks again, saying that the page needs JavaScript or a password reset.
(function () {
  'use strict';
  var form = document.querySelector('form[data-proof]');
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var challenge = form.getAttribute('data-proof');
  var bits = Number(form.getAttribute('data-proof-bits'));
  var status = document.getElementById('proof-status');
  var encoder = new TextEncoder();
  var solving = false;

  function zeroBits(bytes) {
    var whole = Math.floor(bits / 8);
    for (var i = 0; i < whole; i++) if (bytes[i] !== 0) return false;
    var rest = bits % 8;
    return rest === 0 || bytes[whole] >> (8 - rest) === 0;
  }

  // Digests in rounds of 256 at a time, so the page stays responsive while it works.
  function search(from) {
    var round = [];
    for (var n = from; n < from + 256; n++) round.push(crypto.subtle.digest('SHA-256', encoder.encode(challenge + ':' + n)));
    return Promise.all(round).then(function (digests) {
      for (var i = 0; i < digests.length; i++) if (zeroBits(new Uint8Array(digests[i]))) return String(from + i);
      return search(from + 256);
    });
  }

  form.addEventListener('submit', function (event) {
    var field = form.querySelector('input[name="proof_nonce"]');
    if (field.value) return;
    event.preventDefault();
    if (solving) return;
    solving = true;
    if (status) status.textContent = status.getAttribute('data-working');
    search(0).then(function (nonce) {
      field.value = nonce;
      form.submit();
    });
  });
})();
