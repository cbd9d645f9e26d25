// The recovery codes page: "Copy" puts the codes on the clipboard and "Print" opens the browser's print dialog.
// Both buttons are hidden until this runs (the page works without scripts: the codes can be selected, downloaded
// as a text file through a plain link, and printed from the browser's menu).
(function () {
  'use strict';
  var box = document.querySelector('[data-recovery-codes]');
  if (!box) return;
  var text = box.getAttribute('data-recovery-codes');
  var status = document.getElementById('recovery-status');
  var copy = document.getElementById('recovery-copy');
  var print = document.getElementById('recovery-print');
  if (copy && navigator.clipboard && window.isSecureContext) {
    copy.hidden = false;
    copy.addEventListener('click', function () {
      navigator.clipboard.writeText(text).then(
        function () { if (status) status.textContent = copy.getAttribute('data-done'); },
        function () { if (status) status.textContent = copy.getAttribute('data-failed'); },
      );
    });
  }
  if (print && typeof window.print === 'function') {
    print.hidden = false;
    print.addEventListener('click', function () { window.print(); });
  }
})();
