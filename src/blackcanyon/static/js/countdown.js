/* Progressive enhancement for the reservation timer: counts the minutes (and the last minute's
   seconds) down. The page says the same without JavaScript. No inline code: CSP-safe. */
(function () {
  "use strict";
  var box = document.querySelector(".hold-timer[data-expires]");
  if (!box) { return; }
  var expires = Date.parse(box.getAttribute("data-expires"));
  var left = box.querySelector(".hold-left");
  var note = box.querySelector(".hold-expired-note");
  if (isNaN(expires) || !left) { return; }
  function render() {
    var seconds = Math.max(0, Math.round((expires - Date.now()) / 1000));
    if (seconds <= 0) {
      left.textContent = "time is up";
      if (note) { note.hidden = false; note.setAttribute("role", "status"); }
      return false;
    }
    if (seconds < 60) {
      left.textContent = seconds + (seconds === 1 ? " second" : " seconds") + " left";
    } else {
      var minutes = Math.ceil(seconds / 60);
      left.textContent = minutes + (minutes === 1 ? " minute" : " minutes") + " left";
    }
    return true;
  }
  if (render()) {
    var timer = window.setInterval(function () {
      if (!render()) { window.clearInterval(timer); }
    }, 1000);
  }
})();
