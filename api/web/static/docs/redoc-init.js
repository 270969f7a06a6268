// Starts ReDoc on /redoc (a file, not an inline script). ReDoc's styles are <style>
// elements it makes at run time: they carry the page's nonce, the only inline style the
// CSP of /redoc allows.
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-spec-url"),
             {nonce: root.getAttribute("data-style-nonce")}, root);
})();
