// Camera scanning: getUserMedia + BarcodeDetector. Chromium on Linux (and Firefox, Safari) has
// no native BarcodeDetector, so the vendored polyfill decodes with zxing-wasm; its .wasm file is
// served from our own static files (never a CDN) and precached by the service worker.

import { prepareZXingModule } from "./vendor/barcode-detector/polyfill.js";

const INTERVAL_MS = 120;

export class Camera {
  constructor(video, { wasmUrl, onCode, onStatus }) {
    this.video = video;
    this.onCode = onCode;
    this.onStatus = onStatus;
    this.stream = null;
    this.timer = null;
    this.paused = false;
    prepareZXingModule({
      overrides: {
        locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
      },
      fireImmediately: true,
    }).catch(() => {});
    this.detector = null;
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (this.stream) return true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.onStatus("This browser cannot use the camera here. Type the ticket code below.", "error");
      return false;
    }
    this.onStatus("Camera starting…", "info");
    try {
      this.detector = this.detector || new BarcodeDetector({ formats: ["qr_code"] });
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      this.stream = null;
      const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      this.onStatus(
        denied
          ? "Camera access was refused. Allow the camera in the browser's site settings, or type the ticket code below."
          : "No camera could be started. Type the ticket code below.",
        "error",
      );
      return false;
    }
    this.video.srcObject = this.stream;
    try {
      await this.video.play();
    } catch {
      // Autoplay of a muted inline video is allowed; a refusal only delays the first frame.
    }
    this.onStatus("", "ok");
    this.loop();
    return true;
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.onStatus("Camera off. Type the ticket code below, or turn the camera on.", "info");
  }

  loop() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
  }

  async tick() {
    if (!this.stream) return;
    if (!this.paused && this.video.readyState >= 2) {
      try {
        const codes = await this.detector.detect(this.video);
        if (codes.length && this.stream && !this.paused) this.onCode(codes[0].rawValue);
      } catch {
        // A frame that cannot be read (camera switching, decoder still loading): try the next.
      }
    }
    this.loop();
  }
}
