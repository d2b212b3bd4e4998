// A stakeholder's link carries its secret after "#", which browsers never send to a server (so it
// cannot reach an access log or a Referer). Post it once, and take it out of the address bar and
// the history at once, so it is not left on the screen or in a shared computer's history.
(function () {
  var token = window.location.hash.slice(1);
  if (!token) return;
  history.replaceState(null, "", window.location.pathname);
  var form = document.getElementById("open-form");
  document.getElementById("token").value = decodeURIComponent(token);
  form.submit();
})();
