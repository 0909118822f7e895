/* LTI platform storage (1EdTech "LTI Client Side postMessages"), used when the login names an lti_storage_target:
   the login page keeps the login's secret in the platform's window (lti.put_data) before authorizing, and the
   launch page reads it back (lti.get_data) and posts the launch again with it, in place of a blocked cookie.
   Without an answer from the platform the login goes on (a cookie may still work) and the launch page says how
   to open the assessment in its own window; it never starts the login again (a login hint may be single-use). */
(function () {
  "use strict";
  var TIMEOUT_MS = 3000;
  var box = document.getElementById("lti-storage");
  var data = box.dataset;

  function frameNamed(name) {
    if (!name || name === "_parent") { return window.parent; }
    try { return window.parent.frames[name] || window.parent; } catch (e) { return window.parent; }
  }

  function ask(target, origin, message) {
    return new Promise(function (resolve, reject) {
      var id = message.subject + ":" + Date.now().toString(36) + Math.random().toString(36).slice(2);
      var timer = setTimeout(function () { stop(); reject(new Error("no answer to " + message.subject)); },
        TIMEOUT_MS);
      function stop() { clearTimeout(timer); window.removeEventListener("message", listen); }
      function listen(event) {
        var reply = event.data || {};
        if (reply.message_id !== id || reply.subject !== message.subject + ".response") { return; }
        if (origin !== "*" && event.origin !== origin) { return; }
        stop();
        if (reply.error) { reject(new Error(reply.error.message || reply.error.code)); } else { resolve(reply); }
      }
      window.addEventListener("message", listen);
      message.message_id = id;
      target.postMessage(message, origin);
    });
  }

  function storageFrame() {
    if (window.parent === window) { return Promise.reject(new Error("not inside a platform window")); }
    return ask(window.parent, "*", { subject: "lti.capabilities" }).then(function (reply) {
      var put = (reply.supported_messages || []).filter(function (m) { return m.subject === "lti.put_data"; })[0];
      if (!put) { throw new Error("the platform keeps no data for tools"); }
      return frameNamed(put.frame || data.target);
    }, function () { return frameNamed(data.target); });
  }

  function login() {
    var go = function () { window.location.replace(data.next); };
    storageFrame().then(function (frame) {
      return ask(frame, data.origin, { subject: "lti.put_data", key: data.key, value: data.value });
    }).then(go, go);
  }

  function launch() {
    var form = document.getElementById("lti-storage-launch");
    storageFrame().then(function (frame) {
      return ask(frame, data.origin, { subject: "lti.get_data", key: data.key });
    }).then(function (reply) {
      if (!reply.value) { throw new Error("the platform does not hold this login"); }
      form.elements.lti_storage_proof.value = reply.value;
      form.submit();
    }).catch(function () {
      box.hidden = true;
      var fallback = document.getElementById("lti-storage-fallback");
      fallback.hidden = false;
      fallback.querySelector("h2").focus();
    });
  }

  if (data.mode === "login") { login(); } else { launch(); }
}());
