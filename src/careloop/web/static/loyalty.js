// The customer's loyalty page: copy the referral link, and share it through the phone's share
// sheet (W3C Web Share API: navigator.share), where Zalo and Messenger are listed. A file, not
// an inline script: customer pages allow scripts from our own origin only.
(function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      if (!field) { return; }
      field.select();
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          document.execCommand("copy"); done();
        });
      } else {
        document.execCommand("copy"); done();
      }
    });
  });
  document.querySelectorAll("[data-share-url]").forEach(function (button) {
    if (!navigator.share) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({
        url: button.getAttribute("data-share-url"),
        text: button.getAttribute("data-share-text"),
      }).catch(function () {});
    });
  });
  // A tapped redeem button is spent at once: a second tap cannot post the form again.
  document.querySelectorAll("form[action$='/redeem'], form[action*='/redeem?']").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    });
  });
})();
