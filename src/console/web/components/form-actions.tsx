/**
 * The foot of every form and dialog that runs an action: the server's refusal, then Cancel and
 * the form's own buttons. Cancel disables with them while the action runs.
 */
import type { ComponentChildren } from 'preact';
import { ErrorBox } from './status.tsx';

export function FormActions(props: {
  readonly action: { readonly busy: boolean; readonly error: string | undefined };
  readonly onCancel?: () => void;
  readonly children: ComponentChildren;
}) {
  return (
    <>
      <ErrorBox error={props.action.error} />
      <div class="form-actions">
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel} disabled={props.action.busy}>
            Cancel
          </button>
        ) : null}
        {props.children}
      </div>
    </>
  );
}

/** The label of an action's main button: it says so while the action runs. */
export function busyLabel(busy: boolean, label: string): string {
  return busy ? 'Working…' : label;
}
