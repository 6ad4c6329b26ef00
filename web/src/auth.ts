import { byId } from './dom.js';

const STORAGE_KEY = 'thumbsmith.apiKey';

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
  #refused = false;
  #listeners = new Set<() => void>();

  get key(): string | null {
    try {
      return localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  }

  /** The person closed the dialog without a key: requests fail with KeyRefused until a key is given. */
  get refused(): boolean {
    return this.#refused;
  }

  set(key: string | null): void {
    this.#refused = false;
    try {
      if (key) localStorage.setItem(STORAGE_KEY, key);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Private modes may refuse storage; the key then lasts for this page only.
    }
    for (const listener of this.#listeners) listener();
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** Opens the key dialog (once, however many callers wait) and resolves with the key entered. */
  ask(rejected: boolean): Promise<string> {
    if (this.#refused) return Promise.reject(new KeyRefused());
    return this.open(rejected);
  }

  /** Opens the key dialog even after a refusal (the header's key button). */
  open(rejected = false): Promise<string> {
    this.#asking ??= this.#prompt(rejected).finally(() => {
      this.#asking = undefined;
    });
    return this.#asking;
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
        done();
        this.#refused = true;
        for (const listener of this.#listeners) listener();
        reject(new KeyRefused());
      };
      form.addEventListener('submit', onSubmit);
      dialog.addEventListener('close', onClose);
      dialog.showModal();
      input.focus();
    });
  }
}
