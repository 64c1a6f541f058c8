// The customer's survey page: the score from the tapped link is sent at once (one tap), so
// a person answers without a second click, while a link scanner (which runs no script)
// records nothing. A file, not an inline script: the page's CSP allows scripts from us only.
(function () {
  var form = document.getElementById("one-tap");
  if (form) { form.submit(); }
})();
