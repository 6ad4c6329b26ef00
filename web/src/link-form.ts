import type { ApiError } from './api.js';
import { announce, byId, replaceChildren } from './dom.js';
import { reasonBox, type Uploads } from './uploads.js';

/** Longest link the server takes (`url` in `POST /v1/images`). */
const MAX_LINK_LENGTH = 2048;

/**
 * "Upload from a link": the server fetches the image. A link it accepts becomes an upload card and the field is
 * emptied for the next one; a refused one is said next to the field, which keeps the text to be corrected.
 */
export function linkForm(uploads: Uploads): void {
  const form = byId<HTMLFormElement>('link-form');
  const input = byId<HTMLInputElement>('link-input');
  const message = byId('link-message');
  let sending = false;

  const problem = (text: string, code?: string) => {
    input.setAttribute('aria-invalid', 'true');
    replaceChildren(message, reasonBox(text, code));
    announce(`Link not accepted. ${text}`);
    input.focus();
  };
  const clearProblem = () => {
    input.removeAttribute('aria-invalid');
    replaceChildren(message);
  };

  input.addEventListener('input', clearProblem);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (sending) return;
    const url = input.value.trim();
    // Only what the browser can tell on its own; the server decides everything else (schemes, hosts, addresses).
    if (!URL.canParse(url) || url.length > MAX_LINK_LENGTH) {
      problem('Enter the full link to an image, starting with https://.');
      return;
    }
    sending = true;
    form.setAttribute('aria-busy', 'true');
    clearProblem();
    uploads
      .addLink(url)
      .then(
        () => {
          input.value = '';
        },
        (error: ApiError) => problem(error.plain, error.code),
      )
      .finally(() => {
        sending = false;
        form.removeAttribute('aria-busy');
      });
  });
}
