import { byId } from './dom.js';

/** Asks a yes/no question in the page's modal dialog; resolves true only for the confirming button. */
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
