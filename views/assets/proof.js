// Proof-of-work puzzles of a form (src/services/proof-of-work.ts): the sign-in's, when the throttle asks for one (the
// <form> carries data-proof), and the bot check of protected forms (views/partials/bot-check.ejs: a hidden input
// carries it). For each, this finds a nonce such that SHA-256("<challenge>:<nonce>") — or, for a puzzle bound to a
// field such as the e-mail address, SHA-256("<challenge>:<value>:<nonce>") with the value trimmed and in lower case —
// starts with the asked number of zero bits, and puts it in the form's nonce field. It starts in the background once
// the customer is at the form, starts again when the bound field changes, and holds the submit until it is done.
// Without scripts the form is sent without a nonce: the server then applies its fallback, or asks again.
(function () {
  'use strict';
  if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var encoder = new TextEncoder();

  function zeroBits(bytes, bits) {
    var whole = Math.floor(bits / 8);
    for (var i = 0; i < whole; i++) if (bytes[i] !== 0) return false;
    var rest = bits % 8;
    return rest === 0 || bytes[whole] >> (8 - rest) === 0;
  }

  // Digests in rounds of 256 at a time, so the page stays responsive while it works; a search whose input changed
  // meanwhile (`stale`) stops at the next round.
  function search(prefix, bits, from, stale) {
    var round = [];
    for (var n = from; n < from + 256; n++) round.push(crypto.subtle.digest('SHA-256', encoder.encode(prefix + n)));
    return Promise.all(round).then(function (digests) {
      if (stale()) return null;
      for (var i = 0; i < digests.length; i++) if (zeroBits(new Uint8Array(digests[i]), bits)) return String(from + i);
      return search(prefix, bits, from + 256, stale);
    });
  }

  function puzzleOf(el, form) {
    var subjectName = el.getAttribute('data-proof-subject');
    var puzzle = {
      challenge: el.getAttribute('data-proof'),
      bits: Number(el.getAttribute('data-proof-bits')),
      nonce: form.querySelector('input[name="' + (el.getAttribute('data-proof-nonce') || 'proof_nonce') + '"]'),
      subject: subjectName ? form.querySelector('[name="' + subjectName + '"]') : null,
      solvedFor: null,
      solution: null,
      running: null,
    };
    puzzle.value = function () {
      return puzzle.subject ? puzzle.subject.value.trim().toLowerCase() : '';
    };
    // Resolves with the nonce for the field's current value, searching once per value.
    puzzle.solve = function () {
      var value = puzzle.value();
      if (puzzle.solvedFor === value && puzzle.solution !== null) return Promise.resolve(puzzle.solution);
      if (puzzle.running && puzzle.running.value === value) return puzzle.running.promise;
      var prefix = puzzle.challenge + ':' + (puzzle.subject ? value + ':' : '');
      var promise = search(prefix, puzzle.bits, 0, function () {
        return puzzle.value() !== value;
      }).then(function (nonce) {
        if (nonce === null) return puzzle.solve();
        puzzle.solvedFor = value;
        puzzle.solution = nonce;
        return nonce;
      });
      puzzle.running = { value: value, promise: promise };
      return promise;
    };
    return puzzle;
  }

  function bind(form) {
    if (form.hasAttribute('data-proof-bound')) return;
    form.setAttribute('data-proof-bound', '');
    var puzzles = [];
    if (form.hasAttribute('data-proof')) puzzles.push(puzzleOf(form, form));
    var inside = form.querySelectorAll('[data-proof]');
    for (var i = 0; i < inside.length; i++) puzzles.push(puzzleOf(inside[i], form));
    puzzles = puzzles.filter(function (p) {
      return p.challenge && p.bits > 0 && p.nonce;
    });
    if (!puzzles.length) return;
    var status = form.querySelector('[data-proof-status]') || form.querySelector('[role="status"][data-working]');
    var started = false;
    var waiting = false;

    function solveAll() {
      return Promise.all(puzzles.map(function (p) { return p.solve(); }));
    }
    function start() {
      started = true;
      solveAll().catch(function () {});
    }
    // In the background from the customer's first step at the form, and again after the bound field changes.
    ['focusin', 'input', 'pointerdown', 'keydown'].forEach(function (type) {
      form.addEventListener(type, function () {
        if (!started || type === 'input') start();
      });
    });
    if (form.contains(document.activeElement)) start();

    form.addEventListener('submit', function (event) {
      var ready = puzzles.every(function (p) { return p.solution !== null && p.solvedFor === p.value(); });
      if (ready) {
        puzzles.forEach(function (p) { p.nonce.value = p.solution; });
        return;
      }
      event.preventDefault();
      if (waiting) return;
      waiting = true;
      var submitter = event.submitter || null;
      if (status) status.textContent = status.getAttribute('data-working');
      solveAll().then(function () {
        waiting = false;
        puzzles.forEach(function (p) { p.nonce.value = p.solution; });
        // Sent as the customer sent it: with the button pressed (its name and value), through the submit event.
        if (!form.requestSubmit) form.submit();
        else if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
      }, function () {
        // The browser would not hash: sent without an answer, as without scripts (the server decides).
        waiting = false;
        form.submit();
      });
    });
  }

  var marked = document.querySelectorAll('[data-proof]');
  for (var i = 0; i < marked.length; i++) {
    var form = marked[i].tagName === 'FORM' ? marked[i] : marked[i].form;
    if (form) bind(form);
  }
})();
