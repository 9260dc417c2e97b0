// govdata — small behaviours of the pages; every page works without them.
(function () {
  "use strict";

  // Forms marked data-confirm ask before they submit (revoke a role or a key, switch a system off).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // A button with data-copy-target copies that input's value (the API key shown once).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) return;
    input.focus();
    input.select();
    var done = function () {
      var label = button.getAttribute("data-copied-label");
      if (label) {
        button.textContent = label;
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // Clicking the key selects it whole, ready to copy by hand.
  document.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("key-reveal__value")) {
      event.target.select();
    }
  });
})();
