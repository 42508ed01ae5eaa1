// The call simulator: walks the real webhooks through the console's API, one step at a time.
// Everything it shows comes from the line's own TwiML; it dials no one and sends nothing.
(function () {
  "use strict";
  const $ = (selector) => document.querySelector(selector);
  const transcript = $("#transcript");
  const state = $("#state");
  const player = $("#player");
  let call = null;      // {sid, at}: all the server needs to carry on the call
  let wait = null;      // what the call waits for: a gather, a transfer's outcome, or the end
  let queue = [];       // sounds still to be heard, in order
  let playing = false;

  function add(text, className, language, dir) {
    const item = document.createElement("li");
    if (className) item.className = className;
    if (language) {
      const tag = document.createElement("span");
      tag.className = "lang";
      tag.textContent = "[" + language + "]";
      item.appendChild(tag);
      item.lang = language;
      item.dir = dir || "auto";   // Arabic reads right to left (CLDR's direction, from the server)
    }
    item.appendChild(document.createTextNode(text));
    transcript.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function setEnabled(gathering) {
    document.querySelectorAll(".key, #silence").forEach((b) => { b.disabled = !gathering; });
    $("#words").disabled = !(gathering && wait.speech);
    $("#say button").disabled = !(gathering && wait.speech);
    $("#hangup").disabled = !call || !wait || wait.kind === "end";
  }

  // -- hearing it: recordings with <audio>, words with the browser's own voices --------------
  function hear(event) {
    if (!$("#aloud").checked) return;
    queue.push(event);
    if (!playing) next();
  }

  function next() {
    const event = queue.shift();
    if (!event) { playing = false; return; }
    playing = true;
    if (event.audio) {
      player.src = event.audio;
      player.onended = next;
      player.onerror = next;
      player.play().catch(next);
    } else if ("speechSynthesis" in window) {
      const words = new SpeechSynthesisUtterance(event.text);
      words.lang = event.language;
      const primary = event.language.split("-")[0];
      const voice = speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith(primary));
      if (voice) words.voice = voice;
      else add("(this browser has no " + event.language + " voice; the words are shown above)", "line-event");
      words.rate = event.slow ? 0.8 : 1;
      words.onend = next;
      words.onerror = next;
      speechSynthesis.speak(words);
    } else {
      next();
    }
  }

  function stopHearing() {
    queue = [];
    playing = false;
    player.pause();
    if ("speechSynthesis" in window) speechSynthesis.cancel();
  }

  // -- the call ----------------------------------------------------------------------------
  function show(step) {
    call = step.call;
    wait = step.wait;
    step.events.forEach((event) => {
      if (event.kind === "say") { add(event.text, "", event.language, event.dir); hear(event); }
      else if (event.kind === "play") { add(event.text + " (recording)", "", event.language, event.dir); hear(event); }
      else if (event.kind === "dial") add("The line puts the caller through to " + event.team + ". Why: " + event.why + ".", "line-event");
      else if (event.kind === "text") add("The text message the caller would get (" + event.language + "): " + event.text, "line-event");
      else if (event.kind === "team") add("The team hears: " + event.text, "line-event", event.language);
      else if (event.kind === "hangup") add("The line hangs up.", "line-event");
      else if (event.kind === "end") add(event.text, "line-event");
    });
    if (wait.kind === "gather") {
      state.textContent = wait.speech ? "Listening for a key or words." : "Listening for a key.";
      setEnabled(true);
    } else if (wait.kind === "dial") {
      setEnabled(false);
      const outcome = $("#outcome").value;
      add("The transfer ends: " + outcome + ".", "line-event");
      send({ outcome: outcome });
    } else {
      state.textContent = "The call has ended: " + wait.why + ".";
      setEnabled(false);
      call = null;
    }
    return step;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error("The console answered " + response.status);
    return response.json();
  }

  async function send(move) {
    setEnabled(false);
    try {
      return show(await post("/console/api/step", Object.assign({ call: call, wait: wait }, move)));
    } catch (error) {
      state.textContent = error.message;
    }
  }

  function press(key) {
    if (!wait || wait.kind !== "gather") return;
    add("Pressed " + key, "caller");
    return send({ choice: key });
  }

  $("#start").addEventListener("submit", async (event) => {
    event.preventDefault();
    stopHearing();
    transcript.innerHTML = "";
    state.textContent = "Ringing…";
    const at = $("#at").value;
    try {
      const area = $("#area") ? $("#area").value : "";
      const step = show(await post("/console/api/start", { at: at, area: area }));
      const language = $("#language").value;
      if (language && step.wait.kind === "gather") await press(language);
    } catch (error) {
      state.textContent = error.message;
    }
  });

  document.querySelectorAll(".key").forEach((button) => {
    button.addEventListener("click", () => press(button.dataset.key));
  });

  $("#silence").addEventListener("click", () => {
    add("(silence)", "caller");
    send({ choice: null });
  });

  $("#hangup").addEventListener("click", () => {
    stopHearing();
    add("The caller hangs up.", "caller");
    send({ choice: "hangup" });
  });

  $("#say").addEventListener("submit", (event) => {
    event.preventDefault();
    const words = $("#words").value.trim();
    if (!words || !wait || !wait.speech) return;
    add("Said “" + words + "”", "caller");
    $("#words").value = "";
    send({ choice: words });
  });

  // Keys typed anywhere but in a text field press the keypad.
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if ("0123456789*#".includes(event.key) && event.key.length === 1 && wait && wait.kind === "gather") {
      event.preventDefault();
      press(event.key);
    }
  });
})();
