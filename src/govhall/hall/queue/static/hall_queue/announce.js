/* Hall screen voice: speaks each new call once (the text comes from the server's data-voice,
   which never contains a name; silent calls carry an empty text). Browsers let a page speak only
   after a click, so the button switches the announcer on. */
(function () {
  "use strict";
  var enabled = false;
  var spoken = {};

  function seen(root) {
    var rows = (root || document).querySelectorAll("tr[data-call]");
    var fresh = [];
    for (var i = rows.length - 1; i >= 0; i -= 1) {
      var key = rows[i].getAttribute("data-call");
      if (!spoken[key]) {
        spoken[key] = true;
        fresh.push(rows[i].getAttribute("data-voice"));
      }
    }
    return fresh;
  }

  function speak(texts) {
    if (!enabled || !window.speechSynthesis) { return; }
    texts.forEach(function (text) {
      if (!text) { return; }
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.9;
      window.speechSynthesis.speak(utterance);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    seen(document); // calls already on screen when the page opens are not announced again
    var button = document.getElementById("q-voice");
    if (button && window.speechSynthesis) {
      button.hidden = false;
      button.addEventListener("click", function () {
        enabled = !enabled;
        button.textContent = enabled ? "关闭语音播报" : "开启语音播报";
      });
    }
    document.body.addEventListener("htmx:afterSwap", function (event) {
      speak(seen(document));
    });
  });
}());
