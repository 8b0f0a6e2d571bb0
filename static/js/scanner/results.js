// The answer on screen, in sound and in the hand: one full-screen answer per ticket, its colour,
// a beep and a vibration by tone, and a bar counting down until it clears.

// How long an answer stays once its code has left the view (the bar on the answer shows it).
const RESET_AFTER_MS = { green: 1500, amber: 3500, red: 4500 };
const TONES = {
  green: { sound: [[880, 0, 0.15]], vibrate: [120] },
  amber: { sound: [[660, 0, 0.12], [660, 0.2, 0.12]], vibrate: [100, 80, 100] },
  red: { sound: [[220, 0, 0.6]], vibrate: [400, 120, 400] },
};

export function formatCode(code) {
  if (!code) return "";
  const plain = code.replace(/-/g, "");
  return `${plain.slice(0, 4)}-${plain.slice(4)}`;
}

// words: the configuration's words (heads by tone). onDismiss: a tap on the answer ("next
// ticket"), before it clears.
export function resultScreen({ words, onDismiss }) {
  const $ = (selector) => document.querySelector(selector);
  const overlay = $("#result");
  let audio = null;
  let showing = false;
  let resetTimer = null;
  let resetTone = "green";

  // Browsers start sound only after a tap on the page: the first tap unlocks it for the shift.
  document.addEventListener("pointerdown", () => {
    try {
      audio = audio || new AudioContext();
      audio.resume();
    } catch (error) {
      // No WebAudio: the colour and the vibration still say it.
    }
  }, { once: true });

  function beep(tone) {
    try {
      audio = audio || new AudioContext();
      for (const [frequency, start, length] of TONES[tone].sound) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.type = tone === "red" ? "square" : "sine";
        oscillator.frequency.value = frequency;
        gain.gain.value = 0.25;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + start);
        oscillator.stop(audio.currentTime + start + length);
      }
    } catch (error) {
      // No sound on this device: the colour still says it.
    }
    if (navigator.vibrate && TONES[tone]) navigator.vibrate(TONES[tone].vibrate);
  }

  // The answer stays while its ticket is in view; once the ticket has gone, it clears after its
  // tone's time, which the bar at the bottom of the answer counts down.
  function keep() {
    clearTimeout(resetTimer);
    const ms = RESET_AFTER_MS[resetTone] || 3000;
    resetTimer = setTimeout(hide, ms);
    const bar = $("#result-timer");
    bar.style.animation = "none";
    void bar.offsetWidth; // restarts the countdown's animation
    bar.style.animation = `result-countdown ${ms}ms linear forwards`;
  }

  function hide() {
    clearTimeout(resetTimer);
    overlay.hidden = true;
    showing = false;
  }

  function show(answer) {
    const tone = answer.tone || (answer.ok ? "green" : "red");
    overlay.className = `result result-${tone}`;
    overlay.dataset.result = answer.result || "";
    overlay.dataset.offline = answer.offline ? "true" : "false";
    $("#result-head").textContent = answer.result === "exited" ? words.headExited
      : words[`head${tone[0].toUpperCase()}${tone.slice(1)}`];
    $("#result-name").textContent = answer.ticket ? answer.ticket.name || formatCode(answer.ticket.code) : "";
    $("#result-show").textContent = answer.ticket ? answer.ticket.show_title || "" : "";
    $("#result-message").textContent = answer.message || "";
    $("#result-offline").hidden = !answer.offline;
    overlay.hidden = false;
    overlay.focus();
    showing = true;
    beep(tone);
    resetTone = tone;
    keep();
  }

  overlay.addEventListener("click", () => {
    onDismiss();
    hide();
  });

  return {
    show,
    keep,
    get showing() {
      return showing;
    },
  };
}
