/* The walkthrough's card form: a Streamlit custom component (v1 protocol, no build step).
 *
 * It validates the card in the browser, sends it DIRECTLY to the processor with the publishable key
 * (the sandbox's POST /v1/payment_methods, or Stripe.js Elements with a real pk_test_ key), and hands
 * back to Python only {event, id, ...}: never the number, expiry or CVC.
 * Test-card numbers come from cards.json (served over HTTP next to this file), never from Python, and the
 * publishable key from the shop's GET /config (as in Stripe's sample apps), so neither crosses the websocket.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- Streamlit component protocol
  function send(type, data) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data), "*");
  }
  function setValue(value) { send("streamlit:setComponentValue", { value: value, dataType: "json" }); }
  var lastHeight = 0;
  function setHeight() {
    // The content's own height (not the document's, which is at least the iframe's: that would only grow).
    var h = Math.ceil(document.getElementById("root").getBoundingClientRect().height) + 6;
    if (h !== lastHeight) { lastHeight = h; send("streamlit:setFrameHeight", { height: h }); }
  }

  var $ = function (id) { return document.getElementById(id); };
  var args = {};
  var lastFill = null, lastReset = null, mode = null, catalog = null, stripeCard = null, stripeJs = null;
  var eventSeq = 0;
  var configPromise = null, configUrl = null;

  function loadConfig() {
    if (!configPromise || configUrl !== args.config_url) {
      configUrl = args.config_url;
      configPromise = fetch(configUrl, { cache: "no-store" }).then(function (r) {
        if (!r.ok) throw new Error("GET /config answered " + r.status);
        return r.json();
      });
      configPromise.catch(function () { configPromise = null; });
    }
    return configPromise;
  }
  function maskKey(key) {
    var m = String(key || "").match(/^(pk_(?:test|live)_)(.*)$/);
    if (!m) return "(none)";
    return m[1] + "…" + (m[2].length >= 12 ? m[2].slice(-4) : "");
  }

  function emit(payload) {
    eventSeq += 1;
    payload.nonce = String(Date.now()) + "-" + eventSeq;
    setValue(payload);
  }

  // ---------------------------------------------------------------- card rules (mirror lib/sandbox/cards.py)
  var LENGTHS = { visa: [13, 16, 19], mastercard: [16], amex: [15], discover: [16, 17, 18, 19], diners: [14, 16],
                  jcb: [16, 17, 18, 19], unionpay: [16, 17, 18, 19] };
  function digitsOf(s) { return String(s || "").replace(/[\s-]/g, ""); }
  function detectBrand(n) {
    if (!/^\d+$/.test(n)) return "unknown";
    var p = function (k) { return n.length >= k ? parseInt(n.slice(0, k), 10) : -1; };
    if (n[0] === "4") return "visa";
    if ((p(2) >= 51 && p(2) <= 55) || (p(4) >= 2221 && p(4) <= 2720)) return "mastercard";
    if (p(2) === 34 || p(2) === 37) return "amex";
    if (p(4) === 6011 || p(2) === 65 || (p(3) >= 644 && p(3) <= 649)) return "discover";
    if (p(2) === 36 || p(2) === 38 || p(2) === 39 || (p(3) >= 300 && p(3) <= 305) || p(4) === 3095) return "diners";
    if (p(4) >= 3528 && p(4) <= 3589) return "jcb";
    if (p(2) === 62) return "unionpay";
    return "unknown";
  }
  function luhnOk(n) {
    if (!/^\d{2,}$/.test(n)) return false;
    var total = 0;
    for (var i = 0; i < n.length; i++) {
      var d = parseInt(n[n.length - 1 - i], 10);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      total += d;
    }
    return total % 10 === 0;
  }
  function lengthsFor(brand) { return LENGTHS[brand] || [12, 13, 14, 15, 16, 17, 18, 19]; }
  function cvcLength(brand) { return brand === "amex" ? 4 : 3; }
  function formatNumber(n, brand) {
    if (brand === "amex") return [n.slice(0, 4), n.slice(4, 10), n.slice(10, 15)].filter(Boolean).join(" ");
    if (brand === "diners" && n.length <= 14) return [n.slice(0, 4), n.slice(4, 10), n.slice(10, 14)].filter(Boolean).join(" ");
    return n.replace(/(\d{4})(?=\d)/g, "$1 ");
  }
  var BRAND_TEXT = { visa: "VISA", amex: "AMEX", discover: "DISCOVER", diners: "DINERS", jcb: "JCB",
                     unionpay: "UnionPay", unknown: "CARD" };
  function showBrand(brand) {
    var el = $("brand-icon");
    el.dataset.brand = brand;
    el.title = brand;
    if (brand === "mastercard") el.innerHTML = '<span class="mc r"></span><span class="mc y"></span>';
    else el.textContent = BRAND_TEXT[brand] || "CARD";
  }

  // Stripe's client-side error codes and messages (Stripe.js wording).
  var MESSAGES = {
    incomplete_number: "Your card number is incomplete.",
    incorrect_number: "Your card number is incorrect.",
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration month is invalid.",
    invalid_expiry_year: "Your card's expiration year is invalid.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    incomplete_cvc: "Your card's security code is incomplete.",
    invalid_cvc: "Your card's security code is invalid."
  };
  function check() {
    var errors = {};
    var n = digitsOf($("card-number").value);
    var brand = detectBrand(n);
    if (!n) errors.number = "incomplete_number";
    else if (!/^\d+$/.test(n)) errors.number = "incorrect_number";
    else if (n.length < Math.min.apply(null, lengthsFor(brand))) errors.number = "incomplete_number";
    else if (lengthsFor(brand).indexOf(n.length) < 0 || !luhnOk(n)) errors.number = "incorrect_number";
    var exp = $("card-expiry").value.replace(/\s/g, "");
    var m = exp.match(/^(\d{1,2})\/?(\d{0,4})$/);
    var month = null, year = null;
    if (!m || !m[2] || m[2].length < 2) {
      errors.expiry = m && m[1] && (parseInt(m[1], 10) > 12 || parseInt(m[1], 10) === 0) && m[1].length === 2
        ? "invalid_expiry_month" : "incomplete_expiry";
    } else {
      month = parseInt(m[1], 10);
      year = parseInt(m[2], 10);
      if (m[2].length === 2) year += 2000;
      var now = new Date(), cy = now.getFullYear(), cm = now.getMonth() + 1;
      if (month < 1 || month > 12) errors.expiry = "invalid_expiry_month";
      else if (year < cy) errors.expiry = "invalid_expiry_year_past";
      else if (year > cy + 50) errors.expiry = "invalid_expiry_year";
      else if (year === cy && month < cm) errors.expiry = "invalid_expiry_month";
    }
    var cvc = $("card-cvc").value.trim();
    var want = cvcLength(brand);
    if (!cvc) errors.cvc = "incomplete_cvc";
    else if (!/^\d+$/.test(cvc) || cvc.length > want) errors.cvc = "invalid_cvc";
    else if (cvc.length < want) errors.cvc = "incomplete_cvc";
    return { errors: errors, number: n, brand: brand, month: month, year: year, cvc: cvc, exp: exp };
  }
  function codeForStripe(code) { return code === "invalid_expiry_year_past" ? "invalid_expiry_year" : code; }
  function showError(field, code, message) {
    var box = $("err-" + field);
    var input = { number: "card-number", expiry: "card-expiry", cvc: "card-cvc", postal: "card-postal" }[field];
    if (input) $(input).parentElement.classList.toggle("invalid", !!code);
    box.innerHTML = "";
    if (!code) return;
    box.appendChild(document.createTextNode((message || MESSAGES[code] || code) + " "));
    var c = document.createElement("code");
    c.textContent = codeForStripe(code);
    box.appendChild(c);
  }
  function clearErrors() { ["number", "expiry", "cvc", "postal"].forEach(function (f) { showError(f, null); }); }

  // ---------------------------------------------------------------- formatting as you type
  function onNumberInput() {
    var el = $("card-number");
    var n = digitsOf(el.value).replace(/\D/g, "").slice(0, 19);
    var brand = detectBrand(n);
    el.value = formatNumber(n, brand);
    showBrand(brand);
    $("card-cvc").placeholder = brand === "amex" ? "4 digits" : "CVC";
    showError("number", null);
  }
  function onExpiryInput(e) {
    var el = $("card-expiry");
    var d = el.value.replace(/\D/g, "").slice(0, 4);
    if (d.length === 1 && d > "1") d = "0" + d;
    var deleting = e && e.inputType && e.inputType.indexOf("delete") === 0;
    el.value = d.length >= 2 ? d.slice(0, 2) + (d.length > 2 || !deleting ? " / " : "") + d.slice(2) : d;
    showError("expiry", null);
  }
  function onBlur(field) {
    return function () {
      var r = check();
      if (r.errors[field] && r.errors[field].indexOf("incomplete") !== 0) showError(field, r.errors[field]);
    };
  }

  // ---------------------------------------------------------------- talking to the processor
  function status(text, kind) {
    var el = $("status");
    el.className = "status " + (kind || "");
    el.textContent = text;
    setHeight();
  }
  function wire(text) { var el = $("wire"); el.hidden = !text; el.textContent = text || ""; setHeight(); }

  function masked(n) { return "•••• " + n.slice(-4); }

  function createWithSandbox(r) {
    return loadConfig().then(function (cfg) { return postCard(r, cfg.publishable_key); });
  }

  function postCard(r, publishableKey) {
    var base = String(args.api_base || "").replace(/\/$/, "");
    var body = new URLSearchParams();
    body.append("type", "card");
    body.append("card[number]", r.number);
    var parts = r.exp.split("/");
    body.append("card[exp_month]", r.month !== null ? String(r.month) : (parts[0] || ""));
    body.append("card[exp_year]", r.year !== null ? String(r.year) : (parts[1] || ""));
    if (r.cvc) body.append("card[cvc]", r.cvc);
    var postal = $("card-postal").value.trim();
    if (postal) body.append("billing_details[address][postal_code]", postal);
    var shown = "POST " + base + "/v1/payment_methods\nAuthorization: Bearer " + args.publishable_key_masked +
      "\n\ntype=card&card[number]=" + masked(r.number) + "&card[exp_month]=" + (r.month || "?") +
      "&card[exp_year]=" + (r.year || "?") + "&card[cvc]=•••" + (postal ? "&billing_details[address][postal_code]=" + postal : "");
    wire(shown + "\n\n… sending straight to the processor (not to Streamlit)");
    var started = performance.now();
    return fetch(base + "/v1/payment_methods", {
      method: "POST",
      headers: { "Authorization": "Bearer " + publishableKey, "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (resp) {
      var ms = Math.round(performance.now() - started);
      var rid = resp.headers.get("Request-Id") || "";
      return resp.json().then(function (json) {
        if (resp.ok) {
          wire(shown + "\n\n← " + resp.status + " " + json.id + " (" + json.card.brand + " " + masked("0000" + json.card.last4) +
               ", " + ms + " ms)");
          return { ok: true, id: json.id, ms: ms, request_id: rid, status: resp.status };
        }
        var err = json.error || {};
        wire(shown + "\n\n← " + resp.status + " " + (err.type || "error") + ": " + (err.code || "") + " (" + ms + " ms)");
        return { ok: false, code: err.code || err.type || "error", message: err.message || "The processor refused the card.",
                 param: err.param || null, ms: ms, request_id: rid, status: resp.status };
      });
    });
  }

  function fieldForParam(param) {
    if (!param) return "number";
    if (param.indexOf("exp") >= 0) return "expiry";
    if (param.indexOf("cvc") >= 0) return "cvc";
    return "number";
  }

  function submitNative() {
    clearErrors();
    var r = check();
    var skip = $("skip-checks").checked;
    var codes = Object.keys(r.errors);
    if (codes.length && !skip) {
      codes.forEach(function (f) { showError(f, r.errors[f]); });
      status("Nothing was sent: the browser caught the problem first.", "bad");
      wire("");
      emit({ event: "client_error", codes: codes.map(function (f) { return codeForStripe(r.errors[f]); }) });
      return;
    }
    $("submit").disabled = true;
    status("Sending the card to the processor…");
    createWithSandbox(r).then(function (res) {
      $("submit").disabled = false;
      if (res.ok) {
        status("✓ The processor returned " + res.id + ". Only this id is handed to your server.", "ok");
        emit({ event: "payment_method", id: res.id, ms: res.ms, request_id: res.request_id, via: "sandbox" });
      } else {
        showError(fieldForParam(res.param), res.code, res.message);
        status("The processor refused the card (HTTP " + res.status + ").", "bad");
        emit({ event: "processor_error", code: res.code, message: res.message, param: res.param, via: "sandbox" });
      }
    }).catch(function (e) {
      $("submit").disabled = false;
      status("Could not reach the processor at " + args.api_base + " (" + e.message + ").", "bad");
      emit({ event: "network_error", message: String(e.message || e) });
    });
  }

  // ---------------------------------------------------------------- Stripe.js (real test mode)
  function setupStripe() {
    $("native-fields").hidden = true;
    $("stripe-fields").hidden = false;
    $("stripe-hint").textContent = "Stripe Elements lives in Stripe's own iframe, so the picker cannot fill it: " +
      "type a test card yourself (e.g. the one shown beside the form).";
    if (stripeJs) return;
    var s = document.createElement("script");
    s.src = "https://js.stripe.com/v3/";
    s.onload = function () { loadConfig().then(mountStripe); };
    s.onerror = function () { status("Could not load Stripe.js from js.stripe.com (offline?).", "bad"); };
    document.head.appendChild(s);
  }
  function mountStripe(cfg) {
    if (!cfg.publishable_key) { status("No publishable key: set STRIPE_PUBLISHABLE_KEY=pk_test_….", "bad"); return; }
    stripeJs = window.Stripe(cfg.publishable_key);
    stripeCard = stripeJs.elements().create("card", { style: { base: { fontSize: "16px", color: "#0a2540" } } });
    stripeCard.mount("#stripe-card");
    stripeCard.on("change", function (ev) {
      var box = $("err-stripe");
      box.innerHTML = "";
      if (ev.error) {
        box.appendChild(document.createTextNode(ev.error.message + " "));
        var c = document.createElement("code"); c.textContent = ev.error.code; box.appendChild(c);
      }
      setHeight();
    });
    setTimeout(setHeight, 300);
  }
  function submitStripe() {
    if (!stripeJs || !stripeCard) { status("Stripe.js is still loading…", "bad"); return; }
    $("submit").disabled = true;
    status("Stripe.js is sending the card to api.stripe.com…");
    var started = performance.now();
    stripeJs.createPaymentMethod({ type: "card", card: stripeCard }).then(function (result) {
      $("submit").disabled = false;
      var ms = Math.round(performance.now() - started);
      if (result.error) {
        status(result.error.message, "bad");
        emit({ event: result.error.type === "validation_error" ? "client_error" : "processor_error",
               code: result.error.code, codes: [result.error.code], message: result.error.message, via: "stripejs" });
      } else {
        status("✓ Stripe returned " + result.paymentMethod.id + ". Only this id is handed to your server.", "ok");
        wire("stripe.createPaymentMethod({type: 'card', card: cardElement})\n← " + result.paymentMethod.id + " (" + ms + " ms)");
        emit({ event: "payment_method", id: result.paymentMethod.id, ms: ms, via: "stripejs" });
      }
    });
  }

  // ---------------------------------------------------------------- filling from the picker
  function loadCatalog() {
    if (catalog) return Promise.resolve(catalog);
    return fetch("cards.json", { cache: "no-store" }).then(function (r) { return r.json(); })
      .then(function (json) { catalog = json; return json; });
  }
  function fill(key) {
    loadCatalog().then(function (cat) {
      var card = cat[key];
      if (!card) return;
      var yy = (new Date().getFullYear() + 3) % 100;
      $("card-number").value = card.number;
      onNumberInput();
      $("card-expiry").value = "12 / " + (yy < 10 ? "0" : "") + yy;
      $("card-cvc").value = card.cvc_length === 4 ? "1234" : "123";
      $("card-postal").value = "10001";
      clearErrors();
      status("Filled with the test card “" + card.label + "”. Press the button to send it to the processor.");
      wire("");
    });
  }
  function reset() {
    ["card-number", "card-expiry", "card-cvc", "card-postal"].forEach(function (id) { $(id).value = ""; });
    showBrand("unknown");
    clearErrors();
    status("");
    wire("");
    if (stripeCard) stripeCard.clear();
  }

  // ---------------------------------------------------------------- render
  function onRender(event) {
    var data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    args = data.args || {};
    document.body.dataset.ready = "1";
    $("processor-host").textContent = args.processor_label || args.api_base || "";
    $("submit").textContent = args.button_label || "Send card to the processor →";
    var wanted = args.processor === "stripejs" ? "stripejs" : "sandbox";
    if (wanted !== mode) {
      mode = wanted;
      if (mode === "stripejs") setupStripe();
    }
    var resetNonce = args.reset_nonce || null;
    if (resetNonce !== lastReset) { if (lastReset !== null) reset(); lastReset = resetNonce; }
    var f = args.fill || null;
    var fillNonce = f ? f.nonce : null;
    if (f && fillNonce !== lastFill && mode === "sandbox") { lastFill = fillNonce; fill(f.key); }
    else if (fillNonce !== lastFill) { lastFill = fillNonce; }
    $("submit").disabled = !!data.disabled;
    lastHeight = 0;
    setHeight();
  }

  $("card-number").addEventListener("input", onNumberInput);
  $("card-expiry").addEventListener("input", onExpiryInput);
  $("card-cvc").addEventListener("input", function () {
    $("card-cvc").value = $("card-cvc").value.replace(/\D/g, "").slice(0, 4); showError("cvc", null);
  });
  $("card-number").addEventListener("blur", onBlur("number"));
  $("card-expiry").addEventListener("blur", onBlur("expiry"));
  $("card-cvc").addEventListener("blur", onBlur("cvc"));
  $("card-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (mode === "stripejs") submitStripe(); else submitNative();
  });
  showBrand("unknown");
  window.addEventListener("message", onRender);
  if (window.ResizeObserver) new ResizeObserver(setHeight).observe(document.getElementById("root"));
  if (window.console) console.log("learn card form: loaded");
  send("streamlit:componentReady", { apiVersion: 1 });
})();
