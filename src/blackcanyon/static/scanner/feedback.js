// What door staff see, hear and feel: a full-screen colour, a beep, a buzz, and the same words
// for screen readers (aria-live).

const COLOURS = { valid: "green", already_checked_in: "amber" };

const TITLES = {
  valid: "Valid",
  already_checked_in: "Already in",
  revoked: "Revoked",
  invalid: "Invalid",
  wrong_event: "Wrong event",
  not_yet_valid: "Not valid yet",
  expired: "Expired",
  not_on_list: "Not on this list",
  not_inside: "Not checked in",
  needs_connection: "Cannot check",
  error: "Not checked",
};

const DETAILS = {
  revoked: "This ticket was cancelled or replaced.",
  invalid: "Not a valid ticket for this scanner.",
  wrong_event: "This ticket is for another event.",
  not_yet_valid: "This ticket is not valid yet.",
  expired: "This ticket is no longer valid.",
  not_on_list: "This ticket type is not admitted through this list.",
  not_inside: "No entry was recorded for this ticket, so no exit either.",
  needs_connection: "Manual entry needs a connection. Scan the QR code instead.",
};

export function colourOf(status) {
  return COLOURS[status] || "red";
}

function timeIn(iso, timeZone) {
  try {
    return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(new Date(iso));
  } catch {
    return new Date(iso).toISOString().slice(11, 16);
  }
}

/** The sentence under the big word. */
export function detailOf(answer, { direction, timezone }) {
  if (answer.status === "valid") return direction === "exit" ? "Exit recorded." : "Admit.";
  if (answer.status === "already_checked_in") {
    const previous = answer.previous;
    if (!previous || !previous.at) return "Already checked in.";
    const gate = previous.gate ? `, ${previous.gate}` : "";
    return `Already checked in at ${timeIn(previous.at, timezone)}${gate}`;
  }
  return DETAILS[answer.status] || answer.message || "This ticket cannot be admitted.";
}

export class Feedback {
  constructor(root, { timezone, onDismiss }) {
    this.root = root;
    this.timezone = timezone;
    this.onDismiss = onDismiss;
    this.parts = {
      title: root.querySelector("#result-title"),
      detail: root.querySelector("#result-detail"),
      type: root.querySelector("#result-type"),
      name: root.querySelector("#result-name"),
      age: root.querySelector("#result-age"),
      offline: root.querySelector("#result-offline"),
    };
    this.announcer = document.getElementById("announce");
    this.timer = null;
    this.audio = null;
    root.addEventListener("click", () => this.dismiss());
    // Browsers only start audio after a gesture: the first tap anywhere unlocks it.
    const unlock = () => {
      this.audioContext();
      document.removeEventListener("pointerdown", unlock);
      document.removeEventListener("keydown", unlock);
    };
    document.addEventListener("pointerdown", unlock);
    document.addEventListener("keydown", unlock);
  }

  get visible() {
    return !this.root.hidden;
  }

  show(answer, { direction, offline, minimumAge }) {
    const colour = colourOf(answer.status);
    const ticket = answer.ticket || {};
    const age = ticket.minimum_age || minimumAge;
    const words = {
      title: TITLES[answer.status] || TITLES.error,
      detail: detailOf(answer, { direction, timezone: this.timezone }),
      type: ticket.ticket_type || "",
      name: ticket.attendee_name || "",
    };
    this.parts.title.textContent = words.title;
    this.parts.detail.textContent = words.detail;
    this.parts.type.textContent = words.type;
    this.parts.name.textContent = words.name;
    const showAge = Boolean(age) && answer.status === "valid" && direction !== "exit";
    this.parts.age.hidden = !showAge;
    this.parts.age.textContent = showAge ? `ID check ${age}+` : "";
    this.parts.offline.hidden = !offline;
    this.root.dataset.colour = colour;
    this.root.dataset.status = answer.status;
    this.root.hidden = false;
    const spoken = [words.title, words.detail, words.type, words.name, showAge ? `ID check ${age} plus` : ""];
    this.announcer.textContent = spoken.filter(Boolean).join(". ");
    this.beep(colour);
    if (navigator.vibrate) navigator.vibrate(colour === "green" ? 80 : [120, 80, 120, 80, 120]);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.dismiss(), colour === "green" ? 2000 : 3000);
  }

  dismiss() {
    if (this.root.hidden) return;
    clearTimeout(this.timer);
    this.root.hidden = true;
    delete this.root.dataset.status;
    this.onDismiss();
  }

  audioContext() {
    if (!this.audio && window.AudioContext) this.audio = new AudioContext();
    if (this.audio && this.audio.state === "suspended") this.audio.resume().catch(() => {});
    return this.audio;
  }

  beep(colour) {
    const ctx = this.audioContext();
    if (!ctx || ctx.state !== "running") return;
    // ok: one short high tone; amber: two mid tones; error: a low buzz.
    const tones = { green: [[1320, 0, 0.12]], amber: [[660, 0, 0.12], [660, 0.18, 0.12]], red: [[220, 0, 0.45]] }[colour];
    for (const [frequency, delay, length] of tones) {
      const oscillator = ctx.createOscillator();
      const gain = ctx.createGain();
      oscillator.type = colour === "red" ? "square" : "sine";
      oscillator.frequency.value = frequency;
      const start = ctx.currentTime + delay;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.4, start + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
      oscillator.connect(gain).connect(ctx.destination);
      oscillator.start(start);
      oscillator.stop(start + length + 0.02);
    }
  }
}
