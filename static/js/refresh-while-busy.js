// The import page while a task reads or applies the file: every few seconds, read the page again and update the
// progress block in place (a role="status" region: screen readers hear the new figure, focus and scroll stay);
// once the task is done, show the finished page. Without JavaScript, the « Actualiser maintenant » link does it.
(function () {
  var busy = document.querySelector("[data-refresh-seconds]");
  if (!busy || !window.fetch || !window.DOMParser) return;
  var seconds = parseInt(busy.getAttribute("data-refresh-seconds"), 10) || 2;
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh-seconds]");
        if (!fresh) { window.location.reload(); return; }
        busy.innerHTML = fresh.innerHTML;
        window.setTimeout(poll, seconds * 1000);
      })
      .catch(function () { window.setTimeout(poll, seconds * 4000); });
  }
  window.setTimeout(poll, seconds * 1000);
})();
