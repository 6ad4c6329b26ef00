import { byId } from './dom.js';

/**
 * Asks a yes/no question in the page's modal dialog; resolves true only for the confirming button. Escape, Cancel
 * and any navigation (main.ts closes every dialog on Back, Forward or a changed hash) resolve false, so a question
 * never outlives the view it was asked in.
 */
export function confirmAction(options: { title: string; message: string; confirm: string }): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('confirm-dialog');
  byId('confirm-title').textContent = options.title;
  byId('confirm-message').textContent = options.message;
  byId('confirm-ok').textContent = options.confirm;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

/** Dismisses every open dialog (each resolves as cancelled): a dialog belongs to the view it was opened in. */
export function closeDialogs(): void {
  for (const dialog of document.querySelectorAll<HTMLDialogElement>('dialog[open]')) dialog.close();
}
