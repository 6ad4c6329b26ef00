import { byId } from './dom.js';

const STORAGE_KEY = 'thumbsmith.apiKey';

/** What the server last said of the stored key; `unknown` until a request has carried it. */
export type KeyVerdict = 'unknown' | 'accepted' | 'refused';

/** Thrown when a key is needed and the person chose not to give one. */
export class KeyRefused extends Error {
  constructor() {
    super('An API key is needed.');
    this.name = 'KeyRefused';
  }
}

/**
 * The API key: kept in localStorage once given, asked for (one dialog for any number of waiting requests) when the
 * API answers 401. Without keys configured on the server the dialog never shows.
 */
export class KeyKeeper {
  #asking: Promise<string> | undefined;
  #declined = false;
  #verdict: KeyVerdict = 'unknown';
  #listeners = new Set<() => void>();

  get key(): string | null {
    try {
      return localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  }

  /** The person closed the dialog without a key: requests fail with KeyRefused until a key is given. */
  get declined(): boolean {
    return this.#declined;
  }

  /** What the server last said of the stored key: the header shows this, never merely that a key is stored. */
  get verdict(): KeyVerdict {
    return this.#verdict;
  }

  set(key: string | null): void {
    this.#declined = false;
    this.#verdict = 'unknown';
    try {
      if (key) localStorage.setItem(STORAGE_KEY, key);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Private modes may refuse storage; the key then lasts for this page only.
    }
    this.#changed();
  }

  /**
   * Every answer to a request that carried `sentKey` (null: none) passes here: 401 or 403 refused the key, a success
   * accepted it. An answer to an older key (changed while the request was out) says nothing of the current one.
   */
  heard(status: number, sentKey: string | null): void {
    if (sentKey === null || sentKey !== this.key) return;
    const verdict = status === 401 || status === 403 ? 'refused' : status >= 200 && status < 300 ? 'accepted' : null;
    if (verdict === null || verdict === this.#verdict) return;
    this.#verdict = verdict;
    this.#changed();
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** Opens the key dialog (once, however many callers wait) and resolves with the key entered. */
  ask(rejected: boolean): Promise<string> {
    if (this.#declined) return Promise.reject(new KeyRefused());
    return this.open(rejected);
  }

  /** Opens the key dialog even after a refusal (the header's key button). */
  open(rejected = this.#verdict === 'refused'): Promise<string> {
    this.#asking ??= this.#prompt(rejected).finally(() => {
      this.#asking = undefined;
    });
    return this.#asking;
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  #prompt(rejected: boolean): Promise<string> {
    const dialog = byId<HTMLDialogElement>('key-dialog');
    const form = byId<HTMLFormElement>('key-form');
    const input = byId<HTMLInputElement>('key-input');
    const message = byId<HTMLElement>('key-message');
    message.textContent = rejected
      ? 'That key was not accepted. Check it and try again.'
      : 'This server needs an API key. It is kept in this browser so you are asked only once.';
    message.classList.toggle('is-error', rejected);
    input.value = rejected ? '' : (this.key ?? '');
    return new Promise<string>((resolve, reject) => {
      const done = () => {
        form.removeEventListener('submit', onSubmit);
        dialog.removeEventListener('close', onClose);
      };
      const onSubmit = (event: SubmitEvent) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!key) {
          input.focus();
          return;
        }
        done();
        this.set(key);
        dialog.close('saved');
        resolve(key);
      };
      const onClose = () => {
        // The close event is queued: the one of the previous prompt (its key saved, then refused at once) can arrive
        // after this prompt has opened the dialog again. It is not this prompt's.
        if (dialog.open) return;
        done();
        this.#declined = true;
        this.#changed();
        reject(new KeyRefused());
      };
      form.addEventListener('submit', onSubmit);
      dialog.addEventListener('close', onClose);
      dialog.showModal();
      input.focus();
    });
  }
}
