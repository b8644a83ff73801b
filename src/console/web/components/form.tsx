/**
 * Forms with validation: each field is checked as the user types and again on submit; the submit
 * button waits for the server and the server's refusal is shown inside the form.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useState } from 'preact/hooks';
import { busyLabel, FormActions } from './form-actions.tsx';
import { useAction } from './use-action.ts';

/** A rule returns the message to show, or undefined when the value is fine. */
export type Rule = (value: string) => string | undefined;

export const required: Rule = (v) => (v.trim() === '' ? 'Required' : undefined);

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Rule =>
  (v) => {
    if (v.trim() === '') return undefined;
    if (!/^-?\d+$/.test(v.trim())) return 'A whole number';
    const n = Number(v);
    return n < min || n > max ? `Between ${min} and ${max}` : undefined;
  };

/** Kafka's topic name rule: 1-249 of [a-zA-Z0-9._-], and not '.' or '..'. */
export const topicName: Rule = (v) => {
  if (v === '.' || v === '..') return "'.' and '..' are not allowed";
  if (v.length > 249) return 'At most 249 characters';
  return /^[a-zA-Z0-9._-]*$/.test(v) ? undefined : 'Letters, digits, ".", "_" and "-" only';
};

export function check(value: string, rules: readonly Rule[]): string | undefined {
  for (const rule of rules) {
    const message = rule(value);
    if (message !== undefined) return message;
  }
  return undefined;
}

/**
 * True inside a Form after its first submit: every field then shows its rules' message, touched or
 * not. The console's forms sit in dialogs, which render nothing while closed, so this starts false
 * each time a form opens.
 */
const SubmitAttempted = createContext(false);

export interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onInput: (value: string) => void;
  readonly rules?: readonly Rule[];
  readonly type?: 'text' | 'password';
  /** 'numeric' brings up a digit keyboard; the rules do the checking. */
  readonly inputMode?: 'numeric';
  readonly multiline?: boolean;
  readonly placeholder?: string;
  readonly width?: string;
}

export function Field(props: FieldProps) {
  const [touched, setTouched] = useState(false);
  const attempted = useContext(SubmitAttempted);
  const error = touched || attempted ? check(props.value, props.rules ?? []) : undefined;
  const common = {
    id: props.id,
    name: props.id,
    value: props.value,
    placeholder: props.placeholder,
    'aria-invalid': error !== undefined,
    'aria-describedby': error !== undefined ? `${props.id}-error` : undefined,
    onBlur: () => setTouched(true),
  };
  return (
    <div class="field" style={props.width ? { width: props.width } : undefined}>
      <label for={props.id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={4} onInput={(e) => props.onInput(e.currentTarget.value)} />
      ) : props.type === 'password' ? (
        // Preact's input types are keyed by `type`, so each kind is written out.
        <input {...common} type="password" autoComplete="new-password" onInput={(e) => props.onInput(e.currentTarget.value)} />
      ) : (
        <input {...common} type="text" inputMode={props.inputMode} onInput={(e) => props.onInput(e.currentTarget.value)} />
      )}
      {error !== undefined ? (
        <span class="field-error" id={`${props.id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

export interface FormProps {
  readonly onSubmit: () => Promise<void>;
  /** False while any field fails its rules: the submit shows the messages instead of sending. */
  readonly valid: boolean;
  readonly submitLabel: string;
  readonly children: ComponentChildren;
  readonly onCancel?: () => void;
  readonly testId?: string;
}

export function Form(props: FormProps) {
  const [attempted, setAttempted] = useState(false);
  const action = useAction(props.onSubmit);
  const submit = (event: Event) => {
    event.preventDefault();
    setAttempted(true);
    if (props.valid && !action.busy) void action.run();
  };
  return (
    <form class="form" onSubmit={submit} noValidate data-testid={props.testId}>
      <SubmitAttempted.Provider value={attempted}>{props.children}</SubmitAttempted.Provider>
      <FormActions action={action} onCancel={props.onCancel}>
        <button type="submit" class="primary" disabled={action.busy}>
          {busyLabel(action.busy, props.submitLabel)}
        </button>
      </FormActions>
    </form>
  );
}
