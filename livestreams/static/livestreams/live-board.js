/* Questions board: refresh the board every 3 s; "answered" posts in place and swaps the fresh board in. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var pending = false;
  function swap(html) { board.innerHTML = html; }
  function refresh() {
    if (pending) { return; }
    fetch(board.dataset.url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { if (!pending) { swap(html); } })
      .catch(function () {});
  }
  board.addEventListener("submit", function (e) {
    var form = e.target.closest("form.answer-form");
    if (!form) { return; }
    e.preventDefault();
    pending = true;
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Board": "1" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(swap)
      .catch(function () { form.submit(); })
      .then(function () { pending = false; });
  });
  setInterval(refresh, 3000);
})();
