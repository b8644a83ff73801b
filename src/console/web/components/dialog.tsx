/**
 * Modal dialogs on the native <dialog>: showModal keeps focus inside and Escape closes, so they
 * are keyboard-usable without a focus-trap of our own. ConfirmDialog guards every delete and reset.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { busyLabel, FormActions } from './form-actions.tsx';
import { useAction } from './use-action.ts';

export interface DialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly onClose: () => void;
  readonly children: ComponentChildren;
  readonly testId?: string;
}

export function Dialog({ open, title, onClose, children, testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose} data-testid={testId}>
      {open ? (
        <>
          <h2>{title}</h2>
          {children}
        </>
      ) : null}
    </dialog>
  );
}

export interface ConfirmDialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly message: ComponentChildren;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  /** May throw: the error is shown in the dialog, which stays open. */
  readonly onConfirm: () => Promise<void>;
  readonly onClose: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const confirm = useAction(async () => {
    await props.onConfirm();
    props.onClose();
  });
  useEffect(() => confirm.clearError(), [props.open]);

  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose} testId="confirm-dialog">
      <div class="form">
        <div>{props.message}</div>
        <FormActions action={confirm} onCancel={props.onClose}>
          <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={() => void confirm.run()} disabled={confirm.busy}>
            {busyLabel(confirm.busy, props.confirmLabel)}
          </button>
        </FormActions>
      </div>
    </Dialog>
  );
}
