// Drag-and-drop uploads: many files, each renamable, checked for duplicates by SHA-256 before
// any byte is sent, then sent a few at a time with a progress bar each and a result in place.
// Files go through /api/uploads (tus, with the vendored tus-js-client): in chunks, each one
// pausable, retried with backoff after a network error, and resumed after a page reload from
// the offset the server holds; where tus-js-client is missing, as one multipart POST.
// On a share link's page (data-guest) it sends a guest's photos through the link: tus only
// (without it the plain form stays), and no SHA-256 pre-check, which would ask about photos
// the guest may not see.
import { addCard } from "./gallery.js";
import { csrfToken, getJSON, restoreImage, sendForm } from "./http.js";

const UPLOADS_AT_ONCE = 3;
const CHUNK_BYTES = 5 * 1024 * 1024; // under the body limits of common proxies (nginx: 1 MB default, see docs)
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 20000, 30000];
const tus = window.tus && window.tus.isSupported ? window.tus : null;
// WebCrypto exists only in secure contexts (HTTPS, localhost); elsewhere files are just sent.
const CAN_HASH = Boolean(window.isSecureContext && window.crypto && crypto.subtle);

export function initUploader() {
  const root = document.querySelector(".uploader");
  if (!root) return;
  new Uploader(root);
}

class Uploader {
  constructor(root) {
    this.root = root;
    this.api = root.dataset.api;
    this.uploads = root.dataset.uploads;
    this.guest = root.dataset.guest === "yes";
    this.cards = root.dataset.cards;
    this.queue = root.querySelector(".queue");
    this.bar = root.querySelector(".queue-bar");
    this.summary = root.querySelector(".queue-summary");
    this.start = root.querySelector(".queue-start");
    this.template = root.querySelector(".queue-row-template");
    this.rows = [];
    this.hashing = Promise.resolve();

    if (this.guest && !tus) return;
    document.querySelector(".upload-form").hidden = true;
    root.hidden = false;
    const input = root.querySelector(".choose-input");
    root.querySelector(".choose").addEventListener("click", () => input.click());
    input.addEventListener("change", () => {
      this.add(input.files);
      input.value = "";
    });
    this.start.addEventListener("click", () => this.startAll());
    root.querySelector(".queue-clear").addEventListener("click", () => this.clear());
    this.listenForDrops(root.querySelector(".dropzone"));
  }

  listenForDrops(zone) {
    // Files may be dropped anywhere on the page; the drop zone shows that they are welcome.
    const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
    document.addEventListener("dragover", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      zone.classList.add("dragging");
    });
    document.addEventListener("dragleave", (event) => {
      if (!event.relatedTarget) zone.classList.remove("dragging");
    });
    document.addEventListener("drop", (event) => {
      zone.classList.remove("dragging");
      if (!event.dataTransfer?.files?.length) return;
      event.preventDefault();
      this.add(event.dataTransfer.files);
    });
  }

  add(files) {
    for (const file of files) {
      const row = new Row(file, this.template, this);
      this.rows.push(row);
      this.queue.append(row.element);
      this.hashing = this.hashing.then(() => row.check(this.guest ? null : this.api));
    }
    this.update();
  }

  startAll() {
    for (const row of this.rows) row.wanted = row.state === "ready" || row.state === "checking";
    this.pump();
  }

  // Starts waiting uploads while fewer than UPLOADS_AT_ONCE are under way.
  pump() {
    const running = this.rows.filter((row) => row.busy).length;
    const waiting = this.rows.filter((row) => row.wanted && row.state === "ready");
    waiting.slice(0, Math.max(0, UPLOADS_AT_ONCE - running)).forEach((row) => {
      if (tus && this.uploads) row.resumable(this.uploads);
      else row.upload(this.api);
    });
    this.update();
  }

  clear() {
    for (const row of this.rows.filter((row) => !row.busy)) row.element.remove();
    this.rows = this.rows.filter((row) => row.busy);
    this.update();
  }

  remove(row) {
    row.element.remove();
    this.rows = this.rows.filter((other) => other !== row);
    this.update();
  }

  update() {
    const count = (...states) => this.rows.filter((row) => states.includes(row.state)).length;
    const ready = this.rows.filter((row) => row.state === "ready" && !row.wanted).length;
    const parts = [`${count("done")} of ${this.rows.length} uploaded`];
    if (count("refused")) parts.push(`${count("refused")} refused`);
    if (count("failed")) parts.push(`${count("failed")} failed`);
    const sending = count("uploading", "processing");
    if (sending) parts.push(`${sending} in progress`);
    this.summary.textContent = parts.join(" · ");
    this.bar.hidden = this.rows.length === 0;
    this.start.hidden = ready === 0;
    this.start.textContent = ready === 1 ? "Upload 1 photo" : `Upload ${ready} photos`;
  }
}

class Row {
  constructor(file, template, uploader) {
    this.file = file;
    this.uploader = uploader;
    this.state = "checking";
    this.wanted = false;
    this.element = template.content.firstElementChild.cloneNode(true);
    this.element.dataset.file = file.name;
    const $ = (selector) => this.element.querySelector(selector);
    this.name = $(".row-name");
    this.progress = $(".row-progress");
    this.result = $(".row-result");
    this.retry = $(".row-retry");
    this.pause = $(".row-pause");
    this.removeButton = $(".row-remove");
    this.name.value = file.name.replace(/\.[^.]+$/, "") || file.name;
    this.name.setAttribute("aria-label", `Name for ${file.name}`);
    this.progress.setAttribute("aria-label", `Upload of ${file.name}`);
    $(".row-file").textContent = `${file.name} · ${formatBytes(file.size)}`;
    this.retry.addEventListener("click", () => {
      this.wanted = true;
      this.setState("ready", "");
      this.uploader.pump();
    });
    this.removeButton.addEventListener("click", () => this.uploader.remove(this));
    this.pause.addEventListener("click", () => this.togglePause());
    this.showLocalPreview($(".row-thumb img"));
  }

  get busy() {
    return this.state === "uploading" || this.state === "processing" || this.state === "paused";
  }

  showLocalPreview(img) {
    if (!this.file.type.startsWith("image/")) return;
    img.addEventListener("load", () => { img.hidden = false; }, { once: true });
    img.addEventListener("error", () => { img.hidden = true; }, { once: true });
    img.src = URL.createObjectURL(this.file);
  }

  setState(state, message) {
    this.state = state;
    this.element.dataset.state = state;
    if (typeof message === "string") this.result.textContent = message;
    this.name.disabled = this.busy || state === "done" || state === "refused";
    this.removeButton.hidden = this.busy;
    this.retry.hidden = state !== "failed";
    this.pause.hidden = !this.tus || (state !== "uploading" && state !== "paused");
    this.pause.textContent = state === "paused" ? "Resume" : "Pause";
    this.pause.setAttribute("aria-label", `${this.pause.textContent} ${this.file.name}`);
    this.uploader.update();
  }

  async check(api) {
    const hash = CAN_HASH && api;
    this.setState("checking", hash ? "Checking…" : "");
    if (hash) {
      try {
        const digest = await crypto.subtle.digest("SHA-256", await this.file.arrayBuffer());
        const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
        const found = await getJSON(`${api}?sha256=${hex}`);
        if (found.items.length) {
          const stored = found.items[0];
          this.showRefusal({
            code: "duplicate",
            title: "Already uploaded",
            detail: `This photo is already in the gallery as “${stored.name}”.`,
            duplicate_of: stored.id,
          });
          return;
        }
      } catch {
        // The check is only a saving: the server refuses duplicates anyway.
      }
    }
    this.setState("ready", "Ready to upload");
    if (this.wanted) this.uploader.pump();
  }

  async upload(api) {
    const form = new FormData();
    form.append("file", this.file, this.file.name);
    form.append("name", this.name.value.trim());
    this.progress.value = 0;
    this.setState("uploading", "Uploading…");
    try {
      const answer = await sendForm(
        api, form,
        (sent, total) => { this.progress.value = Math.round((100 * sent) / total); },
        () => { this.progress.value = 100; this.setState("processing", "Processing…"); },
      );
      if (answer.status === 201) this.showAccepted(answer.body);
      else if (answer.body && answer.body.code) this.showRefusal(answer.body);
      else this.setState("failed", `The server answered ${answer.status}. Please retry.`);
    } catch {
      this.setState("failed", "The upload did not reach the server (network error).");
    }
    this.wanted = false;
    this.uploader.pump();
  }

  // Through tus: chunks, retries, pause and resume; the final answer carries the image's id.
  async resumable(endpoint) {
    this.progress.value = 0;
    this.setState("uploading", "Uploading…");
    let imageId = null;
    this.tus = new tus.Upload(this.file, {
      endpoint,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      metadata: { filename: this.file.name, name: this.name.value.trim() },
      headers: { "X-CSRFToken": csrfToken() },
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => {
        this.progress.value = Math.round((100 * sent) / total);
        if (sent === total && this.state === "uploading") this.setState("processing", "Processing…");
      },
      onAfterResponse: (_request, response) => {
        imageId = response.getHeader("Photoshelf-Image-Id") || imageId;
      },
      onSuccess: () => this.finished(imageId),
      onError: (error) => this.failed(error),
    });
    try {
      const previous = await this.tus.findPreviousUploads();
      if (previous.length) {
        this.tus.resumeFromPreviousUpload(previous[0]);
        this.result.textContent = "Resuming…";
      }
    } catch {
      // Nothing stored to resume from: a new upload.
    }
    this.tus.start();
    this.setState("uploading");
  }

  togglePause() {
    if (!this.tus) return;
    if (this.state === "paused") {
      this.setState("uploading", "Uploading…");
      this.tus.start();
    } else if (this.state === "uploading") {
      this.tus.abort().catch(() => {});
      this.setState("paused", "Paused");
    }
  }

  // The upload's outcome: from the final answer's header, else (the bytes were all there
  // before this page asked, or the answer was lost) from GET of the upload itself.
  async finished(imageId) {
    try {
      if (!imageId || this.uploader.guest) {
        let upload = await getJSON(this.tus.url);
        if (upload.state === "receiving") upload = await this.complete(this.tus.url);
        if (upload.state === "refused") return this.done(() => this.showRefusal(upload.problem));
        imageId = upload.image && upload.image.id;
        // A guest's photo, with the link's own URLs: the guest cannot open /api/images.
        if (this.uploader.guest) return this.done(() => this.showAccepted(upload.image));
      }
      const image = await getJSON(`${this.uploader.api}/${imageId}`);
      this.done(() => this.showAccepted(image));
    } catch {
      this.done(() => this.setState("failed", "The upload was sent, but its outcome is unknown."));
    }
  }

  // Every byte arrived but the image was not stored yet (the server stopped before): the
  // empty last PATCH stores it.
  async complete(url) {
    await fetch(url, {
      method: "PATCH",
      headers: {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": String(this.file.size),
        "Content-Type": "application/offset+octet-stream",
        "X-CSRFToken": csrfToken(),
      },
    });
    return getJSON(url);
  }

  failed(error) {
    const response = error && error.originalResponse;
    let problem = null;
    try {
      problem = response ? JSON.parse(response.getBody()) : null;
    } catch {
      problem = null;
    }
    if (problem && problem.code) this.done(() => this.showRefusal(problem));
    else this.done(() => this.setState("failed", "The upload did not reach the server (network error)."));
  }

  done(show) {
    show();
    this.wanted = false;
    this.uploader.pump();
  }

  showAccepted(image) {
    this.progress.value = 100;
    const img = this.element.querySelector(".row-thumb img");
    img.src = image.thumbnail_url;
    img.alt = image.name;
    img.hidden = false;
    const link = document.createElement("a");
    link.href = this.photoUrl(image.id);
    link.textContent = image.name;
    this.setState("done");
    this.result.replaceChildren("Uploaded as ", link);
    addCard(image.id, this.uploader.cards).catch(() => {});
  }

  // Where a stored photo is seen: its page, or for a guest its card on the shared page.
  photoUrl(id) {
    return this.uploader.guest ? `#image-${id}` : `/images/${id}`;
  }

  showRefusal(problem) {
    const title = document.createElement("strong");
    title.textContent = `${problem.title}.`;
    this.setState("refused");
    this.element.dataset.code = problem.code;
    this.result.replaceChildren(title, ` ${problem.detail}`);
    if (problem.duplicate_of && problem.code.endsWith("-in-trash") && !this.uploader.guest) {
      // Offered back instead of a link to a page that is not there; the server says 404 to
      // someone whose trash it is not in.
      const restore = document.createElement("button");
      restore.type = "button";
      restore.className = "link";
      restore.textContent = "Restore it";
      restore.addEventListener("click", async () => {
        restore.disabled = true;
        try {
          const image = await restoreImage(problem.duplicate_of);
          this.setState("done");
          this.result.replaceChildren(`“${image.name}” is back in the gallery.`);
          addCard(image.id).catch(() => {});
        } catch {
          restore.disabled = false;
          this.result.append(" It could not be restored here; try the trash page.");
        }
      });
      this.result.append(" ", restore);
    } else if (problem.duplicate_of) {
      const link = document.createElement("a");
      link.href = this.photoUrl(problem.duplicate_of);
      link.textContent = "See the stored photo";
      this.result.append(" ", link);
    }
  }
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
