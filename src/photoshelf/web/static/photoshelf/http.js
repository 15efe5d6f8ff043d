// Talking to the API from the pages: the CSRF token, JSON reads, uploads with progress.

export function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

export async function getHTML(url) {
  const response = await fetch(url, { headers: { Accept: "text/html" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

export async function deleteImage(id) {
  const response = await fetch(`/api/images/${id}`, {
    method: "DELETE",
    headers: { "X-CSRFToken": csrfToken() },
  });
  // 404: someone else deleted it already, which is what was asked for.
  if (!response.ok && response.status !== 404) throw new Error(`delete ${id}: ${response.status}`);
}

// Back from the trash; resolves with the image's JSON.
export async function restoreImage(id) {
  const response = await fetch(`/api/trash/${id}/restore`, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`restore ${id}: ${response.status}`);
  return response.json();
}

// POST a form with the file; onProgress(sent, total) as the bytes leave. Resolves with
// {status, body} for any HTTP answer; rejects only when no answer came (network failure).
export function sendForm(url, form, onProgress, onSent) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.upload.addEventListener("load", onSent);
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.addEventListener("abort", () => reject(new Error("aborted")));
    xhr.addEventListener("timeout", () => reject(new Error("timeout")));
    xhr.send(form);
  });
}
