/**
 * Forms with validation: each field is checked as the user types and again on submit; the submit
 * button waits for the server and the server's refusal is shown inside the form.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

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

export interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onInput: (value: string) => void;
  readonly rules?: readonly Rule[];
  /** Show the rules' message even before the field was touched (after a submit). */
  readonly showErrors?: boolean;
  readonly type?: 'text' | 'password';
  /** 'numeric' brings up a digit keyboard; the rules do the checking. */
  readonly inputMode?: 'numeric';
  readonly multiline?: boolean;
  readonly placeholder?: string;
  readonly width?: string;
}

export function Field(props: FieldProps) {
  const [touched, setTouched] = useState(false);
  const error = touched || props.showErrors ? check(props.value, props.rules ?? []) : undefined;
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
  /** Called with true after the first submit attempt, so fields show their messages. */
  readonly onAttempt?: () => void;
}

export function Form(props: FormProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    props.onAttempt?.();
    if (!props.valid || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={submit} noValidate data-testid={props.testId}>
      {props.children}
      {error !== undefined ? (
        <div class="error-box" role="alert">
          {error}
        </div>
      ) : null}
      <div class="form-actions">
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Working…' : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
